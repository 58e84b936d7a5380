import { readFileSync, readdirSync } from "node:fs";
import { newId } from "@patchbay/core";
import type { Integration } from "@patchbay/core";
import type { WebhookDriverCase } from "@patchbay/testing/contracts";
import { telegramWebhookDriver } from "../../src/telegram/driver.ts";

const FIXTURES = new URL("../fixtures/telegram/", import.meta.url);

/** The bot every fixture talks to: the test bot of vercel/chat's Telegram samples. */
export const TELEGRAM_TEST_BOT = { id: "8000000001", username: "testbot", can_read_all_group_messages: true };
/** A secret_token as setWebhook accepts it (A-Z a-z 0-9 _ -). */
export const TELEGRAM_TEST_WEBHOOK_SECRET = "telegram_case-secret_0123456789abcdef";

/** One recorded Update by its file name (without `.json`). */
export function telegramFixture(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`${name}.json`, FIXTURES), "utf8")) as unknown;
}

/** Every recorded Telegram Update (see fixtures/telegram/README.md for where each comes from). */
export function telegramFixtures(): { name: string; body: unknown }[] {
  return readdirSync(FIXTURES)
    .filter((file) => file.endsWith(".json"))
    .sort()
    .map((file) => ({ name: file.slice(0, -".json".length), body: telegramFixture(file.slice(0, -".json".length)) }));
}

/** A Telegram integration of the test bot: scope `mentions`, no channel filter, answering to `@testbot`. */
export function telegramIntegration(overrides: Partial<Integration> = {}): Integration {
  const at = "2026-12-01T00:00:00.000Z";
  return {
    id: newId("int"),
    owner: "owner_telegram_case",
    platform: "telegram",
    replicaId: "rp_telegramcase",
    name: "Test Bot",
    active: true,
    registration: "ok",
    bot: { ...TELEGRAM_TEST_BOT },
    channelIds: [],
    channels: [],
    guildId: null,
    guildName: null,
    workspaceId: null,
    workspaceName: null,
    mention: "@testbot",
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

/** Telegram's side of the webhook driver contract. Telegram redelivers an update unchanged, so the redelivery is a copy. */
export function telegramDriverCase(): WebhookDriverCase {
  const mention = telegramFixture("mention-group");
  return {
    driver: telegramWebhookDriver,
    integration: telegramIntegration(),
    secrets: { bot_token: "8000000001:AAtelegram-case-token", webhook_secret: TELEGRAM_TEST_WEBHOOK_SECRET },
    // The secret token is the same for every body: Telegram signs nothing.
    sign: () => new Headers({ "content-type": "application/json", "x-telegram-bot-api-secret-token": TELEGRAM_TEST_WEBHOOK_SECRET }),
    signsBody: false,
    mention,
    ownMessage: telegramFixture("own-message"),
    handshake: null,
    redelivery: structuredClone(mention),
  };
}
