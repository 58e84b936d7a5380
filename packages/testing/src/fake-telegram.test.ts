import { createServer } from "node:http";
import type { IncomingHttpHeaders, Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { startFakeTelegram } from "./fake-telegram.ts";
import type { FakeTelegram } from "./fake-telegram.ts";

const TOKEN = "123456:TEST-token_abc";
const BOT = { token: TOKEN, username: "patch_bot", first_name: "Patch" };

type Body = { ok: boolean; result?: unknown; description?: string; error_code?: number; parameters?: { retry_after?: number } };

async function call(
  tg: FakeTelegram,
  method: string,
  params: Record<string, unknown> = {},
  token = TOKEN,
): Promise<{ status: number; body: Body; headers: Headers }> {
  const res = await fetch(`${tg.url}/bot${token}/${method}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(params),
  });
  return { status: res.status, body: (await res.json()) as Body, headers: res.headers };
}

interface Received {
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
}

/** A tiny webhook receiver standing in for the backend. */
async function startReceiver(
  respond: (r: Received) => { status: number; body?: string; contentType?: string } = () => ({ status: 200 }),
): Promise<{ url: string; received: Received[]; server: Server }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const r = { headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown> };
      received.push(r);
      const answer = respond(r);
      res.writeHead(answer.status, { "content-type": answer.contentType ?? "text/plain" });
      res.end(answer.body ?? "");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/telegram/webhook`, received, server };
}

function userMessage(chatId: number, messageId: number, text: string, extra: Record<string, unknown> = {}) {
  return {
    message: {
      message_id: messageId,
      from: { id: 42, is_bot: false, first_name: "Ann" },
      chat: chatId > 0 ? { id: chatId, first_name: "Ann", type: "private" } : { id: chatId, title: "Team", type: "supergroup" },
      date: 1_700_000_000,
      text,
      ...extra,
    },
  };
}

describe("fake Telegram: routing and parameters", () => {
  let tg: FakeTelegram;
  beforeAll(async () => {
    tg = await startFakeTelegram({ bots: [BOT] });
  });
  afterAll(() => tg.close());

  test("unknown token is 401 Unauthorized, unknown method 404 Not Found", async () => {
    const unauthorized = await call(tg, "getMe", {}, "999:nope");
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.body).toEqual({ ok: false, error_code: 401, description: "Unauthorized" });
    const notFound = await call(tg, "frobnicate");
    expect(notFound.status).toBe(404);
    expect(notFound.body).toEqual({ ok: false, error_code: 404, description: "Not Found" });
  });

  test("getMe over GET with a case-insensitive method name", async () => {
    const res = await fetch(`${tg.url}/bot${TOKEN}/GETME`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(await res.json()).toEqual({
      ok: true,
      result: expect.objectContaining({
        id: 123456,
        is_bot: true,
        first_name: "Patch",
        username: "patch_bot",
        can_join_groups: true,
        can_read_all_group_messages: false,
        supports_inline_queries: false,
      }),
    });
    expect(tg.callsTo("getme").at(-1)?.method).toBe("getMe");
  });

  test("form-urlencoded, query string and multipart parameters reach the method", async () => {
    const form = await fetch(`${tg.url}/bot${TOKEN}/sendMessage`, {
      method: "POST",
      body: new URLSearchParams({ chat_id: "5", text: "via form" }),
    });
    expect(((await form.json()) as Body).ok).toBe(true);

    const query = await fetch(`${tg.url}/bot${TOKEN}/sendMessage?chat_id=5&text=${encodeURIComponent("via query")}`);
    expect(((await query.json()) as Body).ok).toBe(true);

    const data = new FormData();
    data.set("chat_id", "5");
    data.set("text", "via multipart");
    const multipart = await fetch(`${tg.url}/bot${TOKEN}/sendMessage`, { method: "POST", body: data });
    expect(((await multipart.json()) as Body).ok).toBe(true);

    expect(tg.sentMessages(TOKEN).slice(-3).map((m) => m.text)).toEqual(["via form", "via query", "via multipart"]);
    const recorded = tg.callsTo("sendMessage").at(-1);
    expect(recorded?.args).toEqual({ chat_id: "5", text: "via multipart" });
  });

  test("JSON values are seen as strings by the server, params keep the raw JSON", async () => {
    await call(tg, "sendMessage", { chat_id: 5, text: "json", disable_notification: true });
    const recorded = tg.callsTo("sendMessage").at(-1);
    expect(recorded?.params).toEqual({ chat_id: 5, text: "json", disable_notification: true });
    expect(recorded?.args).toEqual({ chat_id: "5", text: "json", disable_notification: "true" });
    expect(recorded?.response?.status).toBe(200);
  });

  test("a body that is not a JSON object is rejected", async () => {
    const res = await fetch(`${tg.url}/bot${TOKEN}/getMe`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "[1,2]",
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ ok: false, error_code: 400, description: "Bad Request: JSON object expected" });
  });
});

describe("fake Telegram: webhooks", () => {
  let tg: FakeTelegram;
  beforeAll(async () => {
    tg = await startFakeTelegram({ bots: [BOT], webhookRateLimit: false });
  });
  afterAll(() => tg.close());

  test("setWebhook validation, set, already set, info without secret, delete", async () => {
    expect((await call(tg, "setWebhook", { url: "" })).body).toEqual({
      ok: true,
      result: true,
      description: "Webhook is already deleted",
    });
    const invalid = await call(tg, "setWebhook", { url: "ftp://example.org/hook" });
    expect(invalid.status).toBe(400);
    expect(invalid.body.description).toBe("Bad Request: invalid webhook URL specified");
    expect((await call(tg, "setWebhook", { url: "http://127.0.0.1:9/h", secret_token: "x".repeat(257) })).body.description).toBe(
      "Bad Request: secret token is too long",
    );
    expect((await call(tg, "setWebhook", { url: "http://127.0.0.1:9/h", secret_token: "a b" })).body.description).toBe(
      "Bad Request: secret token contains unallowed characters",
    );

    const settings = {
      url: "http://127.0.0.1:9/h",
      secret_token: "s3cr3t_-A",
      allowed_updates: ["message", "callback_query", "bogus"],
      max_connections: 10,
    };
    expect((await call(tg, "setWebhook", settings)).body).toEqual({ ok: true, result: true, description: "Webhook was set" });
    expect((await call(tg, "setWebhook", settings)).body).toEqual({
      ok: true,
      result: true,
      description: "Webhook is already set",
    });
    expect(tg.webhookOf(TOKEN)).toMatchObject({
      url: "http://127.0.0.1:9/h",
      secret_token: "s3cr3t_-A",
      allowed_updates: ["message", "callback_query"],
      max_connections: 10,
    });

    const info = await call(tg, "getWebhookInfo");
    expect(info.body.result).toEqual({
      url: "http://127.0.0.1:9/h",
      has_custom_certificate: false,
      pending_update_count: 0,
      max_connections: 10,
      ip_address: "127.0.0.1",
      allowed_updates: ["message", "callback_query"],
    });
    expect(JSON.stringify(info.body)).not.toContain("s3cr3t");

    const conflict = await call(tg, "getUpdates");
    expect(conflict.status).toBe(409);
    expect(conflict.body.description).toMatch(/^Conflict: can't use getUpdates method while webhook is active/);

    expect((await call(tg, "deleteWebhook")).body).toEqual({ ok: true, result: true, description: "Webhook was deleted" });
    expect(tg.webhookOf(TOKEN).url).toBe("");
    // allowed_updates is a bot-wide setting and survives deleteWebhook
    expect(tg.webhookOf(TOKEN).allowed_updates).toEqual(["message", "callback_query"]);
  });

  test("setWebhookState simulates drift that getWebhookInfo reports", async () => {
    await call(tg, "setWebhook", { url: "http://127.0.0.1:9/mine", secret_token: "abc" });
    tg.setWebhookState(TOKEN, { url: "https://someone-else.example/hook", pending_update_count: 7 });
    const info = await call(tg, "getWebhookInfo");
    expect(info.body.result).toMatchObject({ url: "https://someone-else.example/hook", pending_update_count: 7 });
  });

  test("deliver posts the update with the secret header and registers the message", async () => {
    const receiver = await startReceiver();
    try {
      await call(tg, "setWebhook", { url: receiver.url, secret_token: "topsecret" });
      const res = await tg.deliver(TOKEN, userMessage(777, 10, "hello"));
      expect(res.status).toBe(200);
      const got = receiver.received[0];
      expect(got?.headers["x-telegram-bot-api-secret-token"]).toBe("topsecret");
      expect(got?.headers["content-type"]).toBe("application/json");
      expect(got?.body.update_id).toEqual(expect.any(Number));
      expect((got?.body.message as { text: string }).text).toBe("hello");

      await tg.deliver(TOKEN, userMessage(777, 11, "again"), { secretToken: null });
      expect(receiver.received[1]?.headers["x-telegram-bot-api-secret-token"]).toBeUndefined();
      expect(receiver.received[1]?.body.update_id).toBe((got?.body.update_id as number) + 1);

      // replying to the delivered message is now valid
      const reply = await call(tg, "sendMessage", { chat_id: 777, text: "hi", reply_parameters: { message_id: 10 } });
      expect(reply.body.ok).toBe(true);
      expect(reply.body.result).toMatchObject({ message_id: 12, reply_to_message: { message_id: 10 } });
    } finally {
      receiver.server.close();
    }
  });

  test("failing webhook responses show up in getWebhookInfo; allowed_updates filters deliveries", async () => {
    const receiver = await startReceiver(() => ({ status: 500 }));
    try {
      await call(tg, "setWebhook", { url: receiver.url, allowed_updates: ["message"] });
      const res = await tg.deliver(TOKEN, userMessage(778, 1, "boom"));
      expect(res.status).toBe(500);
      const info = await call(tg, "getWebhookInfo");
      expect(info.body.result).toMatchObject({
        last_error_date: expect.any(Number),
        last_error_message: "Wrong response from the webhook: 500 Internal Server Error",
      });
      await expect(tg.deliver(TOKEN, { callback_query: { id: "1" } })).rejects.toThrow(/allowed_updates/);
    } finally {
      receiver.server.close();
    }
  });

  test("a method in the webhook response body is executed like Telegram does", async () => {
    const receiver = await startReceiver(() => ({
      status: 200,
      contentType: "application/json",
      body: JSON.stringify({ method: "sendMessage", chat_id: 779, text: "webhook reply" }),
    }));
    try {
      await call(tg, "setWebhook", { url: receiver.url, allowed_updates: [] });
      await tg.deliver(TOKEN, userMessage(779, 1, "ping"));
      const replyCall = tg.callsTo("sendMessage").at(-1);
      expect(replyCall?.httpMethod).toBe("WEBHOOK_REPLY");
      expect(tg.sentMessages(TOKEN).at(-1)?.text).toBe("webhook reply");
    } finally {
      receiver.server.close();
    }
  });
});

describe("fake Telegram: setWebhook limits", () => {
  test("non-empty setWebhook more than once per second is 429 retry after 1", async () => {
    const tg = await startFakeTelegram({ bots: [BOT] });
    try {
      expect((await call(tg, "setWebhook", { url: "http://127.0.0.1:9/a" })).status).toBe(200);
      const second = await call(tg, "setWebhook", { url: "http://127.0.0.1:9/a" });
      expect(second.status).toBe(429);
      expect(second.body).toEqual({
        ok: false,
        error_code: 429,
        description: "Too Many Requests: retry after 1",
        parameters: { retry_after: 1 },
      });
      expect(second.headers.get("retry-after")).toBe("1");
      // deleting is not limited
      expect((await call(tg, "deleteWebhook")).status).toBe(200);
    } finally {
      await tg.close();
    }
  });

  test("strictPorts enforces https and Telegram's ports", async () => {
    const tg = await startFakeTelegram({ bots: [BOT], strictPorts: true, webhookRateLimit: false });
    try {
      expect((await call(tg, "setWebhook", { url: "http://example.org/h" })).body.description).toBe(
        "Bad Request: bad webhook: An HTTPS URL must be provided for webhook",
      );
      expect((await call(tg, "setWebhook", { url: "https://example.org:3000/h" })).body.description).toBe(
        "Bad Request: bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443",
      );
      expect((await call(tg, "setWebhook", { url: "https://example.org:8443/h" })).body.ok).toBe(true);
    } finally {
      await tg.close();
    }
  });
});

describe("fake Telegram: sendMessage", () => {
  let tg: FakeTelegram;
  beforeAll(async () => {
    tg = await startFakeTelegram({ bots: [BOT] });
  });
  afterAll(() => tg.close());

  test("required parameters", async () => {
    expect((await call(tg, "sendMessage", { chat_id: 1 })).body).toEqual({
      ok: false,
      error_code: 400,
      description: "Bad Request: message text is empty",
    });
    expect((await call(tg, "sendMessage", { text: "x" })).body.description).toBe("Bad Request: chat_id is empty");
    expect((await call(tg, "sendMessage", { chat_id: 1, text: "   " })).body.description).toBe(
      "Bad Request: text must be non-empty",
    );
  });

  test("HTML is parsed into visible text and entities", async () => {
    const res = await call(tg, "sendMessage", {
      chat_id: 100,
      text: '<b>Bold</b> &amp; <a href="https://example.org">link</a> &lt;3 <tg-spoiler>s</tg-spoiler>',
      parse_mode: "HTML",
    });
    expect(res.status).toBe(200);
    expect(res.body.result).toMatchObject({
      message_id: 1,
      from: { id: 123456, is_bot: true, username: "patch_bot" },
      chat: { id: 100, type: "private" },
      date: expect.any(Number),
      text: "Bold & link <3 s",
      entities: [
        { type: "bold", offset: 0, length: 4 },
        { type: "text_link", offset: 7, length: 4, url: "https://example.org" },
        { type: "spoiler", offset: 15, length: 1 },
      ],
    });
    const sent = tg.sentMessages(TOKEN).at(-1);
    expect(sent).toMatchObject({ chat_id: 100, message_id: 1, parse_mode: "HTML", text: "Bold & link <3 s" });
  });

  test.each([
    ["<p>para</p>", 'Unsupported start tag "p" at byte offset 0'],
    ["1 < 2", 'Unsupported start tag "" at byte offset 2'],
    ["<b>bold", `Can't find end tag corresponding to start tag "b"`],
    ["x</b>", "Unexpected end tag at byte offset 1"],
    ["<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'],
    ["é <br>", 'Unsupported start tag "br" at byte offset 3'],
    ["a <b", "Unclosed start tag at byte offset 2"],
  ])("HTML %j is rejected like Telegram", async (text, reason) => {
    const res = await call(tg, "sendMessage", { chat_id: 100, text, parse_mode: "html" });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      ok: false,
      error_code: 400,
      description: `Bad Request: can't parse entities: ${reason}`,
    });
  });

  test("MarkdownV2 reserved characters must be escaped", async () => {
    const res = await call(tg, "sendMessage", { chat_id: 100, text: "Version 1.0", parse_mode: "MarkdownV2" });
    expect(res.body.description).toBe(
      "Bad Request: can't parse entities: Character '.' is reserved and must be escaped with the preceding '\\'",
    );
    const okRes = await call(tg, "sendMessage", { chat_id: 100, text: "*Version* 1\\.0", parse_mode: "MarkdownV2" });
    expect(okRes.body.result).toMatchObject({ text: "Version 1.0", entities: [{ type: "bold", offset: 0, length: 7 }] });
  });

  test("unsupported parse_mode", async () => {
    expect((await call(tg, "sendMessage", { chat_id: 1, text: "x", parse_mode: "xml" })).body.description).toBe(
      "Bad Request: unsupported parse_mode",
    );
  });

  test("length is counted after entity parsing", async () => {
    const visible4096 = `<b>${"a".repeat(4000)}</b>${"&amp;".repeat(96)}`;
    expect((await call(tg, "sendMessage", { chat_id: 101, text: visible4096, parse_mode: "HTML" })).body.ok).toBe(true);
    const tooLong = await call(tg, "sendMessage", { chat_id: 101, text: "a".repeat(4097) });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.description).toBe("Bad Request: message is too long");
  });

  test("replies need a known message unless allow_sending_without_reply", async () => {
    const unknown = await call(tg, "sendMessage", { chat_id: 102, text: "r", reply_parameters: { message_id: 999 } });
    expect(unknown.body.description).toBe("Bad Request: message to be replied not found");
    // JSON-encoded string form, as form-encoding clients send it
    const lenient = await call(tg, "sendMessage", {
      chat_id: 102,
      text: "r",
      reply_parameters: JSON.stringify({ message_id: 999, allow_sending_without_reply: true }),
    });
    expect(lenient.body.ok).toBe(true);
    expect(lenient.body.result).not.toHaveProperty("reply_to_message");

    tg.registerMessage(TOKEN, { message_id: 50, date: 1, chat: { id: 102, type: "private" }, text: "earlier" });
    const valid = await call(tg, "sendMessage", { chat_id: 102, text: "r", reply_parameters: { message_id: 50 } });
    expect(valid.body.result).toMatchObject({ message_id: 51, reply_to_message: { message_id: 50, text: "earlier" } });
  });

  test("message_thread_id must be a known forum topic", async () => {
    const group = -1001234567890;
    // an ordinary reply thread in a non-forum group is not a topic
    tg.registerMessage(TOKEN, {
      message_id: 5,
      message_thread_id: 3,
      date: 1,
      chat: { id: group, type: "supergroup", title: "Team" },
      text: "in a reply thread",
    });
    const noThread = await call(tg, "sendMessage", { chat_id: group, text: "x", message_thread_id: 3 });
    expect(noThread.body.description).toBe("Bad Request: message thread not found");

    tg.registerMessage(TOKEN, {
      message_id: 8,
      message_thread_id: 7,
      is_topic_message: true,
      date: 1,
      chat: { id: group, type: "supergroup", title: "Team", is_forum: true },
      text: "in topic",
    });
    const inTopic = await call(tg, "sendMessage", { chat_id: group, text: "x", message_thread_id: 7 });
    expect(inTopic.body.result).toMatchObject({ message_id: 9, message_thread_id: 7, is_topic_message: true });
    expect(tg.sentMessages(TOKEN).at(-1)?.message_thread_id).toBe(7);
  });

  test("message ids increase per chat", async () => {
    const a1 = await call(tg, "sendMessage", { chat_id: 200, text: "a" });
    const b1 = await call(tg, "sendMessage", { chat_id: 201, text: "b" });
    const a2 = await call(tg, "sendMessage", { chat_id: 200, text: "a" });
    expect([a1, b1, a2].map((r) => (r.body.result as { message_id: number }).message_id)).toEqual([1, 1, 2]);
  });

  test("requireKnownChats answers chat not found for strangers", async () => {
    const strict = await startFakeTelegram({ bots: [BOT], requireKnownChats: true });
    try {
      expect((await call(strict, "sendMessage", { chat_id: 5, text: "x" })).body.description).toBe(
        "Bad Request: chat not found",
      );
      strict.addChat(TOKEN, { id: 5, type: "private", first_name: "Ann" });
      expect((await call(strict, "sendMessage", { chat_id: 5, text: "x" })).body.ok).toBe(true);
    } finally {
      await strict.close();
    }
  });
});

describe("fake Telegram: other methods", () => {
  let tg: FakeTelegram;
  beforeAll(async () => {
    tg = await startFakeTelegram({ bots: [BOT] });
  });
  afterAll(() => tg.close());

  test("sendChatAction", async () => {
    expect((await call(tg, "sendChatAction", { chat_id: 1, action: "typing" })).body).toEqual({ ok: true, result: true });
    expect((await call(tg, "sendChatAction", { chat_id: 1, action: "dancing" })).body.description).toBe(
      "Bad Request: wrong parameter action in request",
    );
    expect(tg.callsTo("sendChatAction")).toHaveLength(2);
  });

  test("editMessageText, not modified, deleteMessage", async () => {
    const sent = await call(tg, "sendMessage", { chat_id: 300, text: "draft" });
    const id = (sent.body.result as { message_id: number }).message_id;
    const edited = await call(tg, "editMessageText", { chat_id: 300, message_id: id, text: "<i>final</i>", parse_mode: "HTML" });
    expect(edited.body.result).toMatchObject({ message_id: id, text: "final", edit_date: expect.any(Number) });
    const same = await call(tg, "editMessageText", { chat_id: 300, message_id: id, text: "<i>final</i>", parse_mode: "HTML" });
    expect(same.body.description).toMatch(/^Bad Request: message is not modified: /);
    expect((await call(tg, "editMessageText", { chat_id: 300, message_id: 999, text: "x" })).body.description).toBe(
      "Bad Request: message to edit not found",
    );
    expect(tg.chatHistory(TOKEN, 300).map((m) => m.text)).toEqual(["final"]);
    expect((await call(tg, "deleteMessage", { chat_id: 300, message_id: id })).body.result).toBe(true);
    expect((await call(tg, "deleteMessage", { chat_id: 300, message_id: id })).body.description).toBe(
      "Bad Request: message to delete not found",
    );
  });

  test("sendMessageDraft only in private chats", async () => {
    expect((await call(tg, "sendMessageDraft", { chat_id: 1, draft_id: 1, text: "thinking" })).body.result).toBe(true);
    expect((await call(tg, "sendMessageDraft", { chat_id: -100123, draft_id: 1, text: "x" })).body.description).toBe(
      "Bad Request: TEXTDRAFT_PEER_INVALID",
    );
  });

  test("getChat knows delivered chats", async () => {
    tg.addChat(TOKEN, { id: -1009, type: "supergroup", title: "Team", username: "team_chat" });
    const byName = await call(tg, "getChat", { chat_id: "@team_chat" });
    expect(byName.body.result).toMatchObject({ id: -1009, type: "supergroup", title: "Team" });
    expect((await call(tg, "getChat", { chat_id: "@nobody" })).body.description).toBe("Bad Request: chat not found");
  });

  test("custom handlers override methods", async () => {
    tg.handle("setMyCommands", () => ({ ok: false, error_code: 400, description: "Bad Request: BOT_COMMAND_INVALID" }));
    expect((await call(tg, "setmycommands", { commands: [] })).body.description).toBe("Bad Request: BOT_COMMAND_INVALID");
  });
});

describe("fake Telegram: programmable faults", () => {
  let tg: FakeTelegram;
  beforeAll(async () => {
    tg = await startFakeTelegram({ bots: [BOT] });
  });
  afterEach(() => tg.clearFailures());
  afterAll(() => tg.close());

  test("rate_limit answers Telegram's 429 shape, counting down `times`", async () => {
    tg.failNext("SENDMESSAGE", { kind: "rate_limit", retryAfter: 7 }, 2);
    for (let i = 0; i < 2; i++) {
      const res = await call(tg, "sendMessage", { chat_id: 1, text: "x" });
      expect(res.status).toBe(429);
      expect(res.body).toEqual({
        ok: false,
        error_code: 429,
        description: "Too Many Requests: retry after 7",
        parameters: { retry_after: 7 },
      });
      expect(res.headers.get("retry-after")).toBe("7");
    }
    expect((await call(tg, "sendMessage", { chat_id: 1, text: "x" })).status).toBe(200);
    // other methods are unaffected
    tg.failNext("sendMessage", { kind: "rate_limit", retryAfter: 1 });
    expect((await call(tg, "sendChatAction", { chat_id: 1, action: "typing" })).status).toBe(200);
  });

  test("error, drop and delay", async () => {
    tg.failNext("sendMessage", {
      kind: "error",
      status: 403,
      description: "Forbidden: bot was blocked by the user",
    });
    const blocked = await call(tg, "sendMessage", { chat_id: 1, text: "x" });
    expect(blocked.status).toBe(403);
    expect(blocked.body).toEqual({ ok: false, error_code: 403, description: "Forbidden: bot was blocked by the user" });

    tg.failNext("sendMessage", { kind: "drop" });
    await expect(call(tg, "sendMessage", { chat_id: 1, text: "x" })).rejects.toThrow();
    expect(tg.callsTo("sendMessage").at(-1)?.dropped).toBe(true);

    tg.failNext("getMe", { kind: "delay", ms: 150 });
    const started = Date.now();
    const delayed = await call(tg, "getMe");
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(delayed.body.ok).toBe(true);
  });
});
