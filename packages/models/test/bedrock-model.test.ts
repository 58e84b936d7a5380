import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import type { CompletionRequest, ModelError } from "@patchbay/core";
import { startFakeBedrock } from "@patchbay/testing";
import type { FakeBedrock } from "@patchbay/testing";
import { describeModelContract } from "@patchbay/testing/contracts";
import { createBedrockModel } from "../src/bedrock-model.ts";
import type { BedrockModelConfig } from "../src/bedrock-model.ts";
import { bedrockWire } from "./wires.ts";

const PROFILE = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";

let bedrock: FakeBedrock;
beforeAll(async () => {
  bedrock = await startFakeBedrock({ region: "eu-west-1" });
});
beforeEach(() => {
  bedrock.reset();
  bedrock.reply((request) => {
    const messages = request.body.messages as { role: string; content: { text?: string }[] }[];
    const last = messages.findLast((m) => m.role === "user")!;
    return `About "${last.content.map((block) => block.text ?? "").join("")}"`;
  });
});
afterAll(async () => {
  await bedrock.close();
});

const bedrockModel = (config: Partial<BedrockModelConfig> = {}) =>
  createBedrockModel({ region: bedrock.region, endpoint: bedrock.endpoint, credentials: bedrock.credentials, timeoutMs: 5000, ...config });
const hello: CompletionRequest = { model: PROFILE, messages: [{ role: "user", content: "x" }] };
const failureOf = (promise: Promise<unknown>) => promise.then(() => undefined, (e: unknown) => e as ModelError);
const drain = async (stream: AsyncIterable<string>) => {
  let text = "";
  for await (const delta of stream) text += delta;
  return text;
};

describeModelContract(
  "Bedrock Converse",
  async () => ({ model: bedrockModel(), name: PROFILE, textOnlyName: "amazon.nova-micro-v1:0" }),
  () => bedrockWire(bedrock, () => bedrockModel({ credentials: { ...bedrock.credentials, secretAccessKey: "not-the-secret" } })),
);

describe("Bedrock model on the wire", () => {
  test("Converse is SigV4-signed for bedrock in the configured region, the model id URL-encoded in the path", async () => {
    await bedrockModel().complete({
      model: PROFILE,
      maxOutputTokens: 200,
      temperature: 1.7,
      messages: [
        { role: "system", content: "You are Ada." },
        { role: "user", content: "Hello", name: "Grace" },
      ],
    });
    const request = bedrock.requests.at(-1)!;
    expect(request).toMatchObject({
      operation: "converse",
      modelId: PROFILE,
      path: `/model/${encodeURIComponent(PROFILE)}/converse`,
      signature: "valid",
      scope: { accessKeyId: bedrock.credentials.accessKeyId, region: "eu-west-1", service: "bedrock" },
      status: 200,
    });
    // The model id travels in the path only.
    expect(request.body).toEqual({
      messages: [{ role: "user", content: [{ text: "Hello" }] }],
      system: [{ text: "You are Ada.\n\nThe user messages come from people in a chat. Their senders, oldest first: Grace. The latest message is from Grace." }],
      // Bedrock's models take temperatures up to 1.
      inferenceConfig: { maxTokens: 200, temperature: 1 },
    });
  });

  test("ConverseStream answers through the event stream (padding fields and metadata ignored)", async () => {
    expect(await drain(bedrockModel().stream(hello))).toBe('About "x"');
    expect(bedrock.requests.at(-1)).toMatchObject({ operation: "converse-stream", signature: "valid" });
  });

  test("images go as raw bytes (base64 on the wire) before the text; turns alternate, starting with the person", async () => {
    await bedrockModel().complete({
      model: "amazon.nova-lite-v1:0",
      messages: [
        { role: "assistant", content: "Welcome!" },
        { role: "user", content: "look", images: [{ mediaType: "image/webp", data: new Uint8Array([1, 2, 3]) }] },
        { role: "user", content: "closer" },
      ],
    });
    expect(bedrock.requests.at(-1)!.body.messages).toEqual([
      { role: "user", content: [{ image: { format: "webp", source: { bytes: "AQID" } } }, { text: "look\n\ncloser" }] },
    ]);
  });

  test("inference profiles, foundation models and ARNs: images where the model behind takes them", () => {
    const model = bedrockModel();
    expect(model.acceptsImages("global.anthropic.claude-opus-4-5-20251101-v1:0")).toBe(true);
    expect(model.acceptsImages("anthropic.claude-3-5-haiku-20241022-v1:0")).toBe(false);
    expect(model.acceptsImages("arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.amazon.nova-pro-v1:0")).toBe(true);
    expect(model.acceptsImages("meta.llama3-1-8b-instruct-v1:0")).toBe(false);
  });

  test("AWS_ENDPOINT_URL_BEDROCK_RUNTIME points the SDK at another endpoint when none is configured", async () => {
    const before = process.env.AWS_ENDPOINT_URL_BEDROCK_RUNTIME;
    process.env.AWS_ENDPOINT_URL_BEDROCK_RUNTIME = bedrock.endpoint;
    try {
      const model = createBedrockModel({ region: bedrock.region, credentials: bedrock.credentials, timeoutMs: 5000 });
      expect(await model.complete(hello)).toBe('About "x"');
    } finally {
      if (before === undefined) delete process.env.AWS_ENDPOINT_URL_BEDROCK_RUNTIME;
      else process.env.AWS_ENDPOINT_URL_BEDROCK_RUNTIME = before;
    }
  });
});

describe("Bedrock model errors", () => {
  test("unknown credentials and a refused model are MODEL_AUTH naming what to check", async () => {
    const stranger = bedrockModel({ credentials: { accessKeyId: "AKIAUNKNOWN000000000", secretAccessKey: "x" }, accessHint: "the responder's IAM role" });
    const unknown = await failureOf(stranger.complete(hello));
    expect(unknown).toMatchObject({ code: "MODEL_AUTH", retryable: false });
    expect(unknown?.message).toMatch(/403 UnrecognizedClientException: .* check the model id and the responder's IAM role/);
    bedrock.failNext({ kind: "access_denied" });
    expect(await failureOf(bedrockModel().complete(hello))).toMatchObject({ code: "MODEL_AUTH", message: expect.stringMatching(/AccessDeniedException/) });
  });

  test("an invalid model id is MODEL_AUTH; any other validation failure is a MODEL_ERROR no retry fixes", async () => {
    const strict = await startFakeBedrock({ models: [PROFILE] });
    try {
      const model = createBedrockModel({ region: strict.region, endpoint: strict.endpoint, credentials: strict.credentials, timeoutMs: 5000 });
      expect(await failureOf(model.complete({ ...hello, model: "anthropic.claude-nope" }))).toMatchObject({ code: "MODEL_AUTH", retryable: false });
    } finally {
      await strict.close();
    }
    bedrock.failNext({ kind: "error", status: 400, name: "ValidationException", message: "Input is too long for requested model." });
    expect(await failureOf(bedrockModel().complete(hello))).toMatchObject({ code: "MODEL_ERROR", retryable: false });
  });

  test("throttling inside the stream is retryable; the SDK does not retry on its own (the queue does)", async () => {
    bedrock.failNext({ kind: "stream_exception", afterEvents: 2, exception: "throttlingException", message: "Too many tokens, please wait before trying again." });
    expect(await failureOf(drain(bedrockModel().stream(hello)))).toMatchObject({ code: "MODEL_ERROR", retryable: true, message: expect.stringMatching(/ThrottlingException/) });
    bedrock.failNext({ kind: "throttling" });
    const before = bedrock.requests.length;
    await failureOf(bedrockModel().complete(hello));
    expect(bedrock.requests.length - before).toBe(1);
  });

  test("a reset stream and an unreachable endpoint are retryable", async () => {
    bedrock.failNext({ kind: "drop" });
    expect(await failureOf(bedrockModel().complete(hello))).toMatchObject({ code: "MODEL_ERROR", retryable: true });
    const down = bedrockModel({ endpoint: "http://127.0.0.1:9" });
    expect(await failureOf(drain(down.stream(hello)))).toMatchObject({ code: "MODEL_ERROR", retryable: true });
  });
});
