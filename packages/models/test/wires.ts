/** Each provider's fake seen through the model contract: faults as the real service sends them, requests read back from its wire format. */
import type { AnthropicRequest, BedrockRequest, ChatRequest, FakeAnthropic, FakeBedrock, FakeOpenAI } from "@patchbay/testing";
import type { ContractFault, ModelWire, SeenRequest } from "@patchbay/testing/contracts";
import type { ReplicaModel } from "@patchbay/core";

/** Long enough that only the caller's signal ends it. */
const HANG_MS = 60_000;

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value);
const blocks = (content: unknown): Json[] => (Array.isArray(content) ? content.filter(isObject) : []);
const num = (value: unknown) => (typeof value === "number" ? value : undefined);

export function openAIWire(fake: FakeOpenAI, refusedKeyModel: () => ReplicaModel): ModelWire {
  return {
    rateLimitRetryAfterMs: 2000,
    refusedKeyModel,
    failNext(fault: ContractFault) {
      const failures = {
        forbidden: { kind: "error", status: 403, message: "Country, region, or territory not supported", type: "request_forbidden", code: "unsupported_country_region_territory" },
        rate_limit: { kind: "rate_limit", retryAfter: 2 },
        overloaded: { kind: "error", status: 503, message: "The engine is currently overloaded, please try again later", type: "server_error" },
        mid_stream_error: { kind: "stream_error", afterChunks: 3 },
        truncated: { kind: "truncate", afterChunks: 3 },
        hang: { kind: "delay", ms: HANG_MS },
      } as const;
      fake.failNext(failures[fault]);
    },
    lastRequest: () => seenOpenAI(fake.requests.at(-1)!),
  };
}

function seenOpenAI(request: ChatRequest): SeenRequest {
  return {
    stream: request.stream,
    system: request.messages.filter((m) => m.role === "system").map((m) => String(m.content)).join("\n"),
    lastUserText: request.lastUserText,
    temperature: num(request.body.temperature),
    maxOutputTokens: num(request.body.max_tokens ?? request.body.max_completion_tokens),
    images: request.lastUserImages.map(({ mediaType, base64 }) => ({ mediaType, base64 })),
  };
}

export function anthropicWire(fake: FakeAnthropic, refusedKeyModel: () => ReplicaModel): ModelWire {
  return {
    rateLimitRetryAfterMs: 2000,
    refusedKeyModel,
    failNext(fault: ContractFault) {
      const failures = {
        forbidden: { kind: "error", status: 403, type: "permission_error", message: "Your API key does not have permission to use the specified resource." },
        rate_limit: { kind: "rate_limit", retryAfter: 2 },
        overloaded: { kind: "overloaded" },
        // message_start, content_block_start, ping, then two deltas.
        mid_stream_error: { kind: "stream_error", afterEvents: 5 },
        truncated: { kind: "truncate", afterEvents: 5 },
        hang: { kind: "delay", ms: HANG_MS },
      } as const;
      fake.failNext(failures[fault]);
    },
    lastRequest: () => seenAnthropic(fake.requests.at(-1)!),
  };
}

function seenAnthropic(request: AnthropicRequest): SeenRequest {
  return {
    stream: request.stream,
    system: request.system,
    lastUserText: request.lastUserText,
    temperature: num(request.body.temperature),
    maxOutputTokens: num(request.body.max_tokens),
    images: request.lastUserImages,
  };
}

export function bedrockWire(fake: FakeBedrock, refusedKeyModel: () => ReplicaModel): ModelWire {
  return {
    // Bedrock's throttling carries no retry-after: the queue's backoff decides.
    rateLimitRetryAfterMs: undefined,
    refusedKeyModel,
    failNext(fault: ContractFault) {
      const failures = {
        forbidden: { kind: "access_denied" },
        rate_limit: { kind: "throttling" },
        overloaded: { kind: "unavailable" },
        // messageStart, then two deltas.
        mid_stream_error: { kind: "stream_exception", afterEvents: 3 },
        truncated: { kind: "truncate", afterEvents: 3 },
        hang: { kind: "delay", ms: HANG_MS },
      } as const;
      fake.failNext(failures[fault]);
    },
    lastRequest: () => seenBedrock(fake.requests.at(-1)!),
  };
}

function seenBedrock(request: BedrockRequest): SeenRequest {
  const messages = Array.isArray(request.body.messages) ? request.body.messages.filter(isObject) : [];
  const last = blocks(messages.findLast((m) => m.role === "user")?.content);
  const config = isObject(request.body.inferenceConfig) ? request.body.inferenceConfig : {};
  return {
    stream: request.operation === "converse-stream",
    system: blocks(request.body.system).map((block) => String(block.text)).join("\n"),
    lastUserText: last.map((block) => (typeof block.text === "string" ? block.text : "")).join(""),
    temperature: num(config.temperature),
    maxOutputTokens: num(config.maxTokens),
    images: request.lastUserImages,
  };
}
