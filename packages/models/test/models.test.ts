import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ModelError } from "@patchbay/core";
import { startFakeOpenAI } from "@patchbay/testing";
import type { FakeOpenAI } from "@patchbay/testing";
import { describeModelContract } from "@patchbay/testing/contracts";
import { createEchoModel } from "../src/echo-model.ts";
import { createOpenAIModel } from "../src/openai-model.ts";

let openai: FakeOpenAI;
beforeAll(async () => {
  openai = await startFakeOpenAI();
  openai.reply((request) => `About "${request.lastUserText}"`);
});
afterAll(async () => {
  await openai.close();
});

const openaiModel = (apiKey = openai.apiKey) => createOpenAIModel({ baseUrl: openai.url, apiKey, timeoutMs: 5000 });

describeModelContract("echo", async () => ({ model: createEchoModel(), name: "" }));
describeModelContract(
  "OpenAI-compatible Chat Completions",
  async () => ({ model: openaiModel(), name: "gpt-test" }),
  () => openai.failNext({ kind: "rate_limit", retryAfter: 1 }),
);

describe("echo model", () => {
  test("is clearly marked as a development echo", async () => {
    expect(await createEchoModel().complete({ model: "", messages: [{ role: "user", content: "hi" }] })).toBe(
      "[echo — development model, no AI] hi",
    );
  });
});

describe("OpenAI-compatible model", () => {
  test("sends the model, the messages as given and the bearer key", async () => {
    const before = openai.requests.length;
    await openaiModel().complete({
      model: "gpt-test",
      messages: [
        { role: "system", content: "You are Ada." },
        { role: "user", content: "Hello", name: "Grace" },
      ],
    });
    const request = openai.requests[before]!;
    expect(request.body).toEqual({
      model: "gpt-test",
      messages: [
        { role: "system", content: "You are Ada." },
        { role: "user", content: "Hello", name: "Grace" },
      ],
    });
    expect(request.authorization).toBe(`Bearer ${openai.apiKey}`);
  });

  test("the provider's error text is kept short and key-like strings are masked (it reaches the activity log)", async () => {
    openai.failNext({ kind: "error", status: 400, message: `Bad key sk-proj-abcdefghijklmnop and ${"x".repeat(500)}` });
    const failure = (await openaiModel().complete({ model: "gpt-test", messages: [{ role: "user", content: "x" }] }).catch((e: unknown) => e)) as ModelError;
    expect(failure.message).toContain("[redacted]");
    expect(failure.message).not.toContain("abcdefghijklmnop");
    expect(failure.message.length).toBeLessThan(260);
    expect(failure.retryable).toBe(false);
  });

  test("a refused key or bad request is a permanent ModelError; 5xx and unreachable are retryable", async () => {
    const wrongKey = await openaiModel("sk-wrong").complete({ model: "gpt-test", messages: [{ role: "user", content: "x" }] }).catch((e: unknown) => e);
    expect(wrongKey).toBeInstanceOf(ModelError);
    expect((wrongKey as ModelError).retryable).toBe(false);
    expect((wrongKey as ModelError).message).toMatch(/401/);
    openai.failNext({ kind: "server_error", status: 503 });
    expect(await openaiModel().complete({ model: "gpt-test", messages: [{ role: "user", content: "x" }] }).catch((e: ModelError) => e.retryable)).toBe(true);
    const down = createOpenAIModel({ baseUrl: "http://127.0.0.1:9/v1", apiKey: "x", timeoutMs: 2000 });
    expect(await down.complete({ model: "m", messages: [{ role: "user", content: "x" }] }).catch((e: ModelError) => e.retryable)).toBe(true);
  });
});
