import { describe, expect, test } from "vitest";
import { ModelError } from "@patchbay/core";
import type { ChatMessage, CompletionRequest, ReplicaModel } from "@patchbay/core";

export interface ModelUnderTest {
  model: ReplicaModel;
  /** A provider-local model name that accepts images. */
  name: string;
  /** A provider-local model name that takes text only, when the provider has one. */
  textOnlyName?: string;
}

/** Ways a provider fails, each produced by its fake the way the real service does it. */
export type ContractFault =
  /** The account may not use the model (OpenAI/Anthropic 403, Bedrock AccessDeniedException). */
  | "forbidden"
  /** A rate limit (429 with the provider's retry-after, Bedrock ThrottlingException). */
  | "rate_limit"
  /** Overload or a server fault (5xx, Anthropic 529, Bedrock ServiceUnavailableException). */
  | "overloaded"
  /** A few deltas, then the provider's error event inside the stream. */
  | "mid_stream_error"
  /** A few deltas, then the stream ends without the provider's end-of-answer event. */
  | "truncated"
  /** The provider takes the request and never answers. */
  | "hang";

/** A request as the provider's fake received it, read back from the provider's own wire format. */
export interface SeenRequest {
  /** Whether the streaming form of the API was called. */
  stream: boolean;
  /** The system prompt as the provider got it. */
  system: string;
  /** The text of the last user turn, exactly as sent. */
  lastUserText: string;
  temperature: number | undefined;
  maxOutputTokens: number | undefined;
  /** Images of the last user turn, decoded from the provider's format. */
  images: { mediaType: string; base64: string }[];
}

/** The wire side of a provider under test: its loopback fake, driven and read back. */
export interface ModelWire {
  /** Makes the next call fail as `fault`. */
  failNext(fault: ContractFault): void;
  /** The last request the fake received. */
  lastRequest(): SeenRequest;
  /** The same provider configured with a key (or credentials) the fake refuses. */
  refusedKeyModel(): ReplicaModel;
  /** The wait the rate-limit fault announces, in ms; undefined where the provider announces none (Bedrock). */
  rateLimitRetryAfterMs: number | undefined;
}

const CONVERSATION: ChatMessage[] = [
  { role: "system", content: "You are terse." },
  { role: "user", content: "first question", name: "Ada" },
  { role: "assistant", content: "first answer" },
  { role: "user", content: "second question", name: "Ada" },
];

/** 1×1 PNG. */
const PIXEL_PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
  "base64",
);

async function collect(stream: AsyncIterable<string>): Promise<string[]> {
  const deltas: string[] = [];
  for await (const delta of stream) deltas.push(delta);
  return deltas;
}

/** What a failing call threw, through complete() or by reading stream() to its end. */
async function failureOf(call: () => Promise<unknown>): Promise<ModelError> {
  const error = await call().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ModelError);
  return error as ModelError;
}

/**
 * What every ReplicaModel must do; run by each implementation's tests. Models behind a network pass
 * `wire`, their loopback fake, for the failure, retry-after, image and parameter parts of the contract.
 */
export function describeModelContract(name: string, make: () => Promise<ModelUnderTest>, wire?: () => ModelWire) {
  describe(`ReplicaModel contract: ${name}`, () => {
    const ask = (under: ModelUnderTest, extra: Partial<CompletionRequest> = {}): CompletionRequest => ({
      model: under.name,
      messages: CONVERSATION,
      ...extra,
    });

    test("answers a conversation with non-empty text about its last user message", async () => {
      const under = await make();
      const answer = await under.model.complete(ask(under));
      expect(typeof answer).toBe("string");
      expect(answer.trim().length).toBeGreaterThan(0);
      expect(answer).toContain("second question");
    });

    test("streams the same answer as text deltas, in order, ending once the provider says it is finished", async () => {
      const under = await make();
      const whole = await under.model.complete(ask(under));
      const deltas = await collect(under.model.stream(ask(under)));
      expect(deltas.length).toBeGreaterThan(1);
      for (const delta of deltas) expect(delta).not.toBe("");
      expect(deltas.join("")).toBe(whole);
    });

    test("says which models accept images", async () => {
      const under = await make();
      expect(under.model.acceptsImages(under.name)).toBe(true);
      if (under.textOnlyName !== undefined) expect(under.model.acceptsImages(under.textOnlyName)).toBe(false);
    });

    if (!wire) return;

    test("the person's text, the system prompt, temperature and max tokens reach the provider as given", async () => {
      const under = await make();
      await under.model.complete(ask(under, { temperature: 0.5, maxOutputTokens: 321 }));
      const seen = wire().lastRequest();
      expect(seen).toMatchObject({ stream: false, lastUserText: "second question", temperature: 0.5, maxOutputTokens: 321 });
      expect(seen.system).toContain("You are terse.");
      await collect(under.model.stream(ask(under, { temperature: 0, maxOutputTokens: 50 })));
      expect(wire().lastRequest()).toMatchObject({ stream: true, temperature: 0, maxOutputTokens: 50 });
    });

    test("without temperature or max tokens the provider's defaults apply (none is invented, except a required max)", async () => {
      const under = await make();
      await under.model.complete(ask(under));
      expect(wire().lastRequest().temperature).toBeUndefined();
    });

    test("images on the user's turn are sent inline in the provider's format, from bytes or base64", async () => {
      const under = await make();
      const messages: ChatMessage[] = [
        { role: "system", content: "Describe pictures." },
        { role: "user", content: "what is this?", images: [{ mediaType: "image/png", data: new Uint8Array(PIXEL_PNG) }, { mediaType: "image/jpeg", data: PIXEL_PNG.toString("base64") }] },
      ];
      await under.model.complete({ model: under.name, messages });
      const seen = wire().lastRequest();
      expect(seen.lastUserText).toBe("what is this?");
      expect(seen.images).toEqual([
        { mediaType: "image/png", base64: PIXEL_PNG.toString("base64") },
        { mediaType: "image/jpeg", base64: PIXEL_PNG.toString("base64") },
      ]);
      await collect(under.model.stream({ model: under.name, messages }));
      expect(wire().lastRequest().images).toHaveLength(2);
    });

    test("a picture with no text is sent as the picture alone, after earlier text-only turns", async () => {
      const under = await make();
      const messages: ChatMessage[] = [
        { role: "system", content: "Describe pictures." },
        { role: "user", content: "hi", name: "Ada" },
        { role: "assistant", content: "hello" },
        { role: "user", content: "", name: "Ada", images: [{ mediaType: "image/webp", data: PIXEL_PNG.toString("base64") }] },
      ];
      await under.model.complete({ model: under.name, messages });
      expect(wire().lastRequest()).toMatchObject({ lastUserText: "", images: [{ mediaType: "image/webp", base64: PIXEL_PNG.toString("base64") }] });
    });

    test("an error inside the stream fails the answer (never a short success)", async () => {
      const under = await make();
      wire().failNext("mid_stream_error");
      const deltas: string[] = [];
      const failure = await failureOf(async () => {
        for await (const delta of under.model.stream(ask(under))) deltas.push(delta);
      });
      expect(deltas.length).toBeGreaterThan(0);
      expect(failure).toMatchObject({ code: "MODEL_ERROR", retryable: true });
    });

    test("a stream that ends before the provider's end-of-answer event fails as retryable", async () => {
      const under = await make();
      wire().failNext("truncated");
      const failure = await failureOf(() => collect(under.model.stream(ask(under))));
      expect(failure).toMatchObject({ code: "MODEL_ERROR", retryable: true });
      expect(failure.message).toMatch(/broke off/);
    });

    test("a refused key is MODEL_AUTH, not retryable, whether streamed or not", async () => {
      const under = await make();
      const refused = wire().refusedKeyModel();
      for (const failure of [await failureOf(() => refused.complete(ask(under))), await failureOf(() => collect(refused.stream(ask(under))))]) {
        expect(failure).toMatchObject({ code: "MODEL_AUTH", retryable: false });
      }
    });

    test("a model the account may not use is MODEL_AUTH, not retryable", async () => {
      const under = await make();
      wire().failNext("forbidden");
      expect(await failureOf(() => under.model.complete(ask(under)))).toMatchObject({ code: "MODEL_AUTH", retryable: false });
      wire().failNext("forbidden");
      expect(await failureOf(() => collect(under.model.stream(ask(under))))).toMatchObject({ code: "MODEL_AUTH", retryable: false });
    });

    test("a rate limit is retryable after the wait the provider asks for", async () => {
      const under = await make();
      const expected = wire().rateLimitRetryAfterMs;
      wire().failNext("rate_limit");
      expect(await failureOf(() => under.model.complete(ask(under)))).toMatchObject({ code: "MODEL_ERROR", retryable: true, retryAfterMs: expected });
      wire().failNext("rate_limit");
      expect(await failureOf(() => collect(under.model.stream(ask(under))))).toMatchObject({ code: "MODEL_ERROR", retryable: true, retryAfterMs: expected });
    });

    test("overload and server faults are retryable", async () => {
      const under = await make();
      wire().failNext("overloaded");
      expect(await failureOf(() => under.model.complete(ask(under)))).toMatchObject({ code: "MODEL_ERROR", retryable: true });
      wire().failNext("overloaded");
      expect(await failureOf(() => collect(under.model.stream(ask(under))))).toMatchObject({ code: "MODEL_ERROR", retryable: true });
    });

    test("a call cancelled by the caller's signal is a retryable MODEL_ERROR", async () => {
      const under = await make();
      wire().failNext("hang");
      const cancelled = await failureOf(() => under.model.complete(ask(under, { signal: AbortSignal.timeout(100) })));
      expect(cancelled).toMatchObject({ code: "MODEL_ERROR", retryable: true, message: expect.stringMatching(/cancelled/) });
      wire().failNext("hang");
      const streamCancelled = await failureOf(() => collect(under.model.stream(ask(under, { signal: AbortSignal.timeout(100) }))));
      expect(streamCancelled).toMatchObject({ code: "MODEL_ERROR", retryable: true });
    });
  });
}
