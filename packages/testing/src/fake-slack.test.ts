import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer } from "node:http";
import type { IncomingHttpHeaders, Server } from "node:http";
import type { AddressInfo } from "node:net";
import { ErrorCode, LogLevel, WebClient } from "@slack/web-api";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { DEFAULT_BOT_SCOPES, slackSignature, startFakeSlack } from "./fake-slack.ts";
import type { FakeSlack, SlackAppInstall, SlackChannel } from "./fake-slack.ts";

const NO_RETRY = { retries: 0 };

let slack: FakeSlack;
let app: SlackAppInstall;
let general: SlackChannel;
let random: SlackChannel;
let secret: SlackChannel;
let hidden: SlackChannel;
let dm: SlackChannel;

function client(token = app.token, extra: ConstructorParameters<typeof WebClient>[1] = {}): WebClient {
  return new WebClient(token, { slackApiUrl: slack.url, retryConfig: NO_RETRY, logLevel: LogLevel.ERROR, ...extra });
}

/** The `data` of a WebAPIPlatformError (or fail). */
async function platformError(promise: Promise<unknown>): Promise<Record<string, unknown>> {
  const error = (await promise.then(
    () => {
      throw new Error("expected the call to fail");
    },
    (e: unknown) => e,
  )) as { code?: string; data?: Record<string, unknown> };
  expect(error.code).toBe(ErrorCode.PlatformError);
  return error.data ?? {};
}

beforeAll(async () => {
  slack = await startFakeSlack({ workspaces: [{ id: "T0FAKE0001", name: "Patchbay HQ", domain: "patchbay" }] });
  app = slack.addApp({ name: "Patchbay", scopes: [...DEFAULT_BOT_SCOPES] });
  general = slack.addChannel({ name: "general", is_general: true, members: [app.bot_user_id, "U0HUMAN001"], num_members: 12 });
  random = slack.addChannel({ name: "random", members: ["U0HUMAN001"] });
  secret = slack.addChannel({ type: "private", name: "secret", members: [app.bot_user_id, "U0HUMAN001"] });
  hidden = slack.addChannel({ type: "private", name: "hidden", members: ["U0HUMAN001"] });
  dm = slack.addChannel({ type: "im", user: "U0HUMAN001", members: [app.bot_user_id] });
});

afterEach(() => {
  slack.reset();
});

afterAll(async () => {
  await slack.close();
});

describe("auth", () => {
  test("auth.test returns the bot identity and the scope headers", async () => {
    expect(slack.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/$/);
    const res = await client().auth.test();
    expect(res).toMatchObject({
      ok: true,
      url: "https://patchbay.slack.com/",
      team: "Patchbay HQ",
      user: "patchbay",
      team_id: "T0FAKE0001",
      user_id: app.bot_user_id,
      bot_id: app.bot_id,
      is_enterprise_install: false,
    });
    expect(res.app_id).toBeUndefined();
    expect(app.token).toMatch(/^xoxb-\d+-\d+-\w+$/);
    expect(app.bot_user_id).toMatch(/^U[A-Z0-9]+$/);
    expect(app.bot_id).toMatch(/^B[A-Z0-9]+$/);
    expect(app.app_id).toMatch(/^A[A-Z0-9]+$/);
    expect(res.response_metadata?.scopes).toEqual([...DEFAULT_BOT_SCOPES]);

    const call = slack.callsTo("auth.test")[0];
    expect(call?.token).toBe(app.token);
    expect(call?.headers.authorization).toBe(`Bearer ${app.token}`);
    expect(call?.contentType).toBe("application/x-www-form-urlencoded");
  });

  test("accepted scopes header reaches response_metadata.acceptedScopes", async () => {
    const res = await client().conversations.list({ limit: 1 });
    expect(res.response_metadata?.acceptedScopes).toEqual(["channels:read", "groups:read", "mpim:read", "im:read"]);
  });

  test("unknown token → invalid_auth, no token → not_authed, revoked/inactive tokens", async () => {
    const data = await platformError(client("xoxb-1-2-nope").auth.test());
    expect(data.error).toBe("invalid_auth");
    expect(data.response_metadata).toEqual({}); // no scope headers for unknown tokens

    const raw = await fetch(`${slack.url}auth.test`, { method: "POST" });
    expect(raw.status).toBe(200);
    expect(await raw.json()).toEqual({ ok: false, error: "not_authed" });

    const other = slack.addApp({ name: "Old" });
    slack.setTokenStatus(other.token, "revoked");
    expect((await platformError(client(other.token).auth.test())).error).toBe("token_revoked");
    slack.setTokenStatus(other.token, "inactive");
    expect((await platformError(client(other.token).auth.test())).error).toBe("account_inactive");
  });

  test("a token may also come as a form field", async () => {
    const res = await fetch(`${slack.url}auth.test`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token: app.token }),
    });
    expect(res.headers.get("x-oauth-scopes")).toBe(DEFAULT_BOT_SCOPES.join(","));
    expect(await res.json()).toMatchObject({ ok: true, user_id: app.bot_user_id });
  });
});

describe("conversations", () => {
  test("missing_scope reports needed and provided", async () => {
    const narrow = slack.addApp({ name: "Narrow", scopes: ["chat:write", "channels:read"] });
    const data = await platformError(client(narrow.token).conversations.list({ types: "public_channel,private_channel" }));
    expect(data).toMatchObject({ error: "missing_scope", needed: "groups:read", provided: "chat:write,channels:read" });

    const none = slack.addApp({ name: "None", scopes: ["chat:write"] });
    const all = await platformError(client(none.token).conversations.list());
    expect(all).toMatchObject({ needed: "channels:read,groups:read,mpim:read,im:read", provided: "chat:write" });
    expect(all.response_metadata).toMatchObject({ scopes: ["chat:write"] });
  });

  test("pagination through conversations.list with cursors", async () => {
    const ws = slack.addWorkspace({ name: "Paging" });
    const pager = slack.addApp({ team_id: ws.id, name: "Pager" });
    const names: string[] = [];
    for (let i = 0; i < 7; i++) {
      const name = `c${i}`;
      names.push(name);
      slack.addChannel({ team_id: ws.id, name, members: i % 2 === 0 ? [pager.bot_user_id] : [] });
    }
    slack.addChannel({ team_id: ws.id, name: "old", is_archived: true });
    slack.addChannel({ team_id: ws.id, type: "private", name: "not-mine" });
    const web = client(pager.token);

    const first = await web.conversations.list({ limit: 3, exclude_archived: true });
    expect(first.channels?.map((c) => c.name)).toEqual(["c0", "c1", "c2"]);
    expect(first.channels?.[0]).toMatchObject({ is_channel: true, is_private: false, is_im: false, is_member: true, is_archived: false, num_members: 1 });
    expect(first.channels?.[1]?.is_member).toBe(false);
    const cursor = first.response_metadata?.next_cursor ?? "";
    expect(cursor).not.toBe("");

    const seen: string[] = [];
    const pages: number[] = [];
    for await (const page of web.paginate("conversations.list", { limit: 3, exclude_archived: true })) {
      const list = (page as { channels?: { name?: string }[] }).channels ?? [];
      pages.push(list.length);
      seen.push(...list.map((c) => c.name ?? ""));
    }
    expect(seen).toEqual(names);
    expect(pages).toEqual([3, 3, 1]);
    const last = slack.callsTo("conversations.list").at(-1);
    expect(last?.response?.body).toMatchObject({ response_metadata: { next_cursor: "" } });

    const withArchived = await web.conversations.list({ limit: 1000, types: "public_channel,private_channel" });
    expect(withArchived.channels?.map((c) => c.name)).toEqual([...names, "old"]);

    expect((await platformError(web.conversations.list({ cursor: "bm9wZQ==" }))).error).toBe("invalid_cursor");
  });

  test("private channels, ims and conversations.info", async () => {
    const web = client();
    const list = await web.conversations.list({ types: "public_channel,private_channel,im" });
    const ids = list.channels?.map((c) => c.id);
    expect(ids).toEqual([general.id, random.id, secret.id, dm.id]);
    expect(ids).not.toContain(hidden.id);
    expect(secret.id).toMatch(/^G/);
    expect(dm.id).toMatch(/^D/);
    expect(list.channels?.[2]).toMatchObject({ is_private: true, is_member: true, name: "secret" });
    expect(list.channels?.[3]).toMatchObject({ is_im: true, user: "U0HUMAN001" });

    const info = await web.conversations.info({ channel: general.id, include_num_members: true });
    expect(info.channel).toMatchObject({ id: general.id, name: "general", is_general: true, is_member: true, num_members: 12 });
    expect((await platformError(web.conversations.info({ channel: hidden.id }))).error).toBe("channel_not_found");

    const mine = await web.users.conversations({ types: "public_channel,private_channel" });
    expect(mine.channels?.map((c) => c.id)).toEqual([general.id, secret.id]);
  });
});

describe("chat.postMessage", () => {
  test("posts, replies in a thread, and conversations.replies sees both", async () => {
    const web = client();
    const top = await web.chat.postMessage({ channel: general.id, text: "hello" });
    expect(top.ts).toMatch(/^\d{10}\.\d{6}$/);
    expect(top.channel).toBe(general.id);
    expect(top.message).toMatchObject({ type: "message", text: "hello", user: app.bot_user_id, bot_id: app.bot_id, app_id: app.app_id });

    const reply = await web.chat.postMessage({ channel: general.id, text: "in thread", thread_ts: top.ts ?? "", mrkdwn: false });
    expect(reply.ts).not.toBe(top.ts);
    expect(reply.message).toMatchObject({ thread_ts: top.ts, parent_user_id: app.bot_user_id });

    const byName = await web.chat.postMessage({ channel: "#general", text: "by name" });
    expect(byName.channel).toBe(general.id);

    const posted = slack.posted(general.id);
    expect(posted.map((p) => [p.text, p.thread_ts])).toEqual([
      ["hello", undefined],
      ["in thread", top.ts],
      ["by name", undefined],
    ]);
    expect(posted[1]?.mrkdwn).toBe(false);

    const replies = await web.conversations.replies({ channel: general.id, ts: top.ts ?? "" });
    expect(replies.messages?.map((m) => m.text)).toEqual(["hello", "in thread"]);
    expect(replies.messages?.[0]).toMatchObject({ reply_count: 1, latest_reply: reply.ts, thread_ts: top.ts });
  });

  test("membership, archive and content errors", async () => {
    const web = client();
    expect((await platformError(web.chat.postMessage({ channel: random.id, text: "hi" }))).error).toBe("not_in_channel");
    expect((await platformError(web.chat.postMessage({ channel: hidden.id, text: "hi" }))).error).toBe("channel_not_found");
    expect((await platformError(web.chat.postMessage({ channel: "C0NOPE", text: "hi" }))).error).toBe("channel_not_found");
    expect((await platformError(web.chat.postMessage({ channel: general.id, text: "" }))).error).toBe("no_text");
    const long = "x".repeat(40_001);
    expect((await platformError(web.chat.postMessage({ channel: general.id, text: long }))).error).toBe("msg_too_long");
    await web.chat.postMessage({ channel: general.id, text: "x".repeat(40_000) });
    expect((await platformError(web.chat.postMessage({ channel: general.id, markdown_text: "x".repeat(12_001) }))).error).toBe("msg_too_long");

    const archived = slack.addChannel({ name: "archived", members: [app.bot_user_id], is_archived: true });
    expect((await platformError(web.chat.postMessage({ channel: archived.id, text: "hi" }))).error).toBe("is_archived");

    const publicPoster = slack.addApp({ name: "Public", scopes: ["chat:write", "chat:write.public"] });
    const ok = await client(publicPoster.token).chat.postMessage({ channel: random.id, text: "without joining" });
    expect(ok.ok).toBe(true);

    const reader = slack.addApp({ name: "Reader", scopes: ["channels:read"] });
    const data = await platformError(client(reader.token).chat.postMessage({ channel: general.id, text: "hi" }));
    expect(data).toMatchObject({ error: "missing_scope", needed: "chat:write", provided: "channels:read" });

    const blocks = await web.chat.postMessage({
      channel: dm.id,
      text: "fallback",
      blocks: [{ type: "section", text: { type: "mrkdwn", text: "*hi*" } }],
    });
    expect(slack.posted(dm.id)[0]?.blocks).toEqual([{ type: "section", text: { type: "mrkdwn", text: "*hi*" } }]);
    expect(blocks.message?.blocks).toHaveLength(1);
    expect(slack.posted().map((p) => p.channel)).toEqual([general.id, random.id, dm.id]);
  });

  test("assistant.threads.setStatus accepts chat:write", async () => {
    const top = await client().chat.postMessage({ channel: dm.id, text: "q" });
    await client().assistant.threads.setStatus({ channel_id: dm.id, thread_ts: top.ts ?? "", status: "is thinking…" });
    expect(slack.statuses(dm.id)).toMatchObject([{ thread_ts: top.ts, status: "is thinking…" }]);
    expect(slack.callsTo("assistant.threads.setStatus")[0]?.response?.headers["x-accepted-oauth-scopes"]).toBe(
      "assistant:write,chat:write",
    );
    const reader = slack.addApp({ name: "Reader2", scopes: ["channels:read"] });
    const data = await platformError(
      client(reader.token).assistant.threads.setStatus({ channel_id: dm.id, thread_ts: top.ts ?? "", status: "x" }),
    );
    expect(data).toMatchObject({ error: "missing_scope", needed: "assistant:write,chat:write" });
  });
});

describe("faults", () => {
  test("429 with Retry-After is surfaced by a WebClient with rejectRateLimitedCalls", async () => {
    slack.failNext("chat.postMessage", { kind: "rate_limit", retryAfter: 7 });
    const error = (await client(app.token, { rejectRateLimitedCalls: true })
      .chat.postMessage({ channel: general.id, text: "hi" })
      .catch((e: unknown) => e)) as { code?: string; retryAfter?: number };
    expect(error.code).toBe(ErrorCode.RateLimitedError);
    expect(error.retryAfter).toBe(7);
    const call = slack.callsTo("chat.postMessage")[0];
    expect(call?.response).toMatchObject({ status: 429, body: { ok: false, error: "ratelimited" }, headers: { "retry-after": "7" } });
    expect(slack.posted()).toHaveLength(0);
  });

  test("a default WebClient waits Retry-After and retries", async () => {
    slack.failNext("auth.test", { kind: "rate_limit", retryAfter: 0 });
    const web = client(app.token, { retryConfig: { retries: 2, minTimeout: 0, maxTimeout: 0 } });
    const res = await web.auth.test();
    expect(res.ok).toBe(true);
    expect(slack.callsTo("auth.test").map((c) => c.response?.status)).toEqual([429, 200]);
  });

  test("error, http, drop and delay faults", async () => {
    slack.failNext("chat.postMessage", { kind: "error", error: "fatal_error" });
    expect((await platformError(client().chat.postMessage({ channel: general.id, text: "a" }))).error).toBe("fatal_error");

    slack.failNext("chat.postMessage", { kind: "http", status: 503 });
    const httpError = (await client()
      .chat.postMessage({ channel: general.id, text: "b" })
      .catch((e: unknown) => e)) as { code?: string; statusCode?: number; body?: unknown };
    expect(httpError.code).toBe(ErrorCode.HTTPError);
    expect(httpError.statusCode).toBe(503);

    slack.failNext("*", { kind: "drop" });
    const dropped = (await client()
      .auth.test()
      .catch((e: unknown) => e)) as { code?: string };
    expect(dropped.code).toBe(ErrorCode.RequestError);
    expect(slack.calls.at(-1)?.dropped).toBe(true);

    slack.failNext("auth.test", { kind: "delay", ms: 50 });
    const started = performance.now();
    await client().auth.test();
    expect(performance.now() - started).toBeGreaterThanOrEqual(45);
  });

  test("unknown methods", async () => {
    const data = await platformError(client().apiCall("nope.nothing"));
    expect(data).toMatchObject({ error: "unknown_method", req_method: "nope.nothing" });
  });
});

interface Received {
  headers: IncomingHttpHeaders;
  raw: string;
}

describe("events", () => {
  let receiver: Server;
  let receiverUrl: string;
  const received: Received[] = [];

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const raw = Buffer.concat(chunks).toString("utf8");
        received.push({ headers: req.headers, raw });
        const body = JSON.parse(raw) as { type?: string; challenge?: string };
        if (body.type === "url_verification") {
          res.writeHead(200, { "content-type": "text/plain" });
          res.end(body.challenge);
          return;
        }
        res.writeHead(verify(req.headers, raw, app.signing_secret) ? 200 : 401);
        res.end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/slack/events`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
  });

  /** A straightforward verifier as a backend would write it (5-minute window). */
  function verify(headers: IncomingHttpHeaders, raw: string, signingSecret: string): boolean {
    const ts = headers["x-slack-request-timestamp"];
    const sig = headers["x-slack-signature"];
    if (typeof ts !== "string" || typeof sig !== "string") return false;
    if (Math.abs(Date.now() / 1000 - Number(ts)) > 300) return false;
    const expected = `v0=${createHmac("sha256", signingSecret).update(`v0:${ts}:${raw}`).digest("hex")}`;
    return expected.length === sig.length && timingSafeEqual(Buffer.from(expected), Buffer.from(sig));
  }

  test("sendEvent signs like Slack", async () => {
    const mention = slack.appMentionEvent({ channel: general.id, user: "U0HUMAN001", text: `<@${app.bot_user_id}> hi` });
    const envelope = slack.eventCallback({ api_app_id: app.app_id, event: mention });
    const res = await slack.sendEvent(app.app_id, receiverUrl, envelope, { retryNum: 1, retryReason: "http_timeout" });
    expect(res.status).toBe(200);
    const got = received.at(-1);
    expect(got?.headers["content-type"]).toBe("application/json");
    expect(got?.headers["x-slack-signature"]).toMatch(/^v0=[0-9a-f]{64}$/);
    expect(got?.headers["x-slack-retry-num"]).toBe("1");
    expect(got?.headers["x-slack-retry-reason"]).toBe("http_timeout");
    expect(JSON.parse(got?.raw ?? "{}")).toEqual(envelope);
    expect(got?.headers["x-slack-signature"]).toBe(
      slackSignature(app.signing_secret, String(got?.headers["x-slack-request-timestamp"]), got?.raw ?? ""),
    );
    expect(slack.deliveries.at(-1)).toMatchObject({ status: 200, app_id: app.app_id });
    // the message now exists, so thread replies can find their parent
    expect(slack.history(general.id).some((m) => m.ts === mention.ts)).toBe(true);

    const stale = await slack.sendEvent(app.app_id, receiverUrl, envelope, { timestamp: Math.floor(Date.now() / 1000) - 600 });
    expect(stale.status).toBe(401);
    const forged = await slack.sendEvent(app.app_id, receiverUrl, envelope, { signingSecret: "not-the-secret" });
    expect(forged.status).toBe(401);
    const unsigned = await slack.sendEvent(app.app_id, receiverUrl, envelope, { unsigned: true });
    expect(unsigned.status).toBe(401);
    expect(received.at(-1)?.headers["x-slack-signature"]).toBeUndefined();
    expect(slack.deliveries.at(-1)?.error).toBe("http_error");
  });

  test("url_verification round trip", async () => {
    const body = slack.urlVerification("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P", app.app_id);
    expect(body).toEqual({ token: expect.any(String), challenge: body.challenge, type: "url_verification" });
    const res = await slack.sendEvent(app.app_id, receiverUrl, body);
    expect(await res.text()).toBe(body.challenge);
  });

  test("payload builders produce Slack's shapes", () => {
    const mention = slack.appMentionEvent({ channel: general.id, user: "U0HUMAN001", text: `<@${app.bot_user_id}> help` });
    expect(mention).toMatchObject({ type: "app_mention", user: "U0HUMAN001", channel: general.id, team: "T0FAKE0001" });
    expect(mention.event_ts).toBe(mention.ts);
    expect(mention.channel_type).toBeUndefined();
    expect(JSON.stringify(mention.blocks)).toContain(`"user_id":"${app.bot_user_id}"`);

    const envelope = slack.eventCallback({ api_app_id: app.app_id, event: mention });
    expect(envelope).toMatchObject({
      token: app.verification_token,
      team_id: "T0FAKE0001",
      api_app_id: app.app_id,
      type: "event_callback",
      is_ext_shared_channel: false,
      authorizations: [
        { enterprise_id: null, team_id: "T0FAKE0001", user_id: app.bot_user_id, is_bot: true, is_enterprise_install: false },
      ],
    });
    expect(envelope.event_id).toMatch(/^Ev[A-Z0-9]{10}$/);
    expect(envelope.event_time).toBe(Math.floor(Number(mention.ts)));
    expect(envelope.event_context).toMatch(/^4-/);

    const im = slack.messageEvent({ channel: dm.id, user: "U0HUMAN001", text: "hi" });
    expect(im).toMatchObject({ type: "message", channel_type: "im", text: "hi" });
    expect(im.subtype).toBeUndefined();
    const group = slack.messageEvent({ channel: secret.id, user: "U0HUMAN001", text: "psst" });
    expect(group.channel_type).toBe("group");

    const parent = slack.addMessage(general.id, { user: "U0HUMAN001", text: "parent" });
    const reply = slack.messageEvent({ channel: general.id, user: "U0HUMAN002", text: "reply", thread_ts: parent.ts });
    expect(reply).toMatchObject({ thread_ts: parent.ts, parent_user_id: "U0HUMAN001", channel_type: "channel" });
    expect(reply.ts).not.toBe(parent.ts);

    const classic = slack.botMessageEvent({ channel: general.id, text: "beep", username: "ci" });
    expect(classic).toMatchObject({ type: "message", subtype: "bot_message", username: "ci", channel_type: "channel" });
    expect(classic.bot_id).toMatch(/^B/);
    expect(classic.user).toBeUndefined();
    const modern = slack.botMessageEvent({ channel: general.id, text: "beep", app_id: app.app_id, style: "app" });
    expect(modern).toMatchObject({ bot_id: app.bot_id, user: app.bot_user_id, app_id: app.app_id });
    expect(modern.subtype).toBeUndefined();

    const changed = slack.messageChangedEvent({ channel: general.id, ts: parent.ts, text: "parent (edited)" });
    expect(changed).toMatchObject({
      type: "message",
      subtype: "message_changed",
      hidden: true,
      message: { ts: parent.ts, text: "parent (edited)", user: "U0HUMAN001" },
      previous_message: { ts: parent.ts, text: "parent" },
    });
    expect(changed.ts).not.toBe(parent.ts);
  });

  test("chat.update replaces the bot's own message; someone else's, an unknown ts or no text are refused and nothing changes", async () => {
    const posted = await client().chat.postMessage({ channel: general.id, text: "first words" });
    const updated = await client().chat.update({ channel: general.id, ts: posted.ts!, markdown_text: "**first** words and more" });
    expect(updated).toMatchObject({ ok: true, channel: general.id, ts: posted.ts, text: "**first** words and more" });
    expect(slack.message(general.id, posted.ts!)).toMatchObject({ text: "**first** words and more", edited: { user: app.bot_user_id } });
    expect(slack.updates(general.id)).toEqual([expect.objectContaining({ ts: posted.ts, markdown_text: "**first** words and more" })]);
    const person = slack.addMessage(general.id, { user: "U0HUMAN001", text: "mine" });
    expect((await platformError(client().chat.update({ channel: general.id, ts: person.ts, text: "hijacked" }))).error).toBe("cant_update_message");
    expect((await platformError(client().chat.update({ channel: general.id, ts: "1.000001", text: "x" }))).error).toBe("message_not_found");
    expect((await platformError(client().chat.update({ channel: general.id, ts: posted.ts!, text: " " }))).error).toBe("no_text");
    expect(slack.message(general.id, person.ts)!.text).toBe("mine");
    expect(slack.message(general.id, posted.ts!)!.text).toBe("**first** words and more");
    expect(slack.updates(general.id)).toHaveLength(1);
  });

  test("chat.delete removes the bot's own message; someone else's is cant_delete_message, a gone one message_not_found", async () => {
    const posted = await client().chat.postMessage({ channel: general.id, text: "to delete" });
    const person = slack.addMessage(general.id, { user: "U0HUMAN001", text: "mine" });
    expect((await platformError(client().chat.delete({ channel: general.id, ts: person.ts }))).error).toBe("cant_delete_message");
    expect(await client().chat.delete({ channel: general.id, ts: posted.ts! })).toMatchObject({ ok: true, ts: posted.ts });
    expect(slack.message(general.id, posted.ts!)).toBeUndefined();
    expect((await platformError(client().chat.delete({ channel: general.id, ts: posted.ts! }))).error).toBe("message_not_found");
    expect(slack.message(general.id, person.ts)!.text).toBe("mine");
  });

  test("streams: startStream needs the recipient outside a DM; appends add to the message until stopStream, then it is no longer streaming", async () => {
    const thread = slack.addMessage(general.id, { user: "U0HUMAN001", text: "question" }).ts;
    const noRecipient = await platformError(client().chat.startStream({ channel: general.id, thread_ts: thread, markdown_text: "hi" }));
    expect(noRecipient.error).toBe("invalid_arguments");
    expect(slack.streams()).toEqual([]);
    const started = await client().chat.startStream({ channel: general.id, thread_ts: thread, markdown_text: "Hello", recipient_user_id: "U0HUMAN001", recipient_team_id: app.team_id });
    const ts = started.ts!;
    await client().chat.appendStream({ channel: general.id, ts, markdown_text: ", world" });
    expect(slack.message(general.id, ts)!.text).toBe("Hello, world");
    await client().chat.stopStream({ channel: general.id, ts, markdown_text: "." });
    expect(slack.streams(general.id)).toEqual([
      { channel: general.id, ts, thread_ts: thread, recipient_user_id: "U0HUMAN001", recipient_team_id: app.team_id, chunks: ["Hello", ", world", "."], state: "stopped" },
    ]);
    expect(slack.message(general.id, ts)!.text).toBe("Hello, world.");
    expect((await platformError(client().chat.appendStream({ channel: general.id, ts, markdown_text: " more" }))).error).toBe("message_not_in_streaming_state");
    expect(slack.message(general.id, ts)!.text).toBe("Hello, world.");
    // In a DM the recipient may be left out.
    const inDm = await client().chat.startStream({ channel: dm.id, thread_ts: thread, markdown_text: "private" });
    expect(inDm.ok).toBe(true);
    expect(slack.posted()).toEqual([]);
  });

  test("ownMessageEvent echoes the bot's own post", async () => {
    await client().chat.postMessage({ channel: general.id, text: "mine" });
    const posted = slack.posted(general.id)[0];
    if (!posted) throw new Error("nothing posted");
    const echo = slack.ownMessageEvent(posted);
    expect(echo).toMatchObject({ type: "message", user: app.bot_user_id, bot_id: app.bot_id, ts: posted.ts, channel_type: "channel" });
    expect(echo.subtype).toBeUndefined();
  });
});
