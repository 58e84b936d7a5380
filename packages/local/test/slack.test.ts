import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { SlackAppInstall } from "@patchbay/testing";
import { eventually, filesUnder } from "./helpers.ts";
import { startHarness } from "./harness.ts";
import type { Harness } from "./harness.ts";

let h: Harness;
let replicaId: string;
const secrets: string[] = [];

beforeAll(async () => {
  h = await startHarness();
  h.openai.reply((request) => `Answer to: ${request.lastUserText}`);
  replicaId = (await h.api("POST", "/v1/replicas", { name: "Ada", instructions: "You are Ada." })).body.id;
});
afterAll(async () => {
  await h.close();
});

interface Connected {
  app: SlackAppInstall;
  integrationId: string;
  body: any;
  general: string;
  url: string;
}

let teams = 0;

/** A workspace with a Slack app in #general, connected through the API. */
async function connect(settings: Record<string, unknown> = {}, scopes?: string[]): Promise<Connected> {
  const team = h.slack.addWorkspace({ id: `T0${++teams}TEAM`, name: `Team ${teams}` });
  const app = h.slack.addApp({ team_id: team.id, name: "Ada", bot_user_name: "ada", ...(scopes ? { scopes } : {}) });
  secrets.push(app.token, app.signing_secret);
  const general = h.slack.addChannel({ team_id: team.id, name: "general", members: [app.bot_user_id, "U0HUMAN"] }).id;
  const answer = await h.api("POST", "/v1/integrations/slack", {
    replica_id: replicaId,
    bot_token: app.token,
    signing_secret: app.signing_secret,
    workspace_id: team.id,
    ...settings,
  });
  expect(answer.status).toBe(201);
  return { app, integrationId: answer.body.id, body: answer.body, general, url: answer.body.webhook_url };
}

const send = (c: Connected, event: object, opts = {}) =>
  h.slack.sendEvent(c.app.app_id, c.url, h.slack.eventCallback({ api_app_id: c.app.app_id, team_id: c.app.team_id, event: event as never }), opts);

async function events(c: Connected) {
  return (await h.api("GET", `/v1/integrations/${c.integrationId}/events`)).body.data as any[];
}

describe("connect", () => {
  test("auth.test validates; workspace and bot identity are on the record; no secret is returned", async () => {
    const c = await connect();
    expect(c.body).toMatchObject({
      platform: "slack",
      status: "active",
      workspace_id: c.app.team_id,
      workspace_name: expect.stringMatching(/^Team /),
      bot: { id: c.app.bot_id, user_id: c.app.bot_user_id, username: "ada" },
      webhook_url: `${h.stack.url}/webhooks/slack/${c.integrationId}`,
      bot_token: `****${c.app.token.slice(-4)}`,
    });
    expect(JSON.stringify(c.body)).not.toContain(c.app.signing_secret);
    expect(JSON.stringify(c.body)).not.toContain(c.app.token);
  });

  test("refused, revoked and inactive tokens → 422, a foreign workspace → 422, and nothing is stored", async () => {
    const before = (await h.api("GET", "/v1/integrations?platform=slack")).body.total;
    const team = h.slack.addWorkspace({ id: "T0BADTEAM" });
    const app = h.slack.addApp({ team_id: team.id });
    const attempt = (token: string, extra = {}) =>
      h.api("POST", "/v1/integrations/slack", { replica_id: replicaId, bot_token: token, signing_secret: app.signing_secret, ...extra });
    expect((await attempt("xoxb-000-unknown-token")).body.error.code).toBe("INVALID_CREDENTIALS");
    expect((await attempt(app.token, { workspace_id: "T0OTHER" })).body.error).toMatchObject({ code: "INVALID_CREDENTIALS", workspace_id: team.id });
    h.slack.setTokenStatus(app.token, "revoked");
    const revoked = await attempt(app.token);
    expect([revoked.status, revoked.body.error.code]).toEqual([422, "AUTH_EXPIRED"]);
    h.slack.setTokenStatus(app.token, "inactive");
    expect((await attempt(app.token)).body.error.code).toBe("AUTH_EXPIRED");
    expect((await h.api("GET", "/v1/integrations?platform=slack")).body.total).toBe(before);
  });

  test("missing scopes → 422 INSUFFICIENT_PERMISSIONS with required_scopes; scope all needs the history scopes", async () => {
    const team = h.slack.addWorkspace({ id: "T0SCOPES" });
    const app = h.slack.addApp({ team_id: team.id, scopes: ["chat:write", "app_mentions:read", "im:history", "channels:read", "groups:read"] });
    const noHistory = await h.api("POST", "/v1/integrations/slack", { replica_id: replicaId, bot_token: app.token, signing_secret: app.signing_secret, scope: "all" });
    expect(noHistory.status).toBe(422);
    expect(noHistory.body.error).toMatchObject({
      code: "INSUFFICIENT_PERMISSIONS",
      required_scopes: expect.arrayContaining(["channels:history", "groups:history", "chat:write"]),
      missing_scopes: ["channels:history", "groups:history"],
    });
    h.slack.setScopes(app.token, ["chat:write"]);
    const bare = await h.api("POST", "/v1/integrations/slack", { replica_id: replicaId, bot_token: app.token, signing_secret: app.signing_secret });
    expect(bare.body.error.missing_scopes).toEqual(["app_mentions:read", "im:history", "channels:read", "groups:read"]);
    expect((await h.api("GET", "/v1/integrations?platform=slack")).body.data.map((i: any) => i.bot.id)).not.toContain(app.bot_id);
  });

  test("a missing signing_secret or a non-Slack token is a validation error; the same app again → 409", async () => {
    const c = await connect();
    const missing = await h.api("POST", "/v1/integrations/slack", { replica_id: replicaId, bot_token: c.app.token });
    expect(missing.body.error.fields).toEqual([{ field: "signing_secret", message: "is required" }]);
    const wrong = await h.api("POST", "/v1/integrations/slack", { replica_id: replicaId, bot_token: "123:telegram", signing_secret: "x".repeat(32) });
    expect(wrong.body.error.fields.map((f: any) => f.field)).toEqual(["bot_token"]);
    const again = await h.api("POST", "/v1/integrations/slack", { replica_id: replicaId, bot_token: c.app.token, signing_secret: c.app.signing_secret });
    expect([again.status, again.body.error.integration_id]).toEqual([409, c.integrationId]);
  });
});

describe("validate, test, channels, delete", () => {
  test("validate re-checks token and scopes and reminds to paste the Request URL until an event arrives", async () => {
    const c = await connect();
    const first = await h.api("POST", `/v1/integrations/${c.integrationId}/validate`);
    expect(first.body).toMatchObject({ valid: true, warnings: [expect.stringMatching(/Request URL/)] });
    h.slack.setTokenStatus(c.app.token, "revoked");
    const revoked = await h.api("POST", `/v1/integrations/${c.integrationId}/validate`);
    expect(revoked.body).toMatchObject({ valid: false, error: { code: "AUTH_EXPIRED" } });
  });

  test("test posts to a channel; channels pages through conversations.list and keeps only the bot's channels", async () => {
    const c = await connect();
    const test = await h.api("POST", `/v1/integrations/${c.integrationId}/test`, { channel_id: c.general, text: "hello from the test" });
    expect(test.body.test_result).toMatchObject({ success: true, message_id: expect.any(String) });
    expect(h.slack.posted(c.general).at(-1)).toMatchObject({ text: "hello from the test", ts: test.body.test_result.message_id });

    const priv = h.slack.addChannel({ team_id: c.app.team_id, type: "private", name: "secret-room", members: [c.app.bot_user_id, "U1", "U2"] }).id;
    for (let i = 0; i < 230; i++) h.slack.addChannel({ team_id: c.app.team_id, name: `noise-${i}`, members: i % 100 === 0 ? [c.app.bot_user_id] : [] });
    const channels = await h.api("GET", `/v1/integrations/${c.integrationId}/channels`);
    expect(h.slack.callsTo("conversations.list").length).toBeGreaterThanOrEqual(2);
    expect(channels.body.data.map((ch: any) => ch.name).sort()).toEqual(["#general", "#noise-0", "#noise-100", "#noise-200", "#secret-room"]);
    expect(channels.body.data.find((ch: any) => ch.id === priv)).toEqual({ id: priv, name: "#secret-room", is_private: true, member_count: 3, sync_enabled: true });

    const put = await h.api("PUT", `/v1/integrations/${c.integrationId}/channels`, { channel_ids: [priv] });
    expect(put.body.data.filter((ch: any) => ch.sync_enabled).map((ch: any) => ch.id)).toEqual([priv]);
  });

  test("delete removes the integration and its secrets; its Request URL answers 404", async () => {
    const c = await connect();
    expect((await h.api("DELETE", `/v1/integrations/${c.integrationId}`)).body).toEqual({ id: c.integrationId, deleted: true });
    const late = await send(c, h.slack.appMentionEvent({ channel: c.general, user: "U0HUMAN", text: `<@${c.app.bot_user_id}> hi` }));
    expect(late.status).toBe(404);
  });
});

describe("ingress", () => {
  test("unsigned, forged and stale requests → 401 and nothing is recorded; the correct signature → 200", async () => {
    const c = await connect();
    const event = () => h.slack.appMentionEvent({ channel: c.general, user: "U0HUMAN", text: `<@${c.app.bot_user_id}> hi` });
    const now = Math.floor(Date.now() / 1000);
    expect((await send(c, event(), { unsigned: true })).status).toBe(401);
    expect((await send(c, event(), { signingSecret: "forged-secret-0123456789" })).status).toBe(401);
    expect((await send(c, event(), { timestamp: now - 301 })).status).toBe(401);
    expect((await send(c, event(), { timestamp: now + 301 })).status).toBe(401);
    expect(await events(c)).toEqual([]);
    expect(h.slack.posted(c.general)).toEqual([]);
    expect((await send(c, event())).status).toBe(200);
    await eventually(() => h.slack.posted(c.general).length === 1);
  });

  test("url_verification answers the challenge", async () => {
    const c = await connect();
    const response = await h.slack.sendEvent(c.app.app_id, c.url, h.slack.urlVerification("challenge-xyz", c.app.app_id));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ challenge: "challenge-xyz" });
  });

  test("one mention, delivered as message and app_mention plus a retry, is answered once in its thread", async () => {
    const c = await connect();
    const ts = h.slack.nextTs();
    const text = `<@${c.app.bot_user_id}> what is 2+2?`;
    const asMessage = h.slack.messageEvent({ channel: c.general, user: "U0HUMAN", text, ts });
    const asMention = h.slack.appMentionEvent({ channel: c.general, user: "U0HUMAN", text, ts });
    const mentionEnvelope = h.slack.eventCallback({ api_app_id: c.app.app_id, team_id: c.app.team_id, event: asMention });
    // The message copy first: it must not mark the message seen in a way that loses the mention.
    expect((await send(c, asMessage)).status).toBe(200);
    expect((await h.slack.sendEvent(c.app.app_id, c.url, mentionEnvelope)).status).toBe(200);
    expect((await h.slack.sendEvent(c.app.app_id, c.url, mentionEnvelope, { retryNum: 1, retryReason: "http_timeout" })).status).toBe(200);
    await eventually(async () => (await events(c)).some((e) => e.type === "replied"));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const posts = h.slack.posted(c.general);
    expect(posts).toHaveLength(1);
    expect(posts[0]).toMatchObject({ thread_ts: ts, markdown_text: "Answer to: @ada what is 2+2?" });
  });

  test("a retry whose first delivery never got in is answered", async () => {
    const c = await connect();
    const event = h.slack.appMentionEvent({ channel: c.general, user: "U0HUMAN", text: `<@${c.app.bot_user_id}> only the retry arrives` });
    expect((await send(c, event, { retryNum: 2, retryReason: "http_error" })).status).toBe(200);
    await eventually(() => h.slack.posted(c.general).length === 1);
  });

  test("never answered: its own and other bots' messages, edits, plain chatter, channels outside channel_ids", async () => {
    const c = await connect({ channel_ids: [] });
    const other = h.slack.addChannel({ team_id: c.app.team_id, name: "random", members: [c.app.bot_user_id] }).id;
    await h.api("PATCH", `/v1/integrations/${c.integrationId}`, { channel_ids: [c.general] });
    const own = await h.api("POST", `/v1/integrations/${c.integrationId}/test`, { channel_id: c.general, text: `<@${c.app.bot_user_id}> I talk to myself` });
    const ownPost = h.slack.posted(c.general).find((p) => p.ts === own.body.test_result.message_id)!;
    const postsBefore = h.slack.posted().length;
    await send(c, h.slack.ownMessageEvent(ownPost));
    await send(c, h.slack.botMessageEvent({ channel: c.general, text: `<@${c.app.bot_user_id}> beep` }));
    await send(c, h.slack.messageChangedEvent({ channel: c.general, ts: ownPost.ts, text: `<@${c.app.bot_user_id}> edited` }));
    await send(c, h.slack.messageEvent({ channel: c.general, user: "U0HUMAN", text: "just chatting" }));
    await send(c, h.slack.appMentionEvent({ channel: other, user: "U0HUMAN", text: `<@${c.app.bot_user_id}> over here` }));
    const list = await eventually(async () => {
      const all = await events(c);
      return all.length === 5 ? all : undefined;
    });
    expect(list.map((e) => e.reason).sort()).toEqual(["bot_message", "channel_not_allowed", "edited_message", "not_addressed", "own_message"]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(h.slack.posted().length).toBe(postsBefore);
  });

  test("a DM is answered without a mention, outside any thread; a thread reply goes in that thread with its history", async () => {
    const c = await connect();
    const dm = h.slack.addChannel({ team_id: c.app.team_id, type: "im", members: [c.app.bot_user_id, "U0HUMAN"] }).id;
    await send(c, h.slack.messageEvent({ channel: dm, user: "U0HUMAN", text: "hello in private", channel_type: "im" }));
    await eventually(() => h.slack.posted(dm).length === 1);
    expect(h.slack.posted(dm)[0]!.thread_ts).toBeUndefined();

    const parent = h.slack.nextTs();
    await send(c, h.slack.appMentionEvent({ channel: c.general, user: "U0HUMAN", text: `<@${c.app.bot_user_id}> first`, ts: parent }));
    await eventually(() => h.slack.posted(c.general).length === 1);
    await send(c, h.slack.appMentionEvent({ channel: c.general, user: "U0HUMAN", text: `<@${c.app.bot_user_id}> second`, thread_ts: parent }));
    await eventually(() => h.slack.posted(c.general).length === 2);
    expect(h.slack.posted(c.general).map((p) => p.thread_ts)).toEqual([parent, parent]);
    const lastRequest = h.openai.requests.at(-1)!;
    expect(lastRequest.messages.map((m) => m.content)).toEqual([expect.stringMatching(/^You are Ada\.\n\n/), "@ada first", "Answer to: @ada first", "@ada second"]);
    expect(h.slack.statuses(c.general).map((s) => s.thread_ts)).toEqual([parent, parent]);
  });

  test("a model answer arrives as Markdown for Slack to render: italics, bold italics and a link with parentheses intact, mentions defused", async () => {
    const c = await connect();
    h.openai.reply(() => "An *italic* word, ***all of it***, [the page](https://en.wikipedia.org/wiki/Foo_(bar)) and <!channel> <@U0HUMAN> @here.");
    try {
      await send(c, h.slack.appMentionEvent({ channel: c.general, user: "U0HUMAN", text: `<@${c.app.bot_user_id}> format something` }));
      await eventually(async () => (await events(c)).some((e) => e.type === "replied"));
      const answers = h.slack.history(c.general).filter((m) => m.bot_id === c.app.bot_id);
      expect(answers).toHaveLength(1);
      const wj = "\u2060";
      expect(answers[0]!.text).toBe(
        `An *italic* word, ***all of it***, [the page](https://en.wikipedia.org/wiki/Foo_%28bar%29) and <${wj}!channel> <${wj}@U0HUMAN> @${wj}here.`,
      );
      const sent = [...h.slack.callsTo("chat.postMessage"), ...h.slack.callsTo("chat.update")].filter((call) => call.params.channel === c.general);
      expect(sent.length).toBeGreaterThan(0);
      for (const call of sent) expect([call.params.markdown_text, call.params.text ?? "", call.params.mrkdwn]).toEqual([expect.any(String), "", undefined]);
    } finally {
      h.openai.reply((request) => `Answer to: ${request.lastUserText}`);
    }
  });

  test("answers go as Markdown for Slack to render, long answers are split in order, and a 429 waits Retry-After", async () => {
    const c = await connect();
    const long = `a < b && c > d **bold**\n\n${Array.from({ length: 12 }, (_, i) => `Paragraph ${i} ${"x".repeat(500)}.`).join("\n\n")}`;
    h.openai.reply(() => long);
    h.slack.failNext("chat.postMessage", { kind: "rate_limit", retryAfter: 1 });
    try {
      await send(c, h.slack.appMentionEvent({ channel: c.general, user: "U0HUMAN", text: `<@${c.app.bot_user_id}> long please` }));
      await eventually(async () => (await events(c))[0]?.type === "replied");
      const posts = h.slack.posted(c.general);
      expect(posts.length).toBeGreaterThan(1);
      expect(posts[0]!.markdown_text!.startsWith("a < b && c > d **bold**")).toBe(true);
      expect(posts.every((p) => p.text === "" && p.markdown_text!.length <= 4000)).toBe(true);
      expect(posts.map((p) => p.markdown_text!.match(/Paragraph (\d+)/g)?.map((m) => Number(m.split(" ")[1]))).flat().filter((n) => n !== undefined)).toEqual(
        Array.from({ length: 12 }, (_, i) => i),
      );
      const calls = h.slack.callsTo("chat.postMessage").filter((call) => call.params.channel === c.general);
      expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(950);
    } finally {
      h.openai.reply((request) => `Answer to: ${request.lastUserText}`);
    }
  });
});

test("the signing secrets and bot tokens never appear in DATA_DIR or the server's output", async () => {
  const files = await filesUnder(h.dataDir);
  const everything = [...files.map((f) => f.content.toString("latin1")), ...h.logs];
  expect(secrets.length).toBeGreaterThan(10);
  for (const secret of secrets) for (const text of everything) expect(text.includes(secret)).toBe(false);
});
