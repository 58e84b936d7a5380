/**
 * A fake Anthropic Messages API on loopback: `POST /v1/messages` (plain JSON or `stream: true`
 * server-sent events with `message_start` … `ping` … `message_stop`), Anthropic-shaped errors
 * (`{"type":"error","error":{"type","message"},"request_id"}`) and programmable faults: 429 with and
 * without `retry-after`, 529 overloaded, mid-stream `event: error`, cut streams.
 */
import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { FaultQueue, dropConnection, readBody, sendJson, sleep, startLoopbackServer } from "./http-helpers.ts";

/** One message of a request as sent (content is a string or content blocks). */
export interface AnthropicMessage {
  role: string;
  content: unknown;
}

/** A request received on /v1/messages (recorded even when it was rejected). */
export interface AnthropicRequest {
  /** Parsed JSON body ({} when it was not valid JSON). */
  body: Record<string, unknown>;
  model: string;
  /** Top-level `system`, as text ("" when absent). */
  system: string;
  messages: AnthropicMessage[];
  /** Text of the last user message ("" if none). */
  lastUserText: string;
  /** The base64 image blocks of the last user message, in order. */
  lastUserImages: { mediaType: string; base64: string }[];
  stream: boolean;
  /** The `x-api-key` header. */
  apiKey: string | undefined;
  /** The `anthropic-version` header. */
  version: string | undefined;
  /** All request headers (lower-cased names). */
  headers: Record<string, string>;
  /** Request path, e.g. /v1/messages. */
  path: string;
  /** HTTP status answered; undefined while pending or if the connection was dropped. */
  status?: number;
}

/** A programmable fault for the next message request(s). */
export type AnthropicFailure =
  /** 429 rate_limit_error with `retry-after` seconds (default 1); null sends none, as a spend-cap 429 does. */
  | { kind: "rate_limit"; retryAfter?: number | null }
  /** 529 overloaded_error. */
  | { kind: "overloaded" }
  /** 500 api_error (or another 5xx). */
  | { kind: "server_error"; status?: number }
  | { kind: "error"; status: number; type: string; message: string }
  | { kind: "delay"; ms: number }
  | { kind: "drop" }
  /** Streams `afterEvents` events, then `event: error` (default overloaded_error) and ends, as the API does after HTTP 200. */
  | { kind: "stream_error"; afterEvents: number; type?: string; message?: string }
  /** Streams `afterEvents` events, then ends cleanly without message_stop. */
  | { kind: "truncate"; afterEvents: number };

export interface FakeAnthropicOptions {
  /** The only accepted API key; default "sk-ant-fake-test-key". */
  apiKey?: string;
  /** If given, other models answer 404 not_found_error. */
  models?: string[];
}

export type FakeAnthropicReplyFn = (request: AnthropicRequest) => string | Promise<string>;

export interface FakeAnthropic {
  /** Base URL without /v1, like https://api.anthropic.com (both `{url}/v1/messages` and `{url}/messages` are served). */
  url: string;
  apiKey: string;
  /** Every message request received, in order. */
  requests: AnthropicRequest[];
  /** Replace the answer generator (default: `Echo: <last user message>`). */
  reply(fn: FakeAnthropicReplyFn): void;
  /** Make the next `times` (default 1) message requests fail as described. */
  failNext(failure: AnthropicFailure, times?: number): void;
  /** Clear recorded requests and faults, restore the default reply. */
  reset(): void;
  close(): Promise<void>;
}

const IMAGE_TYPES = ["image/jpeg", "image/png", "image/gif", "image/webp"];

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function imagesOf(content: unknown): AnthropicRequest["lastUserImages"] {
  if (!Array.isArray(content)) return [];
  return content.flatMap((block) =>
    isObject(block) && block.type === "image" && isObject(block.source) && block.source.type === "base64"
      ? [{ mediaType: String(block.source.media_type), base64: String(block.source.data) }]
      : [],
  );
}

function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .filter((block): block is { text: string } => isObject(block) && block.type === "text" && typeof block.text === "string")
    .map((block) => block.text)
    .join("\n");
}

const estimateTokens = (text: string) => Math.ceil(text.length / 4);
const pieces = (text: string) => text.match(/\s*\S+\s*|\s+/g) ?? [];

/** What the API says about an invalid body, or undefined when it would accept it. */
function invalidBody(body: Record<string, unknown>): string | undefined {
  if (typeof body.model !== "string" || body.model === "") return "model: Field required";
  if (body.max_tokens === undefined) return "max_tokens: Field required";
  if (!Number.isInteger(body.max_tokens) || (body.max_tokens as number) < 1) return "max_tokens: Input should be a valid integer greater than or equal to 1";
  if (body.temperature !== undefined && !(typeof body.temperature === "number" && body.temperature >= 0 && body.temperature <= 1)) {
    return "temperature: range: 0..1";
  }
  if (body.system !== undefined && typeof body.system !== "string" && !Array.isArray(body.system)) return "system: Input should be a valid list";
  if (!Array.isArray(body.messages)) return "messages: Field required";
  if (body.messages.length === 0) return "messages: at least one message is required";
  for (const [i, message] of body.messages.entries()) {
    if (!isObject(message)) return `messages.${i}: Input should be a valid dictionary`;
    if (message.role !== "user" && message.role !== "assistant") return `messages.${i}.role: Input should be 'user' or 'assistant'`;
    if (typeof message.content === "string") {
      if (message.content === "") return `messages.${i}: user messages must have non-empty content`;
      continue;
    }
    if (!Array.isArray(message.content)) return `messages.${i}.content: Input should be a valid list`;
    for (const [j, block] of message.content.entries()) {
      const at = `messages.${i}.content.${j}`;
      if (!isObject(block)) return `${at}: Input should be a valid dictionary`;
      if (block.type === "text" && (typeof block.text !== "string" || block.text === "")) return `${at}.text: text content blocks must be non-empty`;
      if (block.type === "image") {
        const source = block.source;
        if (!isObject(source) || source.type !== "base64") return `${at}.source: Input tag does not match any of the expected tags: 'base64', 'url'`;
        if (!IMAGE_TYPES.includes(String(source.media_type))) {
          return `${at}.source.base64.media_type: Input should be 'image/jpeg', 'image/png', 'image/gif' or 'image/webp'`;
        }
        if (typeof source.data !== "string" || source.data === "" || !/^[A-Za-z0-9+/]+={0,2}$/.test(source.data)) {
          return `${at}.source.base64.data: The image data is not valid base64`;
        }
      }
    }
  }
  return undefined;
}

const defaultReply: FakeAnthropicReplyFn = (request) => `Echo: ${request.lastUserText}`;

/** Start a fake Anthropic Messages API on 127.0.0.1 with an ephemeral port. */
export async function startFakeAnthropic(options: FakeAnthropicOptions = {}): Promise<FakeAnthropic> {
  const apiKey = options.apiKey ?? "sk-ant-fake-test-key";
  const requests: AnthropicRequest[] = [];
  const faults = new FaultQueue<AnthropicFailure>();
  let replyFn = defaultReply;

  const handle = async (req: IncomingMessage, res: ServerResponse, signal: AbortSignal): Promise<void> => {
    const path = new URL(req.url ?? "/", "http://127.0.0.1").pathname.replace(/\/+$/, "");
    const raw = await readBody(req);
    const requestId = `req_${randomBytes(12).toString("hex")}`;
    const fail = (status: number, type: string, message: string, headers: Record<string, string> = {}) => {
      sendJson(res, status, { type: "error", error: { type, message }, request_id: requestId }, { "request-id": requestId, ...headers });
    };
    if (req.method !== "POST" || (path !== "/v1/messages" && path !== "/messages")) {
      fail(404, "not_found_error", "Not Found");
      return;
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) if (typeof value === "string") headers[name] = value;
    let body: Record<string, unknown> = {};
    let parsed = true;
    try {
      const json: unknown = JSON.parse(raw.toString("utf8"));
      if (isObject(json)) body = json;
      else parsed = false;
    } catch {
      parsed = false;
    }
    const messages = (Array.isArray(body.messages) ? body.messages.filter(isObject) : []) as unknown as AnthropicMessage[];
    const request: AnthropicRequest = {
      body,
      model: typeof body.model === "string" ? body.model : "",
      system: textOf(body.system),
      messages,
      lastUserText: textOf(messages.findLast((m) => m.role === "user")?.content),
      lastUserImages: imagesOf(messages.findLast((m) => m.role === "user")?.content),
      stream: body.stream === true,
      apiKey: headers["x-api-key"],
      version: headers["anthropic-version"],
      headers,
      path,
    };
    requests.push(request);
    const answer = (status: number, type: string, message: string, extra: Record<string, string> = {}) => {
      request.status = status;
      fail(status, type, message, extra);
    };

    if (!request.apiKey) return answer(401, "authentication_error", "x-api-key header is required");
    if (request.apiKey !== apiKey) return answer(401, "authentication_error", "invalid x-api-key");
    if (!request.version) return answer(400, "invalid_request_error", "anthropic-version: header is required");
    if (!parsed) return answer(400, "invalid_request_error", "There was an error parsing the body of your request: it is not valid JSON");
    const invalid = invalidBody(body);
    if (invalid) return answer(400, "invalid_request_error", invalid);
    if (options.models && !options.models.includes(request.model)) return answer(404, "not_found_error", `model: ${request.model}`);

    let cut: { afterEvents: number; error?: { type: string; message: string } } | undefined;
    const failure = faults.take("messages");
    switch (failure?.kind) {
      case undefined:
        break;
      case "rate_limit": {
        const retryAfter = failure.retryAfter === undefined ? 1 : failure.retryAfter;
        return retryAfter === null
          ? answer(429, "rate_limit_error", "This request would exceed your organization's monthly usage limit. Raise the limit in the Console.")
          : answer(429, "rate_limit_error", "This request would exceed the rate limit for your organization of 50 requests per minute.", {
              "retry-after": String(retryAfter),
            });
      }
      case "overloaded":
        return answer(529, "overloaded_error", "Overloaded");
      case "server_error":
        return answer(failure.status ?? 500, "api_error", "Internal server error");
      case "error":
        return answer(failure.status, failure.type, failure.message);
      case "delay":
        await sleep(failure.ms, signal);
        if (signal.aborted) return;
        break;
      case "drop":
        dropConnection(req, res);
        return;
      case "stream_error":
        cut = { afterEvents: failure.afterEvents, error: { type: failure.type ?? "overloaded_error", message: failure.message ?? "Overloaded" } };
        break;
      case "truncate":
        cut = { afterEvents: failure.afterEvents };
        break;
    }

    let text = await replyFn(request);
    let stopReason = "end_turn";
    const maxTokens = body.max_tokens as number;
    if (estimateTokens(text) > maxTokens) {
      text = text.slice(0, maxTokens * 4);
      stopReason = "max_tokens";
    }
    const id = `msg_${randomBytes(12).toString("hex")}`;
    const inputTokens = estimateTokens(request.system + messages.map((m) => textOf(m.content)).join(""));
    const outputTokens = estimateTokens(text);
    if (!request.stream) {
      request.status = 200;
      sendJson(
        res,
        200,
        {
          id,
          type: "message",
          role: "assistant",
          model: request.model,
          content: [{ type: "text", text }],
          stop_reason: stopReason,
          stop_sequence: null,
          usage: { input_tokens: inputTokens, output_tokens: outputTokens },
        },
        { "request-id": requestId },
      );
      return;
    }

    request.status = 200;
    res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", "request-id": requestId });
    const events: Record<string, unknown>[] = [
      {
        type: "message_start",
        message: { id, type: "message", role: "assistant", content: [], model: request.model, stop_reason: null, stop_sequence: null, usage: { input_tokens: inputTokens, output_tokens: 1 } },
      },
      { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } },
      { type: "ping" },
      ...pieces(text).map((piece) => ({ type: "content_block_delta", index: 0, delta: { type: "text_delta", text: piece } })),
      { type: "content_block_stop", index: 0 },
      { type: "message_delta", delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: outputTokens } },
      { type: "message_stop" },
    ];
    for (const [index, event] of events.entries()) {
      if (cut && index >= cut.afterEvents) {
        res.end(cut.error ? `event: error\ndata: ${JSON.stringify({ type: "error", error: cut.error })}\n\n` : undefined);
        return;
      }
      if (res.destroyed) return;
      res.write(`event: ${String(event.type)}\ndata: ${JSON.stringify(event)}\n\n`);
    }
    res.end();
  };

  const server = await startLoopbackServer(async (req, res, signal) => {
    await handle(req, res, signal);
  });
  return {
    url: server.origin,
    apiKey,
    requests,
    reply(fn) {
      replyFn = fn;
    },
    failNext(failure, times = 1) {
      faults.add("messages", failure, times);
    },
    reset() {
      requests.length = 0;
      faults.clear();
      replyFn = defaultReply;
    },
    close: () => server.close(),
  };
}
