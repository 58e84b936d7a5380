import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import type { CompletionRequest, ModelError } from "@patchbay/core";
import { startFakeAnthropic } from "@patchbay/testing";
import type { FakeAnthropic } from "@patchbay/testing";
import { describeModelContract } from "@patchbay/testing/contracts";
import { ANTHROPIC_DEFAULT_MAX_TOKENS, createAnthropicModel } from "../src/anthropic-model.ts";
import type { AnthropicModelConfig } from "../src/anthropic-model.ts";
import { anthropicWire } from "./wires.ts";

let anthropic: FakeAnthropic;
beforeAll(async () => {
  anthropic = await startFakeAnthropic({ models: ["claude-haiku-4-5", "claude-sonnet-4-5", "claude-3-5-haiku-20241022"] });
});
beforeEach(() => {
  anthropic.reset();
  anthropic.reply((request) => `About "${request.lastUserText}"`);
});
afterAll(async () => {
  await anthropic.close();
});

const anthropicModel = (config: Partial<AnthropicModelConfig> = {}) =>
  createAnthropicModel({ baseUrl: anthropic.url, apiKey: anthropic.apiKey, timeoutMs: 5000, ...config });
const hello: CompletionRequest = { model: "claude-haiku-4-5", messages: [{ role: "user", content: "x" }] };
const failureOf = (promise: Promise<unknown>) => promise.then(() => undefined, (e: unknown) => e as ModelError);
const drain = async (stream: AsyncIterable<string>) => {
  let text = "";
  for await (const delta of stream) text += delta;
  return text;
};

describeModelContract(
  "Anthropic Messages",
  async () => ({ model: anthropicModel(), name: "claude-sonnet-4-5", textOnlyName: "claude-3-5-haiku-20241022" }),
  () => anthropicWire(anthropic, () => anthropicModel({ apiKey: "sk-ant-wrong" })),
);

describe("Anthropic model on the wire", () => {
  test("posts /v1/messages with x-api-key, anthropic-version, a top-level system prompt and the required max_tokens", async () => {
    await anthropicModel().complete({
      model: "claude-haiku-4-5",
      messages: [
        { role: "system", content: "You are Ada." },
        { role: "user", content: "Hello", name: "Grace" },
      ],
    });
    const request = anthropic.requests.at(-1)!;
    expect(request.path).toBe("/v1/messages");
    expect(request.headers).toMatchObject({ "x-api-key": anthropic.apiKey, "anthropic-version": "2023-06-01", "content-type": "application/json" });
    expect(request.headers.authorization).toBeUndefined();
    expect(request.body).toEqual({
      model: "claude-haiku-4-5",
      max_tokens: ANTHROPIC_DEFAULT_MAX_TOKENS,
      system: "You are Ada.\n\nThe user messages come from people in a chat. Their senders, oldest first: Grace. The latest message is from Grace.",
      messages: [{ role: "user", content: "Hello" }],
    });
  });

  test("a base URL with /v1 (the AI SDK's form of ANTHROPIC_BASE_URL) reaches the same endpoint", async () => {
    expect(await anthropicModel({ baseUrl: `${anthropic.url}/v1/` }).complete(hello)).toBe('About "x"');
    expect(anthropic.requests.at(-1)!.path).toBe("/v1/messages");
  });

  test("turns alternate as the API requires: neighbours of one role merged, a leading greeting dropped, empty turns left out", async () => {
    await anthropicModel().complete({
      model: "claude-haiku-4-5",
      messages: [
        { role: "system", content: "S" },
        { role: "assistant", content: "Welcome!" },
        { role: "user", content: "one" },
        { role: "user", content: "two" },
        { role: "assistant", content: "" },
        { role: "user", content: "three" },
      ],
    });
    expect(anthropic.requests.at(-1)!.body.messages).toEqual([{ role: "user", content: "one\n\ntwo\n\nthree" }]);
  });

  test("images go first as base64 sources, then the text; temperature above Anthropic's 1 is sent as 1", async () => {
    await anthropicModel().complete({
      model: "claude-sonnet-4-5",
      temperature: 1.6,
      messages: [{ role: "user", content: "look", images: [{ mediaType: "image/jpg", data: new Uint8Array([1, 2, 3]) }] }],
    });
    const request = anthropic.requests.at(-1)!;
    expect(request.body.temperature).toBe(1);
    expect(request.messages).toEqual([
      { role: "user", content: [{ type: "image", source: { type: "base64", media_type: "image/jpeg", data: "AQID" } }, { type: "text", text: "look" }] },
    ]);
  });

  test("a streamed answer skips pings and ends at message_stop", async () => {
    expect(await drain(anthropicModel().stream(hello))).toBe('About "x"');
    expect(anthropic.requests.at(-1)!.body.stream).toBe(true);
  });
});

describe("Anthropic model errors", () => {
  test("a refused key names the setting to fix", async () => {
    const failure = await failureOf(anthropicModel({ apiKey: "sk-ant-nope", keySetting: "the SST secret AnthropicApiKey" }).complete(hello));
    expect(failure).toMatchObject({ code: "MODEL_AUTH", retryable: false });
    expect(failure?.message).toMatch(/401 authentication_error: invalid x-api-key — the API key was refused; check the SST secret AnthropicApiKey/);
  });

  test("an unknown model is MODEL_AUTH: the id must change", async () => {
    const failure = await failureOf(anthropicModel().complete({ ...hello, model: "claude-nonexistent" }));
    expect(failure).toMatchObject({ code: "MODEL_AUTH", retryable: false });
    expect(failure?.message).toMatch(/404 not_found_error: model: claude-nonexistent/);
  });

  test("529 overloaded is retryable; a 429 with retry-after waits that long", async () => {
    anthropic.failNext({ kind: "overloaded" });
    expect(await failureOf(anthropicModel().complete(hello))).toMatchObject({ code: "MODEL_ERROR", retryable: true, message: expect.stringMatching(/529 overloaded_error/) });
    anthropic.failNext({ kind: "rate_limit", retryAfter: 30 });
    expect(await failureOf(anthropicModel().complete(hello))).toMatchObject({ retryable: true, retryAfterMs: 30_000 });
  });

  test("a 429 without retry-after is the spend cap: waiting does not lift it, so it is not retried", async () => {
    anthropic.failNext({ kind: "rate_limit", retryAfter: null });
    const failure = await failureOf(anthropicModel().complete(hello));
    expect(failure).toMatchObject({ code: "MODEL_AUTH", retryable: false });
    expect(failure?.message).toMatch(/usage limit/);
  });

  test("an invalid request is not retried; an error event about the request mid-stream is not either", async () => {
    anthropic.failNext({ kind: "error", status: 400, type: "invalid_request_error", message: "prompt is too long: 250000 tokens > 200000 maximum" });
    expect(await failureOf(anthropicModel().complete(hello))).toMatchObject({ code: "MODEL_ERROR", retryable: false });
    anthropic.failNext({ kind: "stream_error", afterEvents: 4, type: "invalid_request_error", message: "bad" });
    expect(await failureOf(drain(anthropicModel().stream(hello)))).toMatchObject({ code: "MODEL_ERROR", retryable: false });
  });

  test("a connection lost mid-answer fails the answer", async () => {
    anthropic.failNext({ kind: "drop" });
    expect(await failureOf(drain(anthropicModel().stream(hello)))).toMatchObject({ code: "MODEL_ERROR", retryable: true });
  });
});
