import { afterAll, beforeAll, expect, test } from "vitest";
import type { InboundMessage, Integration, OutboundContext } from "@patchbay/core";
import { startFakeSlack } from "@patchbay/testing";
import type { FakeSlack } from "@patchbay/testing";
import { createSlackClient } from "../src/slack/client.ts";

const warnings: string[] = [];
const logger = { info: () => undefined, warn: (message: string) => void warnings.push(message), error: () => undefined };
let slack: FakeSlack;

beforeAll(async () => {
  slack = await startFakeSlack();
});
afterAll(async () => {
  await slack.close();
});

function channelContext(): { channel: string; context: OutboundContext } {
  const team = slack.addWorkspace();
  const app = slack.addApp({ team_id: team.id });
  const channel = slack.addChannel({ team_id: team.id, members: [app.bot_user_id] }).id;
  const message = { key: "k", conversationId: channel, chatId: channel, isDirect: false, messageId: "1", threadId: null, userId: "U0HUMAN", userName: "H", text: "q", sentAt: new Date().toISOString(), route: { channel, threadTs: null } } as InboundMessage;
  return { channel, context: { integration: { id: "int_slack_client" } as Integration, secrets: { bot_token: app.token }, message } };
}

test("an answer Slack refuses as blocks (msg_blocks_too_long) still arrives, as plain text that pings no one", async () => {
  const { channel, context } = channelContext();
  slack.failNext("chat.postMessage", { kind: "error", error: "msg_blocks_too_long" });
  const part = "**Bold** words, a [link](https://x.y/(z)) and <!channel> for a < b & c";
  const sent = await createSlackClient(slack.url, logger).sendPart(context, part, 0);
  const [refused, resent] = slack.callsTo("chat.postMessage").filter((call) => call.params.channel === channel);
  expect(refused!.params.markdown_text).toBeDefined();
  expect(resent!.params.markdown_text).toBeUndefined();
  const [posted, ...more] = slack.posted(channel);
  expect(more).toEqual([]);
  expect(posted).toMatchObject({ ts: sent.messageId, text: "Bold words, a link and &lt;\u2060!channel&gt; for a &lt; b &amp; c", mrkdwn: false });
  expect(warnings).toContain("slack refused the answer's markdown, sending plain text");
});

test("any other refusal is not hidden behind a second post", async () => {
  const { channel, context } = channelContext();
  slack.failNext("chat.postMessage", { kind: "error", error: "not_in_channel" });
  await expect(createSlackClient(slack.url, logger).sendPart(context, "hello", 0)).rejects.toMatchObject({ details: { platform_error: "not_in_channel" } });
  expect(slack.callsTo("chat.postMessage").filter((call) => call.params.channel === channel)).toHaveLength(1);
  expect(slack.posted(channel)).toEqual([]);
});
