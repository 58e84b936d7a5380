import { generateKeyPairSync } from "node:crypto";
import type { Integration } from "@patchbay/core";
import { ed25519PublicKeyHex, signDiscordRequest } from "@patchbay/testing";
import { fixtureFolder, integrationRecord } from "./case-helpers.ts";
import type { WebhookDriverCase } from "@patchbay/testing/contracts";
import { discordWebhookDriver } from "../../src/discord/driver.ts";

/** The bot the Gateway fixtures talk to: vercel/chat's "Chat SDK Demo" test application (its bot user id is the application id). */
export const DISCORD_TEST_BOT = { id: "1457469483726668048", username: "Chat SDK Demo", bot_user_id: "1457469483726668048" };
/** The bot's managed role in the recorded guild (vercel/chat replay fixture metadata). */
export const DISCORD_TEST_ROLE = "1457473602180878604";

/** One recorded body by its file name (without `.json`). */
export const { fixture: discordFixture, fixtures: discordFixtures } = fixtureFolder("discord");

/** A Discord integration of the test bot: scope `mentions`, no channel filter, guild of the recorded fixtures. */
export function discordIntegration(publicKey: string, overrides: Partial<Integration> = {}): Integration {
  return integrationRecord("discord", {
    name: "Chat SDK Demo",
    bot: { ...DISCORD_TEST_BOT, public_key: publicKey },
    guildId: "1457468924290662599",
    guildName: "Test guild",
    ...overrides,
  });
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
