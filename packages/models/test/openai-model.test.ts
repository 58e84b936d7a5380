import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { ModelError } from "@patchbay/core";
import type { CompletionRequest } from "@patchbay/core";
import { startFakeOpenAI } from "@patchbay/testing";
import type { FakeOpenAI } from "@patchbay/testing";
import { describeModelContract } from "@patchbay/testing/contracts";
import { createOpenAIModel } from "../src/openai-model.ts";
import type { OpenAIModelConfig } from "../src/openai-model.ts";
import { openAIWire } from "./wires.ts";

let openai: FakeOpenAI;
beforeAll(async () => {
  openai = await startFakeOpenAI();
});
beforeEach(() => {
  openai.reset();
  openai.reply((request) => `About "${request.lastUserText}"`);
});
afterAll(async () => {
  await openai.close();
});

const openaiModel = (config: Partial<OpenAIModelConfig> = {}) => createOpenAIModel({ baseUrl: openai.url, apiKey: openai.apiKey, timeoutMs: 5000, ...config });
const hello: CompletionRequest = { model: "gpt-test", messages: [{ role: "user", content: "x" }] };
const failureOf = (promise: Promise<unknown>) => promise.then(() => undefined, (e: unknown) => e as ModelError);
const drain = async (stream: AsyncIterable<string>) => {
  let text = "";
  for await (const delta of stream) text += delta;
  return text;
};

describeModelContract(
  "OpenAI-compatible Chat Completions",
  async () => ({ model: openaiModel(), name: "gpt-4o-mini", textOnlyName: "gpt-3.5-turbo" }),
  () => openAIWire(openai, () => openaiModel({ apiKey: "sk-wrong-key-000000" })),
);

describe("OpenAI-compatible model on the wire", () => {
  test("a compatible server gets the messages, the bearer key and max_tokens; speakers go into the system prompt, never `name`", async () => {
    await openaiModel().complete({
      model: "gpt-test",
      maxOutputTokens: 100,
      messages: [
        { role: "system", content: "You are Ada." },
        { role: "user", content: "Hello", name: "Grace" },
      ],
    });
    const request = openai.requests.at(-1)!;
    expect(request.body).toEqual({
      model: "gpt-test",
      max_tokens: 100,
      messages: [
        { role: "system", content: "You are Ada.\n\nThe user messages come from people in a chat. Their senders, oldest first: Grace. The latest message is from Grace." },
        { role: "user", content: "Hello" },
      ],
    });
    expect(request.authorization).toBe(`Bearer ${openai.apiKey}`);
  });

  test("servers that refuse the `name` field (Mistral-like) still answer", async () => {
    const strict = await startFakeOpenAI({ rejectNames: true });
    try {
      const model = createOpenAIModel({ baseUrl: strict.url, apiKey: strict.apiKey, timeoutMs: 5000 });
      expect(await model.complete({ model: "m", messages: [{ role: "user", content: "hi", name: "Grace" }] })).toBe("Echo: hi");
    } finally {
      await strict.close();
    }
  });

  test("OpenAI itself gets each speaker in `name` (made to fit its pattern) and max_completion_tokens", async () => {
    await openaiModel({ openaiItself: true }).complete({
      model: "gpt-test",
      maxOutputTokens: 64,
      messages: [
        { role: "system", content: "You are Ada." },
        { role: "user", content: "Hello", name: "Grace Hopper" },
        { role: "user", content: "Hi", name: "Гр" },
      ],
    });
    expect(openai.requests.at(-1)!.body).toEqual({
      model: "gpt-test",
      max_completion_tokens: 64,
      messages: [
        { role: "system", content: "You are Ada." },
        { role: "user", content: "Hello", name: "Grace_Hopper" },
        // Nothing of the name survives OpenAI's pattern: better no name than "__".
        { role: "user", content: "Hi" },
      ],
    });
    expect(openai.requests.at(-1)!.status).toBe(200);
  });

  test("images go as data URL parts beside the text", async () => {
    await openaiModel().complete({ model: "gpt-4o", messages: [{ role: "user", content: "look", images: [{ mediaType: "image/png", data: "iVBORw0KGgo=" }] }] });
    expect(openai.requests.at(-1)!.messages).toEqual([
      { role: "user", content: [{ type: "text", text: "look" }, { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } }] },
    ]);
  });

  test("a stream is asked for with stream: true and read past keep-alive comments", async () => {
    const chatty = await startFakeOpenAI({ keepAliveComments: true });
    try {
      const model = createOpenAIModel({ baseUrl: chatty.url, apiKey: chatty.apiKey, timeoutMs: 5000 });
      expect(await drain(model.stream({ model: "m", messages: [{ role: "user", content: "one two three" }] }))).toBe("Echo: one two three");
      expect(chatty.requests.at(-1)!.body.stream).toBe(true);
    } finally {
      await chatty.close();
    }
  });
});

describe("OpenAI-compatible model errors", () => {
  test("the provider's error text is kept short and key-like strings are masked (it reaches the activity log)", async () => {
    openai.failNext({ kind: "error", status: 400, message: `Bad key sk-proj-abcdefghijklmnop and ${"x".repeat(500)}` });
    const failure = await failureOf(openaiModel().complete(hello));
    expect(failure?.message).toContain("[redacted]");
    expect(failure?.message).not.toContain("abcdefghijklmnop");
    expect(failure?.message.length).toBeLessThan(300);
    expect(failure).toMatchObject({ code: "MODEL_ERROR", retryable: false });
  });

  test("a refused key names the setting to fix", async () => {
    const failure = await failureOf(openaiModel({ apiKey: "sk-wrong", keySetting: "the SST secret OpenAiApiKey" }).complete(hello));
    expect(failure).toMatchObject({ code: "MODEL_AUTH", retryable: false });
    expect(failure?.message).toMatch(/401 invalid_api_key: .*check the SST secret OpenAiApiKey/);
  });

  test("a model the key may not use (404 model_not_found) is MODEL_AUTH", async () => {
    const strict = await startFakeOpenAI({ models: ["gpt-4o"] });
    try {
      const model = createOpenAIModel({ baseUrl: strict.url, apiKey: strict.apiKey, timeoutMs: 5000 });
      const failure = await failureOf(model.complete({ ...hello, model: "gpt-5-secret" }));
      expect(failure).toMatchObject({ code: "MODEL_AUTH", retryable: false });
      expect(failure?.message).toMatch(/404 model_not_found/);
    } finally {
      await strict.close();
    }
  });

  test("insufficient_quota is a 429 no wait fixes: MODEL_AUTH, not retried", async () => {
    openai.failNext({ kind: "insufficient_quota" });
    const failure = await failureOf(openaiModel().complete(hello));
    expect(failure).toMatchObject({ code: "MODEL_AUTH", retryable: false });
    expect(failure?.message).toMatch(/out of credits/);
  });

  test("retry-after-ms wins over retry-after; a 429 without either is still retryable", async () => {
    openai.failNext({ kind: "rate_limit", retryAfter: 7, retryAfterMs: 1500 });
    expect(await failureOf(openaiModel().complete(hello))).toMatchObject({ retryable: true, retryAfterMs: 1500 });
    openai.failNext({ kind: "rate_limit", retryAfter: null });
    const bare = await failureOf(openaiModel().complete(hello));
    expect(bare).toMatchObject({ retryable: true, retryAfterMs: undefined });
  });

  test("a connection lost mid-stream fails the answer; an unreachable endpoint is retryable", async () => {
    openai.failNext({ kind: "drop", afterChunks: 2 });
    expect(await failureOf(drain(openaiModel().stream(hello)))).toMatchObject({ code: "MODEL_ERROR", retryable: true });
    const down = createOpenAIModel({ baseUrl: "http://127.0.0.1:9/v1", apiKey: "x", timeoutMs: 2000 });
    expect(await failureOf(down.complete(hello))).toMatchObject({ code: "MODEL_ERROR", retryable: true });
    expect(await failureOf(drain(down.stream(hello)))).toMatchObject({ code: "MODEL_ERROR", retryable: true });
  });

  test("the provider's own timeout says how long it waited", async () => {
    openai.failNext({ kind: "delay", ms: 60_000 });
    const failure = await failureOf(openaiModel({ timeoutMs: 100 }).complete(hello));
    expect(failure).toMatchObject({ code: "MODEL_ERROR", retryable: true });
    expect(failure?.message).toMatch(/did not finish within 100 ms/);
  });
});
