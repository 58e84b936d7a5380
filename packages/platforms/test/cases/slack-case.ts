import { readFileSync, readdirSync } from "node:fs";
import { newId } from "@patchbay/core";
import type { Integration } from "@patchbay/core";
import { slackSignature } from "@patchbay/testing";
import type { WebhookDriverCase } from "@patchbay/testing/contracts";
import { slackWebhookDriver } from "../../src/slack/driver.ts";

const FIXTURES = new URL("../fixtures/slack/", import.meta.url);

/** The bot every fixture talks to: the Slacklinker dev app's bot in the workspace most fixtures were recorded in. */
export const SLACK_TEST_BOT = { id: "B0439P161B9", username: "slacklinker", user_id: "U0442US8QGH", app_id: "A0442TUPHGR" };
export const SLACK_TEST_SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5";

/** One recorded payload by its file name (without `.json`). */
export function slackFixture(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`${name}.json`, FIXTURES), "utf8")) as unknown;
}

/** Every recorded Slack payload (see fixtures/slack/README.md for where each comes from). */
export function slackFixtures(): { name: string; body: unknown }[] {
  return readdirSync(FIXTURES)
    .filter((file) => file.endsWith(".json"))
    .sort()
    .map((file) => ({ name: file.slice(0, -".json".length), body: slackFixture(file.slice(0, -".json".length)) }));
}

/** A Slack integration of the test bot: scope `mentions`, no channel filter. */
export function slackIntegration(overrides: Partial<Integration> = {}): Integration {
  const at = "2026-12-01T00:00:00.000Z";
  return {
    id: newId("int"),
    owner: "owner_slack_case",
    platform: "slack",
    replicaId: "rp_slackcase",
    name: "Slacklinker",
    active: true,
    registration: "ok",
    bot: { ...SLACK_TEST_BOT },
    channelIds: [],
    channels: [],
    guildId: null,
    guildName: null,
    workspaceId: "T043DB835ML",
    workspaceName: "jadeapptesting",
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

/** Headers as Slack signs a request: `v0=` HMAC-SHA256 of `v0:{seconds}:{raw body}`. */
export function signSlack(body: string, nowMs: number, signingSecret = SLACK_TEST_SIGNING_SECRET): Headers {
  const timestamp = Math.floor(nowMs / 1000);
  return new Headers({
    "content-type": "application/json",
    "x-slack-request-timestamp": String(timestamp),
    "x-slack-signature": slackSignature(signingSecret, timestamp, body),
  });
}

/** The Slack driver with its recorded payloads, for the webhook driver contract and the fuzz. */
export function slackDriverCase(): WebhookDriverCase {
  return {
    driver: slackWebhookDriver,
    integration: slackIntegration(),
    secrets: { bot_token: "xoxb-0000000000-0000000000000-slackcasetoken0000000000", signing_secret: SLACK_TEST_SIGNING_SECRET },
    sign: (body, nowMs) => signSlack(body, nowMs),
    signsBody: true,
    // One mention, delivered as message.channels and as app_mention under two event ids.
    mention: slackFixture("mention-as-message"),
    redelivery: slackFixture("mention-as-app-mention"),
    ownMessage: slackFixture("own-message"),
    handshake: {
      body: slackFixture("url-verification"),
      expect: { challenge: "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" },
    },
  };
}
