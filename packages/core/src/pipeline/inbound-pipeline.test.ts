import { describe, expect, test } from "vitest";
import { PatchbayError } from "../errors.ts";
import type { InboundMessage, Integration, ReplyJob } from "../model.ts";
import type { MetricEvent } from "../metrics.ts";
import type { EnqueueOptions, Logger, SeenChannel, Store } from "../ports.ts";
import { createInboundPipeline } from "./inbound-pipeline.ts";
import type { PlatformEvent } from "./platform-event.ts";
import type { WebhookDriver } from "./webhook-driver.ts";

const NOW = Date.parse("2026-12-02T10:00:00.000Z");

const integration: Integration = {
  id: "int_1",
  owner: "alice",
  platform: "telegram",
  replicaId: "rp_1",
  name: "bot",
  active: true,
  registration: "ok",
  bot: { id: "1", username: "bot" },
  channelIds: [],
  channels: [],
  guildId: null,
  guildName: null,
  workspaceId: null,
  workspaceName: null,
  mention: null,
  scope: "mentions",
  threadAutoCreate: false,
  welcomeMessage: null,
  delivery: "webhook",
  tokenLast4: "abcd",
  messageCount: 0,
  connectedAt: "2026-01-01T00:00:00.000Z",
  lastMessageAt: null,
  lastError: null,
  validatedAt: null,
  createdAt: "2026-01-01T00:00:00.000Z",
  updatedAt: "2026-01-01T00:00:00.000Z",
  revision: 0,
};

const message = (text: string, isDirect: boolean): InboundMessage<{ chat: string }> => ({
  key: `k-${text}`,
  conversationId: "c1",
  chatId: "c1",
  isDirect,
  messageId: "m1",
  threadId: null,
  userId: "u1",
  userName: "Ann",
  text,
  sentAt: "2026-12-02T09:59:59.000Z",
  route: { chat: "c1" },
});

const chat: SeenChannel = { id: "g1", name: "Group", isPrivate: true, lastSeenAt: "2026-12-02T10:00:00.000Z" };

/** A driver over a toy JSON format: {secret, say, direct?, chat?}; `{hello: true}` is its handshake. */
const toyDriver: WebhookDriver<{ secret: string }, { chat: string }> = {
  platform: "telegram",
  maxBodyBytes: 200,
  readSecrets: (bundle) => (bundle.webhook_secret ? { secret: bundle.webhook_secret } : null),
  async verify(request, context) {
    return request.headers.get("x-secret") === (await context.secrets())?.secret;
  },
  parse(body) {
    const value = body as { say?: unknown; direct?: boolean; chat?: boolean; hello?: boolean };
    if (value?.hello) return { kind: "handshake", body: { hello: "back" } };
    if (typeof value?.say !== "string") {
      return { kind: "unsupported", reason: "unexpected_payload", detail: "say: expected a string", logged: message("", false) };
    }
    return { kind: "message", message: message(value.say, value.direct === true), sender: "person", addressed: false, ...(value.chat ? { chat } : {}) };
  },
  acknowledge: (event, decision) => Response.json({ kind: event.kind, answer: decision?.answer ?? null }),
};

function setup(records: Partial<Integration> = {}) {
  const ignored: { key: string; reason: string; detail: string | undefined }[] = [];
  const remembered: SeenChannel[] = [];
  const enqueued: { job: ReplyJob; options: EnqueueOptions }[] = [];
  const logs: { message: string; fields: Record<string, unknown> | undefined }[] = [];
  const metrics: MetricEvent[] = [];
  const reads = { integration: 0 };
  let stored: Integration = { ...integration, ...records };
  const store = {
    getIntegration: async (id: string) => {
      reads.integration++;
      return id === integration.id ? stored : undefined;
    },
    recordIgnored: async (_id: string, logged: { key: string }, reason: string, _at: string, detail?: string) => {
      ignored.push({ key: logged.key, reason, detail });
    },
    rememberChannel: async (_id: string, seen: SeenChannel) => {
      remembered.push(seen);
    },
  } as unknown as Store;
  const log = (message: string, fields?: Record<string, unknown>) => logs.push({ message, fields });
  const logger: Logger = { info: log, warn: log, error: log };
  let now = NOW;
  const pipeline = createInboundPipeline({
    store,
    vault: { get: async () => ({ webhook_secret: "s3cret" }), put: async () => undefined, delete: async () => undefined },
    queue: { enqueue: async (job, options) => void enqueued.push({ job, options }), ping: async () => undefined },
    clock: { now: () => now, sleep: async () => undefined },
    logger,
    drivers: { telegram: toyDriver },
    metrics: { record: (event) => void metrics.push(event) },
  });
  const post = (body: string, { platform = "telegram", id = integration.id, secret = "s3cret" } = {}) =>
    pipeline.handleWebhook(new Request("http://x/", { method: "POST", body, headers: { "x-secret": secret } }), {
      platform,
      integrationId: id,
      requestId: "req_1",
    });
  const change = (fields: Partial<Integration>) => (stored = { ...stored, ...fields });
  return { post, ignored, remembered, enqueued, logs, metrics, reads, change, pipeline, advance: (ms: number) => (now += ms) };
}

const failure = (promise: Promise<unknown>) => promise.then(() => null, (error: unknown) => error as PatchbayError);

describe("the inbound pipeline", () => {
  test("an unknown platform or integration is NOT_FOUND, logged with the request and integration ids", async () => {
    const { post, logs, enqueued } = setup();
    expect((await failure(post("{}", { platform: "myspace" })))?.code).toBe("NOT_FOUND");
    expect((await failure(post("{}", { id: "int_gone" })))?.code).toBe("NOT_FOUND");
    expect(logs.filter((l) => l.message === "webhook refused").map((l) => l.fields)).toEqual([
      { request_id: "req_1", integration_id: "int_1", platform: "myspace", code: "NOT_FOUND" },
      { request_id: "req_1", integration_id: "int_gone", platform: "telegram", code: "NOT_FOUND" },
    ]);
    expect(enqueued).toEqual([]);
  });

  test("a wrong secret is UNAUTHORIZED before the body is parsed; nothing is recorded", async () => {
    const { post, logs, ignored, enqueued } = setup();
    expect((await failure(post('{"say":"hi"}', { secret: "guess" })))?.code).toBe("UNAUTHORIZED");
    expect(logs.some((l) => l.message === "webhook refused" && l.fields?.code === "UNAUTHORIZED")).toBe(true);
    expect([ignored, enqueued]).toEqual([[], []]);
  });

  test("verified bytes that are not JSON are INVALID_JSON; a body over the driver's cap is PAYLOAD_TOO_LARGE", async () => {
    const { post } = setup();
    expect((await failure(post("{not json")))?.code).toBe("INVALID_JSON");
    expect((await failure(post(JSON.stringify({ say: "x".repeat(500) }))))?.code).toBe("PAYLOAD_TOO_LARGE");
  });

  test("a handshake is answered and leaves no trace", async () => {
    const { post, ignored, enqueued } = setup();
    const response = await post('{"hello":true}');
    expect(await response.json()).toEqual({ kind: "handshake", answer: null });
    expect([ignored, enqueued]).toEqual([[], []]);
  });

  test("a shape the driver does not expect is acknowledged and logged as ignored with what was unexpected", async () => {
    const { post, ignored, enqueued } = setup();
    const response = await post('{"say":{"nested":true}}');
    expect(response.status).toBe(200);
    expect(ignored).toEqual([{ key: "k-", reason: "unexpected_payload", detail: "say: expected a string" }]);
    expect(enqueued).toEqual([]);
  });

  test("a message to answer is enqueued once per chat group and message key", async () => {
    const { post, enqueued, ignored } = setup();
    expect(await (await post('{"say":"hello","direct":true}')).json()).toEqual({ kind: "message", answer: true });
    expect(ignored).toEqual([]);
    expect(enqueued).toEqual([
      {
        job: { integrationId: "int_1", platform: "telegram", message: message("hello", true), receivedAt: "2026-12-02T10:00:00.000Z" },
        options: { groupId: "int_1:c1", dedupeId: "int_1:k-hello" },
      },
    ]);
  });

  test("a message the rules do not answer is recorded with its reason; an inactive integration answers nothing", async () => {
    const { post, ignored } = setup();
    await post('{"say":"just chatting"}');
    expect(ignored).toEqual([{ key: "k-just chatting", reason: "not_addressed", detail: undefined }]);
    const paused = setup({ active: false });
    await paused.post('{"say":"hello","direct":true}');
    expect(paused.ignored.map((i) => i.reason)).toEqual(["integration_inactive"]);
    expect(paused.enqueued).toEqual([]);
  });

  test("a chat the bot is seen in is remembered, at most once an hour", async () => {
    const { post, remembered, advance } = setup();
    await post('{"say":"a","chat":true}');
    await post('{"say":"b","chat":true}');
    expect(remembered).toHaveLength(1);
    advance(60 * 60 * 1000);
    await post('{"say":"c","chat":true}');
    expect(remembered).toHaveLength(2);
  });

  test("other transports enter with an event they carried and get the same rules", async () => {
    const { pipeline, enqueued, ignored } = setup();
    const event: PlatformEvent = { kind: "message", message: message("hi", false), sender: "self", addressed: true };
    expect(await pipeline.ingest(integration, event)).toEqual({ answer: false, reason: "own_message" });
    expect((await pipeline.ingestBody(integration, { say: "hi", direct: true })).decision).toEqual({ answer: true });
    expect(ignored.map((i) => i.reason)).toEqual(["own_message"]);
    expect(enqueued).toHaveLength(1);
  });

  test("each message is counted once by outcome: received, ignored and why; refusals and handshakes are not", async () => {
    const { post, pipeline, metrics } = setup();
    await post('{"say":"hello","direct":true}');
    await post('{"say":"just chatting"}');
    await post('{"say":{"nested":true}}');
    await post('{"hello":true}');
    await failure(post('{"say":"hi"}', { secret: "guess" }));
    await failure(post("{not json"));
    await pipeline.ingest(integration, { kind: "message", message: message("hi", false), sender: "self", addressed: true });
    expect(metrics).toEqual([
      { name: "received", platform: "telegram", ignored: null },
      { name: "received", platform: "telegram", ignored: "not_addressed" },
      { name: "received", platform: "telegram", ignored: "unexpected_payload" },
      { name: "received", platform: "telegram", ignored: "own_message" },
    ]);
  });

  test("webhooks are answered from a copy of the integration for its interval; a write in this process reaches the next one at once", async () => {
    const { post, reads, change, pipeline, enqueued, ignored, advance } = setup();
    await post('{"say":"one","direct":true}');
    await post('{"say":"two","direct":true}');
    expect(reads.integration).toBe(1);
    // Paused in another process: this one answers from its copy until the interval ends.
    change({ active: false });
    await post('{"say":"three","direct":true}');
    expect(enqueued).toHaveLength(3);
    advance(5000);
    await post('{"say":"four","direct":true}');
    expect(ignored.map((i) => i.key)).toEqual(["k-four"]);
    // Resumed through this process's API: its write forgets the copy.
    change({ active: true });
    pipeline.forget(integration.id);
    await post('{"say":"five","direct":true}');
    expect(enqueued.map((e) => e.job.message.text)).toEqual(["one", "two", "three", "five"]);
    expect(reads.integration).toBe(3);
  });
});
