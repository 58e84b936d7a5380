import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createApp } from "@patchbay/http";
import type { HttpDeps } from "@patchbay/http";
import { createJsonLogger } from "@patchbay/composition/logger";
import { BOB_KEY, startHarness } from "./harness.ts";
import type { Harness } from "./harness.ts";

let h: Harness;
let botCounter = 0;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

/** A fresh bot on the fake Telegram, connected as a new integration of `replicaId`. */
async function connectBot(replicaId: string, extra: Record<string, unknown> = {}) {
  const n = ++botCounter;
  const token = `${700000 + n}:AAtest-token-${n}-abcdefghijklmnop`;
  h.telegram.addBot({ token, id: 700000 + n, username: `test_${n}_bot`, can_read_all_group_messages: true });
  const answer = await h.api("POST", "/v1/integrations/telegram", { replica_id: replicaId, bot_token: token, ...extra });
  return { ...answer, token };
}

async function createReplica(name = "Ada", key?: string) {
  const answer = await h.api("POST", "/v1/replicas", { name, instructions: `You are ${name}.` }, key);
  expect(answer.status).toBe(201);
  return answer.body as { id: string };
}

describe("health, discovery and the error envelope", () => {
  test("GET /health needs no key and reports store and queue", async () => {
    const response = await fetch(`${h.stack.url}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok", store: true, queue: true });
    expect(response.headers.get("x-request-id")).toMatch(/^req_/);
  });

  test("/openapi.json is generated from the request schemas and /docs renders it", async () => {
    const doc = await h.api("GET", "/openapi.json");
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe("3.1.0");
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining(["/v1/replicas", "/v1/replicas/{id}", "/v1/integrations", "/v1/integrations/telegram", "/v1/integrations/{id}/events"]),
    );
    expect(doc.body.components.schemas.ReplicaCreate.required).toEqual(["name"]);
    const docs = await fetch(`${h.stack.url}/docs`);
    expect(docs.headers.get("content-type")).toMatch(/text\/html/);
    const html = await docs.text();
    expect(html).toContain("/v1/integrations/{id}/validate");
    expect(html).toContain("ReplicaCreate");
  });

  test("missing or unknown API keys get 401 UNAUTHORIZED with the envelope", async () => {
    const bare = await fetch(`${h.stack.url}/v1/replicas`);
    const body = await bare.json();
    expect(bare.status).toBe(401);
    expect(body).toEqual({ error: { code: "UNAUTHORIZED", message: expect.any(String) }, request_id: bare.headers.get("x-request-id") });
    expect((await h.api("GET", "/v1/replicas", undefined, "pb_not_a_real_key_000000")).status).toBe(401);
  });

  test("every response carries X-Request-Id, and a sane incoming one is kept", async () => {
    const response = await fetch(`${h.stack.url}/v1/replicas`, { headers: { "x-request-id": "trace-123" } });
    expect(response.headers.get("x-request-id")).toBe("trace-123");
    expect((await response.json()).request_id).toBe("trace-123");
  });

  test("unknown route answers 404 NOT_FOUND", async () => {
    const answer = await h.api("GET", "/v1/nothing-here");
    expect(answer.status).toBe(404);
    expect(answer.body.error.code).toBe("NOT_FOUND");
  });
});

describe("bad input is refused and nothing is stored", () => {
  const count = async () => (await h.api("GET", "/v1/replicas", undefined, BOB_KEY)).body.total as number;

  test("malformed JSON → 400 INVALID_JSON", async () => {
    const before = await count();
    const answer = await h.api("POST", "/v1/replicas", '{"name": "x",', BOB_KEY);
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe("INVALID_JSON");
    expect(await count()).toBe(before);
  });

  test("schema violations → 400 VALIDATION_ERROR naming each field", async () => {
    const before = await count();
    const answer = await h.api("POST", "/v1/replicas", { instructions: 42, model: "", colour: "red" }, BOB_KEY);
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe("VALIDATION_ERROR");
    const fields = answer.body.error.fields.map((f: { field: string }) => f.field).sort();
    expect(fields).toEqual(["colour", "instructions", "model", "name"]);
    expect(answer.body.error.fields).toContainEqual({ field: "name", message: "is required" });
    expect(await count()).toBe(before);
  });

  test("an unknown provider → 400 VALIDATION_ERROR on model", async () => {
    const answer = await h.api("POST", "/v1/replicas", { name: "x", model: "mistral/large" }, BOB_KEY);
    expect(answer.status).toBe(400);
    expect(answer.body.error.fields).toEqual([{ field: "model", message: expect.stringMatching(/provider "mistral" is not known/) }]);
  });

  test("a provider without its key → 422 MODEL_AUTH naming the variable to set", async () => {
    const before = await count();
    const answer = await h.api("POST", "/v1/replicas", { name: "x", model: "anthropic/claude-haiku-4-5" }, BOB_KEY);
    expect(answer.status).toBe(422);
    expect(answer.body.error).toMatchObject({ code: "MODEL_AUTH", field: "model", setting: "ANTHROPIC_API_KEY", message: expect.stringMatching(/set ANTHROPIC_API_KEY and restart/) });
    expect(await count()).toBe(before);
  });

  test("a non-JSON body → 415 UNSUPPORTED_MEDIA_TYPE", async () => {
    const before = await count();
    const response = await fetch(`${h.stack.url}/v1/replicas`, {
      method: "POST",
      headers: { authorization: `Bearer ${BOB_KEY}`, "content-type": "text/plain" },
      body: "name=x",
    });
    expect(response.status).toBe(415);
    expect((await response.json()).error.code).toBe("UNSUPPORTED_MEDIA_TYPE");
    expect(await count()).toBe(before);
  });

  test("a body over 1 MiB → 413 PAYLOAD_TOO_LARGE", async () => {
    const before = await count();
    const answer = await h.api("POST", "/v1/replicas", { name: "big", instructions: "x".repeat(1024 * 1024) }, BOB_KEY);
    expect(answer.status).toBe(413);
    expect(answer.body.error.code).toBe("PAYLOAD_TOO_LARGE");
    expect(await count()).toBe(before);
  });
});

describe("replicas", () => {
  test("create, get, list, patch, put and delete", async () => {
    const created = await h.api("POST", "/v1/replicas", { name: "Ada", instructions: "Be brief.", greeting: "Hello!" });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: expect.stringMatching(/^rp_/), name: "Ada", instructions: "Be brief.", model: "openai/gpt-test", greeting: "Hello!" });
    const { id } = created.body;

    expect((await h.api("GET", `/v1/replicas/${id}`)).body).toEqual(created.body);
    const list = await h.api("GET", "/v1/replicas");
    expect(list.body.data.map((r: { id: string }) => r.id)).toContain(id);
    expect(list.body.total).toBe(list.body.data.length);

    const patched = await h.api("PATCH", `/v1/replicas/${id}`, { instructions: "Be very brief." });
    expect(patched.body).toMatchObject({ name: "Ada", instructions: "Be very brief.", greeting: "Hello!" });
    expect(patched.body.updated_at >= created.body.updated_at).toBe(true);

    const replaced = await h.api("PUT", `/v1/replicas/${id}`, { name: "Grace", model: "echo" });
    expect(replaced.body).toMatchObject({ name: "Grace", instructions: "", model: "echo", greeting: null, created_at: created.body.created_at });

    expect((await h.api("DELETE", `/v1/replicas/${id}`)).body).toEqual({ id, deleted: true });
    expect((await h.api("GET", `/v1/replicas/${id}`)).status).toBe(404);
    expect((await h.api("DELETE", `/v1/replicas/${id}`)).status).toBe(404);
  });

  test("a replica in use by an integration cannot be deleted (409) until the integration goes", async () => {
    const replica = await createReplica();
    const integration = await connectBot(replica.id);
    expect(integration.status).toBe(201);
    const refused = await h.api("DELETE", `/v1/replicas/${replica.id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: "CONFLICT", integration_ids: [integration.body.id] });
    expect((await h.api("GET", `/v1/replicas/${replica.id}`)).status).toBe(200);
    await h.api("DELETE", `/v1/integrations/${integration.body.id}`);
    expect((await h.api("DELETE", `/v1/replicas/${replica.id}`)).status).toBe(200);
  });
});

describe("tenant isolation", () => {
  test("another owner's replica and integration answer 404 on every verb", async () => {
    const replica = await createReplica("Private");
    const integration = await connectBot(replica.id);
    const rp = `/v1/replicas/${replica.id}`;
    const int = `/v1/integrations/${integration.body.id}`;
    const attempts: [string, string, unknown?][] = [
      ["GET", rp],
      ["PATCH", rp, { name: "x" }],
      ["PUT", rp, { name: "x" }],
      ["DELETE", rp],
      ["GET", `${rp}/integrations`],
      ["POST", `${rp}/integrations/telegram`, { bot_token: "1:x" }],
      ["GET", int],
      ["PATCH", int, { active: false }],
      ["PUT", int, { active: false }],
      ["DELETE", int],
      ["POST", `${int}/validate`],
      ["POST", `${int}/test`, { channel_id: "1" }],
      ["GET", `${int}/channels`],
      ["PUT", `${int}/channels`, { sync_all: true }],
      ["GET", `${int}/events`],
      ["GET", `/v1/integrations?replica_id=${replica.id}`],
    ];
    for (const [method, path, body] of attempts) {
      const answer = await h.api(method, path, body, BOB_KEY);
      expect({ method, path, status: answer.status, code: answer.body.error?.code }).toEqual({ method, path, status: 404, code: "NOT_FOUND" });
    }
    expect((await h.api("GET", int)).body).toMatchObject({ id: integration.body.id, active: true, name: integration.body.name });
    expect((await h.api("GET", "/v1/integrations", undefined, BOB_KEY)).body.data).toEqual([]);
  });
});

describe("integrations (platform-independent part)", () => {
  test("the record is masked and complete", async () => {
    const replica = await createReplica();
    const { body, token } = await connectBot(replica.id, { name: "Support bot", scope: "all", welcome_message: "Welcome!" });
    expect(body).toMatchObject({
      id: expect.stringMatching(/^int_/),
      platform: "telegram",
      replica_id: replica.id,
      name: "Support bot",
      active: true,
      status: "active",
      webhook_url: `${h.stack.url}/webhooks/telegram/${body.id}`,
      channel_ids: [],
      scope: "all",
      auto_respond: true,
      welcome_message: "Welcome!",
      bot_token: `****${token.slice(-4)}`,
      token_masked: true,
      message_count: 0,
      last_message_at: null,
      last_error: null,
    });
    expect(JSON.stringify(body)).not.toContain(token);
  });

  test("list filters by platform and replica, pages with next_cursor, and the replica-scoped routes agree", async () => {
    const replica = await createReplica("Lister", BOB_KEY);
    const other = await createReplica("Other", BOB_KEY);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const n = ++botCounter;
      const token = `${800000 + n}:AAlist-${n}-abcdefghijklmnopqrstu`;
      h.telegram.addBot({ token, id: 800000 + n, username: `list_${n}_bot` });
      const created = await h.api("POST", `/v1/replicas/${replica.id}/integrations/telegram`, { bot_token: token }, BOB_KEY);
      expect(created.status).toBe(201);
      ids.push(created.body.id);
    }
    const n = ++botCounter;
    const token = `${800000 + n}:AAlist-${n}-abcdefghijklmnopqrstu`;
    h.telegram.addBot({ token, id: 800000 + n, username: `list_${n}_bot` });
    await h.api("POST", "/v1/integrations/telegram", { replica_id: other.id, bot_token: token }, BOB_KEY);

    const page1 = await h.api("GET", `/v1/integrations?replica_id=${replica.id}&limit=2`, undefined, BOB_KEY);
    expect(page1.body.total).toBe(3);
    expect(page1.body.data.map((i: { id: string }) => i.id)).toEqual(ids.slice(0, 2));
    const page2 = await h.api("GET", `/v1/integrations?replica_id=${replica.id}&limit=2&cursor=${page1.body.next_cursor}`, undefined, BOB_KEY);
    expect(page2.body.data.map((i: { id: string }) => i.id)).toEqual(ids.slice(2));
    expect(page2.body.next_cursor).toBeNull();

    const scoped = await h.api("GET", `/v1/replicas/${replica.id}/integrations`, undefined, BOB_KEY);
    expect(scoped.body.data.map((i: { id: string }) => i.id)).toEqual(ids);
    expect((await h.api("GET", "/v1/integrations?platform=telegram", undefined, BOB_KEY)).body.total).toBe(4);
    expect((await h.api("GET", "/v1/integrations?platform=slack", undefined, BOB_KEY)).body.total).toBe(0);

    const bad = await h.api("GET", "/v1/integrations?limit=1000&platform=irc", undefined, BOB_KEY);
    expect(bad.status).toBe(400);
    expect(bad.body.error.fields.map((f: { field: string }) => f.field).sort()).toEqual(["limit", "platform"]);
    expect((await h.api("GET", "/v1/integrations?cursor=garbage", undefined, BOB_KEY)).body.error.code).toBe("VALIDATION_ERROR");
  });

  test("patch and put change settings; auto_respond is scope all; contradictions are refused unchanged", async () => {
    const replica = await createReplica();
    const { body } = await connectBot(replica.id);
    const path = `/v1/integrations/${body.id}`;
    const patched = await h.api("PATCH", path, { auto_respond: true, channel_ids: ["-100123"], name: "Renamed", active: false });
    expect(patched.body).toMatchObject({ scope: "all", auto_respond: true, channel_ids: ["-100123"], name: "Renamed", active: false, status: "inactive" });
    const put = await h.api("PUT", path, { scope: "mentions", active: true });
    expect(put.body).toMatchObject({ scope: "mentions", auto_respond: false, active: true, status: "active", name: "Renamed" });
    const contradiction = await h.api("PATCH", path, { scope: "none", auto_respond: true, name: "Nope" });
    expect(contradiction.status).toBe(400);
    expect(contradiction.body.error.fields).toEqual([{ field: "auto_respond", message: expect.any(String) }]);
    const unknownField = await h.api("PATCH", path, { replr_id: "x" });
    expect(unknownField.body.error.fields).toEqual([{ field: "replr_id", message: "is not a known field" }]);
    expect((await h.api("GET", path)).body).toMatchObject({ name: "Renamed", scope: "mentions" });
  });

  test("the same bot connected twice answers 409 naming the holder, and stores nothing", async () => {
    const replica = await createReplica();
    const first = await connectBot(replica.id);
    const before = (await h.api("GET", "/v1/integrations")).body.total;
    const again = await h.api("POST", "/v1/integrations/telegram", { replica_id: replica.id, bot_token: first.token });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: "CONFLICT", integration_id: first.body.id });
    expect(again.body.error.message).toContain(first.body.id);
    expect((await h.api("GET", "/v1/integrations")).body.total).toBe(before);
  });

  test("a bot claim left by a create that crashed is taken over once stale; a fresh one is a create in progress (409)", async () => {
    const replica = await createReplica();
    const n = ++botCounter;
    const token = `${710000 + n}:AAclaim-${n}-abcdefghijklmnopqrs`;
    h.telegram.addBot({ token, id: 710000 + n, username: `claim_${n}_bot` });
    await h.stack.store.claimBot("telegram", String(710000 + n), "int_inprogress", new Date().toISOString());
    const busy = await h.api("POST", "/v1/integrations/telegram", { replica_id: replica.id, bot_token: token });
    expect([busy.status, busy.body.error.code]).toEqual([409, "CONFLICT"]);
    expect(busy.body.error.message).toMatch(/being connected by another request/);

    await h.stack.store.releaseBot("telegram", String(710000 + n), "int_inprogress");
    await h.stack.store.claimBot("telegram", String(710000 + n), "int_crashed", new Date(Date.now() - 10 * 60_000).toISOString());
    expect((await h.api("POST", "/v1/integrations/telegram", { replica_id: replica.id, bot_token: token })).status).toBe(201);
  });

  test("connecting to a replica that does not exist answers 404 and stores nothing", async () => {
    const before = (await h.api("GET", "/v1/integrations")).body.total;
    const n = ++botCounter;
    h.telegram.addBot({ token: `9${n}:AAx`, id: 9000 + n, username: `ghost_${n}_bot` });
    const answer = await h.api("POST", "/v1/integrations/telegram", { replica_id: "rp_doesnotexist", bot_token: `9${n}:AAx` });
    expect(answer.status).toBe(404);
    expect((await h.api("GET", "/v1/integrations")).body.total).toBe(before);
  });

  test("delete answers {id, deleted} and the id then answers 404 everywhere", async () => {
    const replica = await createReplica();
    const { body } = await connectBot(replica.id);
    expect((await h.api("DELETE", `/v1/integrations/${body.id}`)).body).toEqual({ id: body.id, deleted: true });
    for (const [method, suffix] of [["GET", ""], ["PATCH", ""], ["DELETE", ""], ["GET", "/events"], ["POST", "/validate"]] as const) {
      const answer = await h.api(method, `/v1/integrations/${body.id}${suffix}`, method === "PATCH" ? { name: "x" } : undefined);
      expect(answer.status).toBe(404);
    }
  });

  test("events start empty", async () => {
    const replica = await createReplica();
    const { body } = await connectBot(replica.id);
    expect((await h.api("GET", `/v1/integrations/${body.id}/events`)).body).toEqual({ data: [], next_cursor: null });
  });
});

describe("API keys", () => {
  test("a stack with no key generates one for owner local, once", async () => {
    const fresh = await startHarness({ env: { API_KEYS: "" } });
    try {
      const key = fresh.stack.generatedApiKey;
      expect(key).toMatch(/^pb_[A-Za-z0-9]{40}$/);
      expect((await fresh.api("GET", "/v1/replicas", undefined, key!)).status).toBe(200);
      await fresh.restart();
      expect(fresh.stack.generatedApiKey).toBeNull();
      expect((await fresh.api("GET", "/v1/replicas", undefined, key!)).status).toBe(200);
    } finally {
      await fresh.close();
    }
  });
});

test("an unexpected failure answers 500 INTERNAL without internals, and logs the stack", async () => {
  const lines: string[] = [];
  const failing = {
    list: async () => {
      throw new Error("connection string postgres://admin:hunter2@db");
    },
  };
  const app = createApp({
    replicas: failing,
    integrations: { supports: () => false },
    apiKeys: { authenticate: async () => "alice" },
    pipeline: {},
    store: { ping: async () => undefined },
    queue: { ping: async () => undefined },
    logger: createJsonLogger((line) => lines.push(line)),
  } as unknown as HttpDeps);
  const response = await app.request("/v1/replicas", { headers: { authorization: "Bearer x" } });
  const text = await response.text();
  expect(response.status).toBe(500);
  expect(JSON.parse(text)).toEqual({ error: { code: "INTERNAL", message: expect.any(String) }, request_id: response.headers.get("x-request-id") });
  expect(text).not.toContain("hunter2");
  expect(lines.join("\n")).toContain("hunter2");
});
