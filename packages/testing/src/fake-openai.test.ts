import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { startFakeOpenAI } from "./fake-openai.ts";
import type { FakeOpenAI } from "./fake-openai.ts";

const KEY = "sk-test-0123456789abcdef";

async function complete(
  ai: FakeOpenAI,
  body: unknown,
  key: string | null = KEY,
): Promise<{ status: number; json: Record<string, unknown>; headers: Headers }> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (key !== null) headers.authorization = `Bearer ${key}`;
  const res = await fetch(`${ai.url}/chat/completions`, {
    method: "POST",
    headers,
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown>, headers: res.headers };
}

const hello = { model: "gpt-4o-mini", messages: [{ role: "system", content: "be brief" }, { role: "user", content: "Hello there" }] };

describe("fake OpenAI", () => {
  let ai: FakeOpenAI;
  beforeAll(async () => {
    ai = await startFakeOpenAI({ apiKey: KEY });
  });
  afterEach(() => ai.reset());
  afterAll(() => ai.close());

  test("base URL ends in /v1 and answers a real-shaped completion", async () => {
    expect(ai.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    const { status, json, headers } = await complete(ai, hello);
    expect(status).toBe(200);
    expect(headers.get("x-request-id")).toMatch(/^req_/);
    expect(json).toMatchObject({
      id: expect.stringMatching(/^chatcmpl-/),
      object: "chat.completion",
      created: expect.any(Number),
      model: "gpt-4o-mini",
      choices: [{ index: 0, message: { role: "assistant", content: "Echo: Hello there" }, finish_reason: "stop" }],
      usage: { prompt_tokens: expect.any(Number), completion_tokens: expect.any(Number), total_tokens: expect.any(Number) },
    });
    expect(ai.requests).toHaveLength(1);
    expect(ai.requests[0]).toMatchObject({
      model: "gpt-4o-mini",
      lastUserText: "Hello there",
      authorization: `Bearer ${KEY}`,
      status: 200,
    });
  });

  test("custom reply function sees the parsed request", async () => {
    ai.reply(async (req) => `${req.messages.length} messages, last: ${req.lastUserText.toUpperCase()}`);
    const { json } = await complete(ai, hello);
    expect((json.choices as { message: { content: string } }[])[0]?.message.content).toBe("2 messages, last: HELLO THERE");
  });

  test("missing or wrong API key is 401 with OpenAI's error body", async () => {
    const wrong = await complete(ai, hello, "sk-wrong-key-000000");
    expect(wrong.status).toBe(401);
    expect(wrong.json).toEqual({
      error: {
        message: expect.stringMatching(/^Incorrect API key provided: sk-\**0000\. You can find your API key at /),
        type: "invalid_request_error",
        param: null,
        code: "invalid_api_key",
      },
    });
    const missing = await complete(ai, hello, null);
    expect(missing.status).toBe(401);
    expect((missing.json.error as { message: string }).message).toMatch(/^You didn't provide an API key/);
  });

  test("validates model and messages", async () => {
    expect(await complete(ai, { messages: hello.messages })).toMatchObject({
      status: 400,
      json: { error: { message: "you must provide a model parameter", type: "invalid_request_error", param: null, code: null } },
    });
    expect(await complete(ai, { model: "gpt-4o-mini" })).toMatchObject({
      status: 400,
      json: { error: { message: "Missing required parameter: 'messages'.", param: "messages", code: "missing_required_parameter" } },
    });
    expect(await complete(ai, { model: "gpt-4o-mini", messages: [] })).toMatchObject({
      status: 400,
      json: { error: { param: "messages", code: "empty_array" } },
    });
    expect(await complete(ai, { model: "gpt-4o-mini", messages: [{ role: "robot", content: "x" }] })).toMatchObject({
      status: 400,
      json: { error: { param: "messages[0].role", code: "invalid_value" } },
    });
    expect(await complete(ai, "{not json")).toMatchObject({
      status: 400,
      json: { error: { message: expect.stringMatching(/^We could not parse the JSON body/) } },
    });
  });

  test("unknown models are 404 when a model list is configured", async () => {
    const strict = await startFakeOpenAI({ apiKey: KEY, models: ["gpt-4o"] });
    try {
      expect(await complete(strict, hello)).toMatchObject({
        status: 404,
        json: { error: { message: "The model `gpt-4o-mini` does not exist or you do not have access to it.", code: "model_not_found" } },
      });
    } finally {
      await strict.close();
    }
  });

  test("rate limit, server error and generic faults", async () => {
    ai.failNext({ kind: "rate_limit", retryAfter: 3 });
    const limited = await complete(ai, hello);
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("3");
    expect(limited.json).toMatchObject({ error: { type: "requests", code: "rate_limit_exceeded", param: null } });

    ai.failNext({ kind: "server_error" }, 2);
    for (let i = 0; i < 2; i++) {
      const failed = await complete(ai, hello);
      expect(failed.status).toBe(500);
      expect(failed.json).toEqual({
        error: {
          message: "The server had an error while processing your request. Sorry about that!",
          type: "server_error",
          param: null,
          code: null,
        },
      });
    }
    expect((await complete(ai, hello)).status).toBe(200);

    ai.failNext({ kind: "error", status: 503, message: "overloaded", type: "server_error", code: "overloaded" });
    expect(await complete(ai, hello)).toMatchObject({ status: 503, json: { error: { message: "overloaded", code: "overloaded" } } });
  });

  test("delay and drop", async () => {
    ai.failNext({ kind: "delay", ms: 120 });
    const started = Date.now();
    expect((await complete(ai, hello)).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(110);

    ai.failNext({ kind: "drop" });
    await expect(complete(ai, hello)).rejects.toThrow();
    expect(ai.requests.at(-1)?.status).toBeUndefined();
  });

  test("stream: true answers server-sent chunks ending in [DONE]", async () => {
    ai.reply(() => "one two three");
    const res = await fetch(`${ai.url}/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ ...hello, stream: true, stream_options: { include_usage: true } }),
    });
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const events = (await res.text())
      .split("\n\n")
      .filter((e) => e.startsWith("data: "))
      .map((e) => e.slice(6));
    expect(events.at(-1)).toBe("[DONE]");
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e) as { choices: { delta: { content?: string }; finish_reason: string | null }[]; usage: unknown });
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? "").join("");
    expect(text).toBe("one two three");
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe("stop");
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { total_tokens: expect.any(Number) } });
  });

  test("stream faults: an error event mid-stream, a cut without finish_reason or [DONE]; credits gone; names refused", async () => {
    const stream = async () => {
      const res = await fetch(`${ai.url}/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
        body: JSON.stringify({ ...hello, stream: true }),
      });
      return (await res.text()).split("\n\n").filter((e) => e.startsWith("data: ")).map((e) => e.slice(6));
    };
    ai.failNext({ kind: "stream_error", afterChunks: 2 });
    const failed = await stream();
    expect(failed).toHaveLength(3);
    expect(JSON.parse(failed.at(-1)!)).toMatchObject({ error: { type: "server_error" } });
    ai.failNext({ kind: "truncate", afterChunks: 2 });
    const cut = await stream();
    expect(cut).toHaveLength(2);
    expect(cut.join("")).not.toMatch(/finish_reason":"stop|\[DONE\]/);

    ai.failNext({ kind: "insufficient_quota" });
    expect(await complete(ai, hello)).toMatchObject({ status: 429, json: { error: { code: "insufficient_quota", type: "insufficient_quota" } } });
    expect((await complete(ai, { ...hello, messages: [{ role: "user", content: "x", name: "Grace Hopper" }] })).json).toMatchObject({
      error: { param: "messages[0].name", code: "invalid_value" },
    });
  });

  test("a held stream sends its first text chunks, then waits until released; a paced one waits before each chunk", async () => {
    ai.reply(() => "one two three four");
    const hold = ai.holdNextStream(2);
    const res = await fetch(`${ai.url}/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ ...hello, stream: true }),
    });
    await hold.reached;
    const reader = res.body!.getReader();
    let received = "";
    while ((received.match(/"content":"[^"]+"/g) ?? []).length < 2) received += new TextDecoder().decode((await reader.read()).value);
    expect(received).not.toContain("three");
    hold.release();
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) received += new TextDecoder().decode(chunk.value);
    expect(received).toContain("four");
    expect(received).toContain("[DONE]");

    ai.setChunkDelay(30);
    const started = Date.now();
    await (await fetch(`${ai.url}/chat/completions`, { method: "POST", headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" }, body: JSON.stringify({ ...hello, stream: true }) })).text();
    // Four text chunks, each after its wait.
    expect(Date.now() - started).toBeGreaterThanOrEqual(4 * 30);
  });

  test("unknown routes are 404 Invalid URL", async () => {
    const res = await fetch(`${ai.url}/embeddings/nope`, { method: "POST", headers: { authorization: `Bearer ${KEY}` } });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({
      error: { message: "Invalid URL (POST /v1/embeddings/nope)", type: "invalid_request_error", param: null, code: null },
    });
  });
});
