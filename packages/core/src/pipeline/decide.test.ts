import { describe, expect, test } from "vitest";
import { decide } from "./decide.ts";
import type { InboundMessage, Integration } from "../model.ts";
import type { PlatformEvent, Sender } from "./platform-event.ts";

const integration = (overrides: Partial<Integration> = {}) =>
  ({ active: true, scope: "mentions", channelIds: [], ...overrides }) as Integration;
const message = (overrides: Partial<InboundMessage> = {}) =>
  ({ isDirect: false, chatId: "-100", text: "hello", key: "k", ...overrides }) as InboundMessage;
const said = (overrides: Partial<InboundMessage> = {}, addressed = false, sender: Sender = "person"): PlatformEvent => ({
  kind: "message",
  message: message(overrides),
  sender,
  addressed,
});
const logged = { key: "k", conversationId: "c", chatId: "c", userId: "u", userName: "", text: "", sentAt: "2026-01-01T00:00:00.000Z" };

describe("answering rules", () => {
  test("direct messages are answered whatever the mention and channel filter", () => {
    expect(decide(integration({ channelIds: ["-5"] }), said({ isDirect: true }))).toEqual({ answer: true });
  });

  test("scope none answers nothing, not even direct messages", () => {
    expect(decide(integration({ scope: "none" }), said({ isDirect: true }, true))).toEqual({ answer: false, reason: "scope_none" });
  });

  test("an inactive integration answers nothing", () => {
    expect(decide(integration({ active: false }), said({ isDirect: true }, true))).toEqual({
      answer: false,
      reason: "integration_inactive",
    });
  });

  test("groups: mentions scope needs the bot addressed; all scope answers every message", () => {
    expect(decide(integration(), said())).toEqual({ answer: false, reason: "not_addressed" });
    expect(decide(integration(), said({}, true))).toEqual({ answer: true });
    expect(decide(integration({ scope: "all" }), said())).toEqual({ answer: true });
  });

  test("channel_ids restricts groups; empty means every group", () => {
    expect(decide(integration({ channelIds: ["-5"] }), said({ chatId: "-100" }, true))).toEqual({
      answer: false,
      reason: "channel_not_allowed",
    });
    expect(decide(integration({ channelIds: ["-5"] }), said({ chatId: "-5" }, true))).toEqual({ answer: true });
  });

  test("only people are answered: the bot's own echoes, other bots and the platform itself each have a reason", () => {
    const all = integration({ scope: "all" });
    expect(decide(all, said({ isDirect: true }, true, "self"))).toEqual({ answer: false, reason: "own_message" });
    expect(decide(all, said({ isDirect: true }, true, "bot"))).toEqual({ answer: false, reason: "bot_message" });
    expect(decide(all, said({ isDirect: true }, true, "system"))).toEqual({ answer: false, reason: "system_message" });
  });

  test("a message with no text (only a file or a sticker) is not sent to the model", () => {
    expect(decide(integration(), said({ isDirect: true, text: "  \n " }))).toEqual({ answer: false, reason: "empty_message" });
  });

  test("a picture with no text is a question about the picture, under the same rules as any message", () => {
    const images = [{ ref: "file-1", name: "photo.jpg", mediaType: "image/jpeg", size: 1000 }];
    expect(decide(integration(), said({ isDirect: true, text: "", images }))).toEqual({ answer: true });
    expect(decide(integration(), said({ text: " ", images }))).toEqual({ answer: false, reason: "not_addressed" });
    expect(decide(integration(), said({ isDirect: true, text: "", images: [] }))).toEqual({ answer: false, reason: "empty_message" });
  });

  test("edits, deletions and membership changes are logged, never answered", () => {
    expect(decide(integration(), { kind: "activity", activity: "edit", logged })).toEqual({ answer: false, reason: "edited_message" });
    expect(decide(integration(), { kind: "activity", activity: "delete", logged })).toEqual({ answer: false, reason: "deleted_message" });
    expect(decide(integration(), { kind: "activity", activity: "member", logged })).toEqual({ answer: false, reason: "member_event" });
  });

  test("what a driver cannot handle is ignored with its detail; handshakes have no decision", () => {
    expect(decide(integration(), { kind: "unsupported", reason: "unexpected_payload", detail: "message.chat: expected object", logged })).toEqual({
      answer: false,
      reason: "unexpected_payload",
      detail: "message.chat: expected object",
    });
    expect(decide(integration(), { kind: "handshake", body: { type: 1 } })).toBeNull();
  });
});
