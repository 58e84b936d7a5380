import { generateKeyPairSync } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";
import { newId } from "@patchbay/core";
import type { Integration } from "@patchbay/core";
import { ed25519PublicKeyHex, signDiscordRequest } from "@patchbay/testing";
import type { WebhookDriverCase } from "@patchbay/testing/contracts";
import { discordWebhookDriver } from "../../src/discord/driver.ts";

const FIXTURES = new URL("../fixtures/discord/", import.meta.url);

/** The bot the Gateway fixtures talk to: vercel/chat's "Chat SDK Demo" test application (its bot user id is the application id). */
export const DISCORD_TEST_BOT = { id: "1457469483726668048", username: "Chat SDK Demo", bot_user_id: "1457469483726668048" };
/** The bot's managed role in the recorded guild (vercel/chat replay fixture metadata). */
export const DISCORD_TEST_ROLE = "1457473602180878604";

/** One recorded body by its file name (without `.json`). */
export function discordFixture(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`${name}.json`, FIXTURES), "utf8")) as unknown;
}

/** Every recorded Discord body (see fixtures/discord/README.md for where each comes from). */
export function discordFixtures(): { name: string; body: unknown }[] {
  return readdirSync(FIXTURES)
    .filter((file) => file.endsWith(".json"))
    .sort()
    .map((file) => ({ name: file.slice(0, -".json".length), body: discordFixture(file.slice(0, -".json".length)) }));
}

/** A Discord integration of the test bot: scope `mentions`, no channel filter, guild of the recorded fixtures. */
export function discordIntegration(publicKey: string, overrides: Partial<Integration> = {}): Integration {
  const at = "2026-12-01T00:00:00.000Z";
  return {
    id: newId("int"),
    owner: "owner_discord_case",
    platform: "discord",
    replicaId: "rp_discordcase",
    name: "Chat SDK Demo",
    active: true,
    registration: "ok",
    bot: { ...DISCORD_TEST_BOT, public_key: publicKey },
    channelIds: [],
    channels: [],
    guildId: "1457468924290662599",
    guildName: "Test guild",
    workspaceId: null,
    workspaceName: null,
    mention: null,
    scope: "mentions",
    threadAutoCreate: false,
    welcomeMessage: null,
    delivery: "webhook",
    tokenLast4: "TEST",
    messageCount: 0,
    connectedAt: at,
    lastMessageAt: null,
    lastError: null,
    validatedAt: null,
    createdAt: at,
    updatedAt: at,
    revision: 0,
    ...overrides,
  };
}

/** A fresh Ed25519 application key: the integration's public key and a signer of bodies as Discord signs them. */
export function discordSigner() {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  return {
    publicKey: ed25519PublicKeyHex(publicKey),
    sign(body: string, nowMs: number): Headers {
      const timestamp = String(Math.floor(nowMs / 1000));
      return new Headers({
        "content-type": "application/json",
        "x-signature-ed25519": signDiscordRequest(privateKey, timestamp, body),
        "x-signature-timestamp": timestamp,
      });
    },
  };
}

/**
 * Discord's side of the webhook driver contract. The mention is a Gateway MESSAGE_CREATE (channel messages
 * reach Patchbay over the Gateway only); its redelivery is the same dispatch replayed on RESUME, under a
 * later sequence number.
 */
export function discordDriverCase(): WebhookDriverCase {
  const signer = discordSigner();
  const mention = discordFixture("gateway-mention") as Record<string, unknown>;
  return {
    driver: discordWebhookDriver,
    // Ed25519 covers the timestamp and the raw body.
    signsBody: true,
    integration: discordIntegration(signer.publicKey),
    secrets: { bot_token: "MTQ1NzQ2OTQ4MzcyNjY2ODA0OA.discord-case.token" },
    sign: signer.sign,
    mention,
    ownMessage: discordFixture("gateway-own-message"),
    handshake: { body: discordFixture("ping"), expect: { type: 1 } },
    redelivery: { ...structuredClone(mention), s: 42 },
  };
}
