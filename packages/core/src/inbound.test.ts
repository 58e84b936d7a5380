import { describe, expect, test } from "vitest";
import { decide } from "./inbound.ts";
import type { InboundMessage, Integration } from "./model.ts";

const integration = (overrides: Partial<Integration> = {}) =>
  ({ active: true, scope: "mentions", channelIds: [], ...overrides }) as Integration;
const message = (overrides: Partial<InboundMessage> = {}) => ({ isDirect: false, chatId: "-100", ...overrides }) as InboundMessage;

describe("answering rules", () => {
  test("direct messages are answered whatever the mention and channel filter", () => {
    expect(decide(integration({ channelIds: ["-5"] }), message({ isDirect: true }), { addressed: false })).toEqual({ answer: true });
  });

  test("scope none answers nothing, not even direct messages", () => {
    expect(decide(integration({ scope: "none" }), message({ isDirect: true }), { addressed: true })).toEqual({
      answer: false,
      reason: "scope_none",
    });
  });

  test("an inactive integration answers nothing", () => {
    expect(decide(integration({ active: false }), message({ isDirect: true }), { addressed: true })).toEqual({
      answer: false,
      reason: "integration_inactive",
    });
  });

  test("groups: mentions scope needs the bot addressed; all scope answers every message", () => {
    expect(decide(integration(), message(), { addressed: false })).toEqual({ answer: false, reason: "not_addressed" });
    expect(decide(integration(), message(), { addressed: true })).toEqual({ answer: true });
    expect(decide(integration({ scope: "all" }), message(), { addressed: false })).toEqual({ answer: true });
  });

  test("channel_ids restricts groups; empty means every group", () => {
    expect(decide(integration({ channelIds: ["-5"] }), message({ chatId: "-100" }), { addressed: true })).toEqual({
      answer: false,
      reason: "channel_not_allowed",
    });
    expect(decide(integration({ channelIds: ["-5"] }), message({ chatId: "-5" }), { addressed: true })).toEqual({ answer: true });
  });
});
