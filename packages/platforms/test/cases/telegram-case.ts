import type { Integration } from "@patchbay/core";
import { fixtureFolder, integrationRecord } from "./case-helpers.ts";
import type { WebhookDriverCase } from "@patchbay/testing/contracts";
import { telegramWebhookDriver } from "../../src/telegram/driver.ts";

/** The bot every fixture talks to: the test bot of vercel/chat's Telegram samples. */
export const TELEGRAM_TEST_BOT = { id: "8000000001", username: "testbot", can_read_all_group_messages: true };
/** A secret_token as setWebhook accepts it (A-Z a-z 0-9 _ -). */
export const TELEGRAM_TEST_WEBHOOK_SECRET = "telegram_case-secret_0123456789abcdef";

/** One recorded Update by its file name (without `.json`). */
export const { fixture: telegramFixture, fixtures: telegramFixtures } = fixtureFolder("telegram");

/** A Telegram integration of the test bot: scope `mentions`, no channel filter, answering to `@testbot`. */
export function telegramIntegration(overrides: Partial<Integration> = {}): Integration {
  return integrationRecord("telegram", { name: "Test Bot", bot: { ...TELEGRAM_TEST_BOT }, mention: "@testbot", ...overrides });
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
