import { describe, expect, test } from "vitest";
import { PlatformCallError } from "@patchbay/core";
import { createSlackClient } from "../src/slack/client.ts";
import { slackWebhookDriver } from "../src/slack/driver.ts";
import { readSlackRoute, requireSlackRoute } from "../src/slack/route.ts";
import { slackFixture, slackIntegration } from "./cases/slack-case.ts";

const logger = { info: () => undefined, warn: () => undefined, error: () => undefined };

function threadReply() {
  const event = slackWebhookDriver.parse(slackFixture("thread-reply"), slackIntegration(), "2026-12-02T10:00:00.000Z");
  if (event.kind !== "message") throw new Error(`expected a message, got ${event.kind}`);
  return event.message;
}

describe("the Slack route, as it crosses the queue", () => {
  test("what the driver writes reads back after a JSON round trip", () => {
    const queued: unknown = JSON.parse(JSON.stringify(threadReply().route));
    expect(readSlackRoute(queued)).toEqual({ channel: "C00FAKECHAN1", threadTs: "1767224888.280449" });
  });

  test("a route of another shape is refused with a failure no retry can fix", () => {
    for (const route of [undefined, {}, { channel: "C1" }, { channel: 5, threadTs: null }, { channel: "C1", threadTs: "soon" }]) {
      expect(readSlackRoute(route)).toBeNull();
      const error = (() => {
        try {
          requireSlackRoute(route);
        } catch (caught) {
          return caught;
        }
        return undefined;
      })();
      expect(error).toBeInstanceOf(PlatformCallError);
      expect(error).toMatchObject({ code: "PLATFORM_ERROR", retryable: false });
    }
  });

  test("the client sends nothing for a job without a valid route, and shows no typing for it", async () => {
    const client = createSlackClient("http://127.0.0.1:9/api/", logger);
    const context = { integration: slackIntegration(), secrets: { bot_token: "xoxb-1" }, message: { ...threadReply(), route: { channel: "#general" } } };
    expect(() => client.startTyping(context)()).not.toThrow();
    await expect(client.sendPart(context, "hello", 0)).rejects.toMatchObject({ code: "PLATFORM_ERROR" });
  });
});
