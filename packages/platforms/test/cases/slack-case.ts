import type { Integration } from "@patchbay/core";
import { slackSignature } from "@patchbay/testing";
import { fixtureFolder, integrationRecord } from "./case-helpers.ts";
import type { WebhookDriverCase } from "@patchbay/testing/contracts";
import { slackWebhookDriver } from "../../src/slack/driver.ts";

/** The bot every fixture talks to: the Slacklinker dev app's bot in the workspace most fixtures were recorded in. */
export const SLACK_TEST_BOT = { id: "B0439P161B9", username: "slacklinker", user_id: "U0442US8QGH", app_id: "A0442TUPHGR" };
export const SLACK_TEST_SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5";

/** The recorded payloads, one by its file name (without `.json`) or all of them (sources in the fixtures README). */
export const { fixture: slackFixture, fixtures: slackFixtures } = fixtureFolder("slack");

/** A Slack integration of the test bot: scope `mentions`, no channel filter. */
export function slackIntegration(overrides: Partial<Integration> = {}): Integration {
  return integrationRecord("slack", {
    name: "Slacklinker",
    bot: { ...SLACK_TEST_BOT },
    workspaceId: "T043DB835ML",
    workspaceName: "jadeapptesting",
    ...overrides,
  });
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
    secrets: { bot_token: "xoxb-slack-case-test-token", signing_secret: SLACK_TEST_SIGNING_SECRET },
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
