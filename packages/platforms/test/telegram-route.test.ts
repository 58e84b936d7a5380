import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { InboundMessage, OutboundContext } from "@patchbay/core";
import { startFakeTelegram } from "@patchbay/testing";
import type { FakeTelegram } from "@patchbay/testing";
import { createTelegramBotApi } from "../src/telegram/bot-api.ts";
import { createTelegramClient } from "../src/telegram/client.ts";
import { telegramWebhookDriver } from "../src/telegram/driver.ts";
import { telegramFixture, telegramIntegration } from "./cases/telegram-case.ts";

const logger = { info: () => undefined, warn: () => undefined, error: () => undefined };
const TOKEN = "8000000001:route-test-token";
let telegram: FakeTelegram;

beforeAll(async () => {
  telegram = await startFakeTelegram();
  telegram.addBot({ token: TOKEN, id: 8000000001, username: "testbot" });
});
afterAll(async () => {
  await telegram.close();
});

/** What the driver enqueues for a fixture, after the JSON round trip the queue puts it through. */
function queued(name: string): InboundMessage {
  const event = telegramWebhookDriver.parse(telegramFixture(name), telegramIntegration(), "2026-12-02T10:00:00.000Z");
  if (event.kind !== "message") throw new Error(`expected a message, got ${event.kind}`);
  return JSON.parse(JSON.stringify(event.message)) as InboundMessage;
}

const contextFor = (message: InboundMessage): OutboundContext => ({
  integration: telegramIntegration(),
  secrets: { bot_token: TOKEN },
  message,
});

describe("the Telegram route, as it crosses the queue", () => {
  const client = () => createTelegramClient(createTelegramBotApi({ apiUrl: telegram.url, timeoutMs: 5000 }), logger);

  test("a group's first part quotes the question; a private chat's does not", async () => {
    await client().sendPart(contextFor(queued("mention-group")), "in the group", 0);
    await client().sendPart(contextFor(queued("private-message")), "in private", 0);
    const [group, direct] = telegram.callsTo("sendMessage", TOKEN).slice(-2).map((call) => call.params);
    expect(group).toMatchObject({ chat_id: "-1001000000001", reply_parameters: { message_id: 133, allow_sending_without_reply: true } });
    expect(direct?.reply_parameters).toBeUndefined();
  });

  test("a job whose route is not { chatType } fails with an error no retry can fix, and sends nothing", async () => {
    const sentBefore = telegram.callsTo("sendMessage", TOKEN).length;
    for (const route of [undefined, {}, { chatType: "gigagroup" }, { channel: "C1" }, "private"]) {
      const failure = await client().sendPart(contextFor({ ...queued("mention-group"), route }), "hello", 0).catch((e: unknown) => e);
      expect(failure).toMatchObject({ code: "PLATFORM_ERROR", retryable: false });
    }
    expect(telegram.callsTo("sendMessage", TOKEN)).toHaveLength(sentBefore);
  });
});
