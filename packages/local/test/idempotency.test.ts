import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Store } from "@patchbay/core";
import { ALICE_KEY, BOB_KEY, startHarness } from "./harness.ts";
import type { Harness } from "./harness.ts";
import { eventually } from "./helpers.ts";

/**
 * Safe retries through the real local stack: Idempotency-Key on POSTs under /v1 replays the first answer,
 * refuses the key with another request, is the owner's own, and lets one request of a race do the work.
 */

/** Interposes on replica creation: hold it at a gate, or fail it once, to order races and failures. */
const control: { gate: Promise<void> | null; entered: number; failNext: boolean } = { gate: null, entered: 0, failNext: false };

let h: Harness;

beforeAll(async () => {
  h = await startHarness({
    stack: {
      wrapStore: (store: Store): Store => ({
        ...store,
        async createReplica(replica) {
          control.entered++;
          if (control.failNext) {
            control.failNext = false;
            throw new Error("store unreachable (test)");
          }
          if (control.gate) await control.gate;
          return store.createReplica(replica);
        },
      }),
    },
  });
});
afterAll(async () => {
  await h.close();
});

interface Answer {
  status: number;
  replayed: string | null;
  body: any;
  text: string;
}

async function post(path: string, body: unknown, key: string | undefined, apiKey = ALICE_KEY): Promise<Answer> {
  const response = await fetch(`${h.stack.url}${path}`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${apiKey}`,
      "content-type": "application/json",
      ...(key !== undefined ? { "idempotency-key": key } : {}),
    },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, replayed: response.headers.get("idempotent-replayed"), body: JSON.parse(text), text };
}

async function replicasNamed(name: string, apiKey = ALICE_KEY): Promise<string[]> {
  const list = await h.api("GET", "/v1/replicas?limit=100", undefined, apiKey);
  return (list.body.data as { id: string; name: string }[]).filter((r) => r.name === name).map((r) => r.id);
}

describe("the same key with the same request", () => {
  test("replays the first answer (status and body) without doing the work again", async () => {
    const key = randomUUID();
    const first = await post("/v1/replicas", { name: "Once", instructions: "Be brief." }, key);
    const entered = control.entered;
    const again = await post("/v1/replicas", { name: "Once", instructions: "Be brief." }, key);
    expect(first).toMatchObject({ status: 201, replayed: null });
    expect(again).toMatchObject({ status: 201, replayed: "true", text: first.text });
    expect(control.entered).toBe(entered);
    expect(await replicasNamed("Once")).toEqual([first.body.id]);
  });

  test("the same JSON written with other key order and spacing is the same request", async () => {
    const key = randomUUID();
    const first = await post("/v1/replicas", '{"name":"Spaced","instructions":"Hi."}', key);
    const again = await post("/v1/replicas", '{ "instructions" : "Hi.",\n  "name" : "Spaced" }', key);
    expect(again).toMatchObject({ status: 201, replayed: "true", text: first.text });
    expect(await replicasNamed("Spaced")).toHaveLength(1);
  });

  test("connecting a bot twice with one key is one integration, registered once, not a 409", async () => {
    const replica = await post("/v1/replicas", { name: "Bot owner" }, undefined);
    const token = "810001:AAidempotent-connect-token-abcdefgh";
    h.telegram.addBot({ token, id: 810001, username: "idempotent_bot" });
    const key = randomUUID();
    const first = await post("/v1/integrations/telegram", { replica_id: replica.body.id, bot_token: token }, key);
    const again = await post("/v1/integrations/telegram", { replica_id: replica.body.id, bot_token: token }, key);
    expect(first.status).toBe(201);
    expect(again).toMatchObject({ status: 201, replayed: "true", text: first.text });
    expect(h.telegram.callsTo("setWebhook", token)).toHaveLength(1);
    const list = await h.api("GET", `/v1/replicas/${replica.body.id}/integrations`);
    expect(list.body.data.map((i: { id: string }) => i.id)).toEqual([first.body.id]);
    // Without the key, the same connect is the taken bot's 409, as before.
    expect((await post("/v1/integrations/telegram", { replica_id: replica.body.id, bot_token: token }, undefined)).status).toBe(409);
  });
});

describe("the same key with another request", () => {
  test("another body is 422 IDEMPOTENCY_KEY_REUSED and does nothing", async () => {
    const key = randomUUID();
    await post("/v1/replicas", { name: "Original" }, key);
    const entered = control.entered;
    const other = await post("/v1/replicas", { name: "Different" }, key);
    expect(other.status).toBe(422);
    expect(other.body).toEqual({
      error: { code: "IDEMPOTENCY_KEY_REUSED", message: expect.stringMatching(/different request/) },
      request_id: expect.any(String),
    });
    expect(control.entered).toBe(entered);
    expect(await replicasNamed("Different")).toEqual([]);
  });

  test("another route is 422 too", async () => {
    const key = randomUUID();
    const replica = await post("/v1/replicas", { name: "Route" }, key);
    const preview = await post(`/v1/replicas/${replica.body.id}/preview`, { name: "Route" }, key);
    expect(preview.body.error.code).toBe("IDEMPOTENCY_KEY_REUSED");
  });
});

test("keys are the owner's: another owner's same key and body does its own work", async () => {
  const key = randomUUID();
  const alice = await post("/v1/replicas", { name: "Shared key" }, key);
  const bob = await post("/v1/replicas", { name: "Shared key" }, key, BOB_KEY);
  expect(bob).toMatchObject({ status: 201, replayed: null });
  expect(bob.body.id).not.toBe(alice.body.id);
  expect(await replicasNamed("Shared key")).toEqual([alice.body.id]);
  expect(await replicasNamed("Shared key", BOB_KEY)).toEqual([bob.body.id]);
  // And bob's replay is bob's answer.
  expect((await post("/v1/replicas", { name: "Shared key" }, key, BOB_KEY)).body.id).toBe(bob.body.id);
});

test("two requests with one key at the same moment: one does the work, the other is 409 until it has answered", async () => {
  const key = randomUUID();
  let open!: () => void;
  control.gate = new Promise((resolve) => (open = resolve));
  const entered = control.entered;
  const first = post("/v1/replicas", { name: "Raced" }, key);
  await eventually(() => control.entered > entered);
  const second = await post("/v1/replicas", { name: "Raced" }, key);
  expect(second.status).toBe(409);
  expect(second.body.error).toEqual({ code: "CONFLICT", message: "A request with this Idempotency-Key is still in progress; retry once it has finished." });
  control.gate = null;
  open();
  const answered = await first;
  expect(answered.status).toBe(201);
  expect(await post("/v1/replicas", { name: "Raced" }, key)).toMatchObject({ status: 201, replayed: "true", text: answered.text });
  expect(control.entered).toBe(entered + 1);
  expect(await replicasNamed("Raced")).toEqual([answered.body.id]);
});

describe("which answers are kept", () => {
  test("a failure on our side (5xx) frees the key: the retry with it does the work", async () => {
    const key = randomUUID();
    control.failNext = true;
    const failed = await post("/v1/replicas", { name: "After a failure" }, key);
    expect(failed.status).toBe(500);
    const retried = await post("/v1/replicas", { name: "After a failure" }, key);
    expect(retried).toMatchObject({ status: 201, replayed: null });
    expect(await replicasNamed("After a failure")).toEqual([retried.body.id]);
  });

  test("a model failure (502) frees the key: the retry calls the model again", async () => {
    const replica = await post("/v1/replicas", { name: "Flaky model", model: "openai/gpt-test" }, undefined);
    const key = randomUUID();
    const calls = h.openai.requests.length;
    h.openai.failNext({ kind: "server_error", status: 503 });
    const failed = await post(`/v1/replicas/${replica.body.id}/preview`, { text: "hello" }, key);
    expect(failed).toMatchObject({ status: 502, body: { error: { code: "MODEL_ERROR" } } });
    const retried = await post(`/v1/replicas/${replica.body.id}/preview`, { text: "hello" }, key);
    expect(retried).toMatchObject({ status: 200, replayed: null });
    expect(h.openai.requests.length).toBe(calls + 2);
    expect((await post(`/v1/replicas/${replica.body.id}/preview`, { text: "hello" }, key)).replayed).toBe("true");
    expect(h.openai.requests.length).toBe(calls + 2);
  });

  test("a refusal of the request as sent (4xx) is kept: the same request gets the same answer, replayed", async () => {
    const key = randomUUID();
    const refused = await post("/v1/replicas", { name: "" }, key);
    expect(refused.status).toBe(400);
    const again = await post("/v1/replicas", { name: "" }, key);
    expect(again).toMatchObject({ status: 400, replayed: "true", text: refused.text });
  });
});

describe("the header itself", () => {
  test("a malformed key is 400 VALIDATION_ERROR naming the header, and nothing is done", async () => {
    const entered = control.entered;
    for (const key of ["two words", "x".repeat(256), "caf\u00e9"]) {
      const refused = await fetch(`${h.stack.url}/v1/replicas`, {
        method: "POST",
        headers: { authorization: `Bearer ${ALICE_KEY}`, "content-type": "application/json", "idempotency-key": key },
        body: JSON.stringify({ name: "Bad key" }),
      });
      expect({ key, status: refused.status }).toEqual({ key, status: 400 });
      expect((await refused.json()).error.fields).toEqual([{ field: "Idempotency-Key", message: expect.any(String) }]);
    }
    expect(control.entered).toBe(entered);
    expect(await replicasNamed("Bad key")).toEqual([]);
  });

  test("only POSTs take it: a PATCH with a key is an ordinary PATCH", async () => {
    const replica = await post("/v1/replicas", { name: "Patched" }, undefined);
    const patch = (name: string) =>
      fetch(`${h.stack.url}/v1/replicas/${replica.body.id}`, {
        method: "PATCH",
        headers: { authorization: `Bearer ${ALICE_KEY}`, "content-type": "application/json", "idempotency-key": "same-key" },
        body: JSON.stringify({ name }),
      }).then(async (r) => ({ status: r.status, body: await r.json() }));
    expect(await patch("Patched once")).toMatchObject({ status: 200, body: { name: "Patched once" } });
    expect(await patch("Patched twice")).toMatchObject({ status: 200, body: { name: "Patched twice" } });
  });
});
