import { describe, expect, test } from "vitest";
import { decide } from "@patchbay/core";
import type { PlatformEvent } from "@patchbay/core";
import { describeWebhookDriverContract } from "@patchbay/testing/contracts";
import { telegramWebhookDriver as driver } from "../src/telegram/driver.ts";
import type { TelegramRoute } from "../src/telegram/route.ts";
import {
  TELEGRAM_TEST_WEBHOOK_SECRET,
  telegramDriverCase,
  telegramFixture,
  telegramFixtures,
  telegramIntegration,
} from "./cases/telegram-case.ts";

const RECEIVED_AT = "2026-12-02T10:00:00.000Z";
const integration = telegramIntegration();

const parse = (body: unknown, on = integration) => driver.parse(body, on, RECEIVED_AT);
const fixture = (name: string) => parse(telegramFixture(name));
const reasonOf = (event: PlatformEvent, on = integration) => {
  const decision = decide(on, event);
  return decision?.answer === false ? decision.reason : decision?.answer ? "answered" : null;
};

function messageOf(event: PlatformEvent<TelegramRoute>) {
  if (event.kind !== "message") throw new Error(`expected a message, got ${event.kind}`);
  return event;
}

function detailOf(event: PlatformEvent<TelegramRoute>) {
  if (event.kind !== "unsupported") throw new Error(`expected unsupported, got ${event.kind}`);
  return { reason: event.reason, detail: event.detail, key: event.logged.key };
}

/** A recorded update with one field of its message replaced. */
function withMessageField(name: string, field: string, value: unknown): unknown {
  const body = telegramFixture(name) as { message: Record<string, unknown> };
  body.message[field] = value;
  return body;
}

describe("Telegram's stand-in senders", () => {
  test("an anonymous admin (GroupAnonymousBot) is a person; the linked channel's automatic forward is the platform's", () => {
    expect(messageOf(fixture("other-bot-anonymous-admin")).sender).toBe("person");
    const forward = withMessageField("group-message", "is_automatic_forward", true) as { message: Record<string, unknown> };
    forward.message.from = { id: 777000, is_bot: false, first_name: "Telegram" };
    const event = parse(forward);
    expect(messageOf(event).sender).toBe("system");
    expect(reasonOf(event, { ...integration, scope: "all" })).toBe("system_message");
  });
});

describe("every recorded update becomes the event its README says", () => {
  const expected: Record<string, { kind: PlatformEvent["kind"]; sender?: string; addressed?: boolean; reason: string }> = {
    "callback-query": { kind: "unsupported", reason: "unsupported_event" },
    "channel-post": { kind: "unsupported", reason: "unsupported_event" },
    "command-bare-group": { kind: "message", sender: "person", addressed: false, reason: "not_addressed" },
    "command-for-bot-group": { kind: "message", sender: "person", addressed: true, reason: "answered" },
    document: { kind: "message", sender: "person", addressed: false, reason: "empty_message" },
    "document-image": { kind: "message", sender: "person", addressed: false, reason: "answered" },
    "edited-message": { kind: "activity", reason: "edited_message" },
    "forum-topic-false-reply": { kind: "message", sender: "person", addressed: false, reason: "not_addressed" },
    "forum-topic-message": { kind: "message", sender: "person", addressed: false, reason: "not_addressed" },
    "group-message": { kind: "message", sender: "person", addressed: false, reason: "not_addressed" },
    "inline-query": { kind: "unsupported", reason: "unsupported_event" },
    "mention-group": { kind: "message", sender: "person", addressed: true, reason: "answered" },
    "mention-private": { kind: "message", sender: "person", addressed: true, reason: "answered" },
    "message-reaction": { kind: "unsupported", reason: "unsupported_event" },
    "migrate-service-message": { kind: "message", sender: "system", addressed: false, reason: "system_message" },
    "my-chat-member-added": { kind: "activity", reason: "member_event" },
    "my-chat-member-blocked": { kind: "activity", reason: "member_event" },
    "new-chat-members": { kind: "activity", reason: "member_event" },
    "other-bot-anonymous-admin": { kind: "message", sender: "person", addressed: false, reason: "not_addressed" },
    "own-message": { kind: "message", sender: "self", addressed: false, reason: "own_message" },
    "photo-caption": { kind: "message", sender: "person", addressed: false, reason: "answered" },
    photo: { kind: "message", sender: "person", addressed: false, reason: "answered" },
    "private-message": { kind: "message", sender: "person", addressed: false, reason: "answered" },
    "reply-to-bot": { kind: "message", sender: "person", addressed: true, reason: "answered" },
    sticker: { kind: "message", sender: "person", addressed: false, reason: "empty_message" },
  };

  test("the table covers every fixture", () => {
    expect(telegramFixtures().map((f) => f.name).sort()).toEqual(Object.keys(expected).sort());
  });

  test.each(telegramFixtures())("$name", ({ name, body }) => {
    const event = parse(body);
    const want = expected[name]!;
    expect(event.kind).toBe(want.kind);
    if (event.kind === "message") expect({ sender: event.sender, addressed: event.addressed }).toEqual({ sender: want.sender, addressed: want.addressed });
    expect(reasonOf(event)).toBe(want.reason);
    expect(driver.acknowledge(event, decide(integration, event)).status).toBe(200);
  });
});

describe("messages", () => {
  test("a private message: every field as the responder needs it, keyed by update_id", () => {
    expect(messageOf(fixture("private-message"))).toEqual({
      kind: "message",
      sender: "person",
      addressed: false,
      message: {
        key: "u892252934",
        conversationId: "218485655",
        chatId: "218485655",
        isDirect: true,
        messageId: "6557",
        threadId: null,
        userId: "218485655",
        userName: "Waffle",
        text: "hello there",
        sentAt: "2019-09-26T17:19:02.000Z",
        route: { chatType: "private" },
      },
    });
  });

  test("a group message carries the group to remember and the route of a group", () => {
    const event = messageOf(fixture("group-message"));
    expect(event.chat).toEqual({ id: "-1001906889117", name: "testGroup", isPrivate: true, lastSeenAt: RECEIVED_AT });
    expect(event.message).toMatchObject({ isDirect: false, chatId: "-1001906889117", userName: "Timur Kulakov", route: { chatType: "supergroup" } });
  });

  test("a forum topic is the thread and part of the conversation id; a reply thread in a plain group is not", () => {
    expect(messageOf(fixture("forum-topic-message")).message).toMatchObject({ threadId: "4", conversationId: "-1001847508954:4" });
    expect(messageOf(fixture("command-bare-group")).message).toMatchObject({ threadId: null, conversationId: "-1001293752024" });
  });

  test("a photo's caption is its text", () => {
    expect(messageOf(fixture("photo-caption")).message.text).toBe("www.example.com");
  });
});

describe("pictures", () => {
  test("a photo is one JPEG picture: its largest size, by file_id, with the caption as the text", () => {
    expect(messageOf(fixture("photo-caption")).message).toMatchObject({
      text: "www.example.com",
      images: [{ ref: "AgACAgQAAxkBAAINhGKvijUVSn2i3980bQIIc1fqWGNCAAJpvDEbEmaBUfuA43fR-BnlAQADAgADeQADJAQ", name: "photo.jpg", mediaType: "image/jpeg", size: 162061 }],
    });
  });

  test("a photo without a caption is answered as a question about the picture", () => {
    const { message } = messageOf(fixture("photo"));
    expect(message.text).toBe("");
    expect(message.images).toEqual([
      { ref: "AgACAgUAAxkBAAMRaH8qXw-VQSGAG4X4VoCg9A5nE50AAvLGMRtBGPlXGt4-FX4l2_oBAAMCAAN5AAM2BA", name: "photo.jpg", mediaType: "image/jpeg", size: 173215 },
    ]);
  });

  test("of a photo's sizes the largest under the cap is taken; when none fits, the smallest, for the log to say so", () => {
    const sizes = (bytes: number[]) => bytes.map((file_size, i) => ({ file_id: `size-${i}`, file_unique_id: `u${i}`, file_size, width: 90 * (i + 1), height: 90 * (i + 1) }));
    const taken = (bytes: number[]) => messageOf(parse(withMessageField("photo", "photo", sizes(bytes)))).message.images?.[0]?.ref;
    expect(taken([1000, 3_000_000, 5_000_000])).toBe("size-1");
    expect(taken([4_000_000, 9_000_000])).toBe("size-0");
  });

  test("a document whose type is an image is a picture, named as sent; any other document is not", () => {
    expect(messageOf(fixture("document-image")).message).toMatchObject({
      text: "What does this error mean?",
      images: [{ ref: "BQACAgIAAxkBAAN2YGcNHPupviOv5YmiZyq1pUNOYZEAAjIKAALuqDhLa648Y7Okgg0eBA", name: "screenshot.png", mediaType: "image/png", size: 48213 }],
    });
    expect(messageOf(fixture("document")).message).not.toHaveProperty("images");
    expect(messageOf(fixture("sticker")).message).not.toHaveProperty("images");
  });

  test("an album is one message per picture: the captioned one is the question, the others are empty", () => {
    const captioned = withMessageField("photo-caption", "media_group_id", "13573113577224868");
    expect(messageOf(parse(captioned)).message.images).toHaveLength(1);
    expect(reasonOf(parse(captioned))).toBe("answered");
    const rest = parse(withMessageField("photo", "media_group_id", "13573113577224868"));
    expect(messageOf(rest).message).not.toHaveProperty("images");
    expect(reasonOf(rest)).toBe("empty_message");
  });

  test("a photo of another shape is an unexpected payload naming the field, never a crash", () => {
    const event = parse(withMessageField("photo", "photo", [{ file_size: 10 }]));
    expect(event.kind).toBe("unsupported");
    expect(detailOf(event).reason).toBe("unexpected_payload");
    expect(detailOf(event).detail).toMatch(/photo/);
  });

  test("/start@bot in a group asks for the greeting; in a private chat /start needs no @bot", () => {
    expect(messageOf(fixture("command-for-bot-group")).greeting).toBe(true);
    const start = withMessageField("private-message", "text", "/start");
    (start as { message: Record<string, unknown> }).message.entities = [{ type: "bot_command", offset: 0, length: 6 }];
    expect(messageOf(parse(start))).toMatchObject({ addressed: true, greeting: true });
    expect(messageOf(fixture("mention-group")).greeting).toBeUndefined();
  });

  test("mentions match any case, the integration's own handle, and text mentions of the bot's user", () => {
    const shout = withMessageField("mention-group", "text", "@TESTBOT hi");
    expect(messageOf(parse(shout)).addressed).toBe(true);
    const handle = withMessageField("mention-group", "text", "@helper hi");
    (handle as { message: { entities: unknown[] } }).message.entities = [{ type: "mention", offset: 0, length: 7 }];
    expect(messageOf(parse(handle)).addressed).toBe(false);
    expect(messageOf(parse(handle, telegramIntegration({ mention: "@Helper" }))).addressed).toBe(true);
    const textMention = withMessageField("group-message", "entities", [{ type: "text_mention", offset: 0, length: 1, user: { id: 8000000001 } }]);
    expect(messageOf(parse(textMention)).addressed).toBe(true);
  });

  test("a command for another bot is not for this one", () => {
    const other = withMessageField("command-for-bot-group", "text", "/start@otherbot PingGroup");
    (other as { message: { entities: unknown[] } }).message.entities = [{ type: "bot_command", offset: 0, length: 15 }];
    expect(messageOf(parse(other))).toMatchObject({ addressed: false });
    expect(messageOf(parse(other)).greeting).toBeUndefined();
  });

  test("text over Telegram's 4096 characters is cut there, never across a surrogate pair", () => {
    const long = messageOf(parse(withMessageField("private-message", "text", "a".repeat(10_000))));
    expect(long.message.text).toHaveLength(4096);
    const emoji = messageOf(parse(withMessageField("private-message", "text", `${"a".repeat(4095)}😀tail`)));
    expect(emoji.message.text).toBe("a".repeat(4095));
  });

  test("a stored bot identity that is unusable makes nothing the bot's own, and parsing still works", () => {
    const broken = telegramIntegration({ bot: { id: "not-a-number", username: "testbot" } });
    expect(messageOf(parse(telegramFixture("own-message"), broken)).sender).toBe("bot");
    expect(messageOf(parse(telegramFixture("reply-to-bot"), broken)).addressed).toBe(false);
  });
});

describe("activity", () => {
  test("an edit is logged with the edited text and the original time", () => {
    expect(fixture("edited-message")).toEqual({
      kind: "activity",
      activity: "edit",
      logged: {
        key: "u10000",
        conversationId: "1111111",
        chatId: "1111111",
        userId: "1111111",
        userName: "Test Firstname Test Lastname",
        text: "Edited text",
        sentAt: "2015-09-07T17:05:32.000Z",
      },
    });
  });

  test("the bot added to a group: a member event with the group to remember; blocked in private: nothing to remember", () => {
    expect(fixture("my-chat-member-added")).toMatchObject({
      kind: "activity",
      activity: "member",
      logged: { key: "u264612701", chatId: "-1001538393672", userId: "628911901" },
      chat: { id: "-1001538393672", name: "MindustrInside", isPrivate: true, lastSeenAt: RECEIVED_AT },
    });
    const blocked = fixture("my-chat-member-blocked");
    expect(blocked).toMatchObject({ kind: "activity", activity: "member", logged: { key: "u0" } });
    expect("chat" in blocked).toBe(false);
  });

  test("someone joining a group is a member event that remembers the group", () => {
    expect(fixture("new-chat-members")).toMatchObject({ kind: "activity", activity: "member", chat: { id: "-2222", name: "TEST" } });
  });
});

describe("what Patchbay does not read", () => {
  test("update types it does not act on are unsupported_event, named in the detail", () => {
    expect(detailOf(fixture("callback-query"))).toEqual({ reason: "unsupported_event", detail: "callback_query update: not handled", key: "u10000" });
    expect(detailOf(fixture("channel-post")).detail).toBe("channel_post: Patchbay does not answer channels");
    expect(detailOf(fixture("message-reaction")).detail).toBe("message_reaction update: not handled");
    expect(detailOf(parse({ update_id: 5, "Weird Type!": {} })).detail).toBe("an update of an unknown type: not handled");
  });

  test.each([
    ["chat is a string", withMessageField("group-message", "chat", "-100"), "message.chat: expected an object"],
    ["chat is missing", withMessageField("group-message", "chat", undefined), "message.chat: is missing"],
    ["text is an object", withMessageField("group-message", "text", { nested: "x" }), "message.text: expected a string"],
    ["text is null", withMessageField("group-message", "text", null), "message.text: expected a string"],
    ["message_id is 1e308", withMessageField("group-message", "message_id", 1e308), "message.message_id: expected an integer id"],
    ["message_id is negative", withMessageField("group-message", "message_id", -1), "message.message_id: expected a positive id"],
    ["date would not make a Date", withMessageField("group-message", "date", 1e20), "message.date: expected a Unix time in seconds"],
    ["chat type is new", withMessageField("group-message", "chat", { id: 1, type: "gigagroup" }), "message.chat.type: expected one of private, group, supergroup, channel"],
    ["an entity offset is a string", withMessageField("mention-group", "entities", [{ type: "mention", offset: "0", length: 8 }]), "message.entities.0.offset: expected a number"],
  ])("%s → unexpected_payload naming the field", (_name, body, detail) => {
    expect(detailOf(parse(body))).toEqual({ reason: "unexpected_payload", detail, key: expect.stringMatching(/^u\d+$/) });
  });

  test("a user id beyond 2^53 is unexpected_payload", () => {
    const body = withMessageField("group-message", "from", { id: 2 ** 53 + 2, is_bot: false, first_name: "x" });
    expect(detailOf(parse(body))).toMatchObject({ reason: "unexpected_payload", detail: "message.from.id: expected an integer id" });
  });

  test("a body without a usable update_id is keyed by a hash of itself, the same on every delivery", () => {
    const first = detailOf(parse({ update_id: "x", message: {} }));
    expect(first).toMatchObject({ reason: "unexpected_payload", detail: "update_id: expected a number" });
    expect(first.key).toMatch(/^h[0-9a-f]{32}$/);
    expect(detailOf(parse({ update_id: "x", message: {} })).key).toBe(first.key);
    expect(detailOf(parse({ update_id: "y", message: {} })).key).not.toBe(first.key);
    expect(detailOf(parse({})).detail).toBe("update_id: is missing");
    expect(detailOf(parse({ update_id: 7 }))).toMatchObject({ detail: "update: no update type besides update_id", key: "u7" });
  });

  test("no JSON value makes parse throw; every unsupported event is logged with plain strings", () => {
    let deep: unknown = "bottom";
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const bodies = [null, 0, 1e308, "text", "x".repeat(1_000_000), [], {}, deep, { update_id: 1, message: deep }, { update_id: 2 ** 53 + 1, message: {} }];
    for (const body of bodies) {
      const event = parse(body);
      expect(event.kind).toBe("unsupported");
      if (event.kind !== "unsupported") continue;
      expect(event.detail.length).toBeGreaterThan(0);
      expect(event.detail.length).toBeLessThanOrEqual(200);
      for (const value of Object.values(event.logged)) expect(typeof value).toBe("string");
      expect(event.logged.key.length).toBeLessThanOrEqual(64);
    }
  });
});

describe("verify, secrets and acknowledge", () => {
  const context = (bundle: Record<string, string> | null) => ({
    integration,
    secrets: async () => (bundle ? driver.readSecrets(bundle) : null),
    nowMs: Date.parse(RECEIVED_AT),
  });
  const secrets = { bot_token: "8000000001:AAtoken", webhook_secret: TELEGRAM_TEST_WEBHOOK_SECRET };
  const request = (secret: string | null) => ({
    body: "{}",
    headers: new Headers(secret === null ? {} : { "x-telegram-bot-api-secret-token": secret }),
  });

  test("the secret token verifies; another, none, or a vault without the secret does not", async () => {
    expect(await driver.verify(request(TELEGRAM_TEST_WEBHOOK_SECRET), context(secrets))).toBe(true);
    expect(await driver.verify(request(`${TELEGRAM_TEST_WEBHOOK_SECRET}x`), context(secrets))).toBe(false);
    expect(await driver.verify(request(""), context(secrets))).toBe(false);
    expect(await driver.verify(request(null), context(secrets))).toBe(false);
    expect(await driver.verify(request(TELEGRAM_TEST_WEBHOOK_SECRET), context({ bot_token: "t" }))).toBe(false);
    expect(await driver.verify(request(TELEGRAM_TEST_WEBHOOK_SECRET), context(null))).toBe(false);
  });

  test("the secrets view needs both the token and the webhook secret", () => {
    expect(driver.readSecrets(secrets)).toEqual(secrets);
    expect(driver.readSecrets({ bot_token: "t", webhook_secret: "" })).toBeNull();
  });

  test("every verified update is acknowledged 200 {ok: true}, with no method for Telegram to run", async () => {
    for (const name of ["mention-group", "callback-query", "edited-message"]) {
      const event = fixture(name);
      const response = driver.acknowledge(event, decide(integration, event));
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ ok: true });
    }
  });
});

describeWebhookDriverContract("Telegram", telegramDriverCase);
