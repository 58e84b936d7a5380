/**
 * A fake OpenAI-compatible Chat Completions server on loopback: `POST /v1/chat/completions`
 * (plain JSON or `stream: true` server-sent events) and `GET /v1/models`, with OpenAI-shaped
 * error bodies (`{"error":{"message","type","param","code"}}`) and programmable faults.
 */
import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { FaultQueue, dropConnection, readBody, sendJson, sleep, startLoopbackServer } from "./http-helpers.ts";

/** One chat message of a request (loosely typed; content may be a string or an array of parts). */
export interface ChatMessage {
  /** "system" | "developer" | "user" | "assistant" | "tool" | "function". */
  role: string;
  /** String content or content parts. */
  content?: unknown;
  /** Other fields, passed through untouched. */
  [key: string]: unknown;
}

/** A request received on /v1/chat/completions (recorded even when it was rejected). */
export interface ChatRequest {
  /** Parsed JSON body ({} when it was not valid JSON). */
  body: Record<string, unknown>;
  /** `model` from the body ("" if missing). */
  model: string;
  /** `messages` from the body ([] if missing or invalid). */
  messages: ChatMessage[];
  /** Text of the last user message ("" if none). */
  lastUserText: string;
  /** The image parts of the last user message, decoded from their data URLs (a remote URL keeps its URL as `url`). */
  lastUserImages: { mediaType: string; base64: string; url?: string }[];
  /** True when `stream: true` was requested. */
  stream: boolean;
  /** Raw Authorization header. */
  authorization: string | undefined;
  /** All request headers (lower-cased names). */
  headers: Record<string, string>;
  /** Date.now() when the request arrived. */
  at: number;
  /** HTTP status answered; undefined while pending or if the connection was dropped. */
  status?: number;
}

/** A programmable fault for the next completion request(s). */
export type OpenAIFailure =
  /** 429 rate_limit_exceeded; `retryAfter` seconds in `retry-after` (default 1, null: no header), `retryAfterMs` in `retry-after-ms`. */
  | { kind: "rate_limit"; retryAfter?: number | null; retryAfterMs?: number; message?: string }
  /** 429 insufficient_quota: the credits are gone (no retry-after; waiting never helps). */
  | { kind: "insufficient_quota" }
  | { kind: "server_error"; status?: number; message?: string }
  | { kind: "error"; status: number; message: string; type?: string; param?: string | null; code?: string | null }
  | { kind: "delay"; ms: number }
  | { kind: "drop"; afterChunks?: number }
  /** Streams `afterChunks` chunks, then a `data: {"error": …}` event (as OpenAI and OpenRouter do mid-stream), then ends. */
  | { kind: "stream_error"; afterChunks: number; message?: string; type?: string; code?: string | null }
  /** Streams `afterChunks` chunks, then ends the response cleanly: no finish_reason, no [DONE]. */
  | { kind: "truncate"; afterChunks: number };

/** Options for {@link startFakeOpenAI}. */
export interface FakeOpenAIOptions {
  /** The only accepted API key; default "sk-fake-test-key". */
  apiKey?: string;
  /** If given, other models answer 404 model_not_found. */
  models?: string[];
  /** Refuse any message `name` field with 422, as Mistral and several other compatible servers do. */
  rejectNames?: boolean;
  /** Send `: keep-alive` comment lines between stream events, as OpenRouter does. */
  keepAliveComments?: boolean;
  /** Wait this long before each streamed text chunk (one chunk is about one word), like a model writing; default 0. */
  chunkDelayMs?: number;
}

/** A stream held mid-answer by {@link FakeOpenAI.holdNextStream}. */
export interface StreamHold {
  /** Resolves once the held stream has sent its first `afterChunks` text chunks and waits. */
  reached: Promise<void>;
  /** Lets the stream go on to its end. */
  release(): void;
}

/** Function producing the assistant's answer for a request. */
export type FakeOpenAIReplyFn = (req: ChatRequest) => string | Promise<string>;

/** Handle to a running fake OpenAI server. */
export interface FakeOpenAI {
  /** Base URL ending in /v1, to use instead of https://api.openai.com/v1. */
  url: string;
  /** The accepted API key. */
  apiKey: string;
  /** Every chat completion request received, in order. */
  requests: ChatRequest[];
  /** Replace the answer generator (default: `Echo: <last user message>`). */
  reply(fn: FakeOpenAIReplyFn): void;
  /** Make the next `times` (default 1) completion requests fail as described. */
  failNext(failure: OpenAIFailure, times?: number): void;
  /** Forget all pending faults. */
  clearFailures(): void;
  /** Pace streamed answers: wait `ms` before each text chunk (0: as fast as possible). */
  setChunkDelay(ms: number): void;
  /** The next streamed answer stops after `afterChunks` text chunks until released (or until the client goes away). */
  holdNextStream(afterChunks: number): StreamHold;
  /** Clear recorded requests, faults and holds; restore the default reply and pace. */
  reset(): void;
  /** Stop the server. */
  close(): Promise<void>;
}

interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

const VALID_ROLES = ["system", "assistant", "user", "function", "tool", "developer"];

function errorBody(message: string, type: string, param: string | null = null, code: string | null = null): OpenAIErrorBody {
  return { error: { message, type, param, code } };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function jsonTypeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  if (typeof value === "number") return Number.isInteger(value) ? "an integer" : "a decimal";
  if (typeof value === "boolean") return "a boolean";
  return `a ${typeof value}`;
}

/** Concatenated text of a message's content (string, or the text parts of an array). */
function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    return content
      .map((part) => (isPlainObject(part) && typeof part.text === "string" ? part.text : ""))
      .filter((t) => t !== "")
      .join("\n");
  }
  return "";
}

function contentImages(content: unknown): ChatRequest["lastUserImages"] {
  if (!Array.isArray(content)) return [];
  return content.flatMap((part) => {
    if (!isPlainObject(part) || part.type !== "image_url" || !isPlainObject(part.image_url)) return [];
    const url = String(part.image_url.url);
    const data = /^data:([^;]+);base64,(.*)$/.exec(url);
    return [data ? { mediaType: data[1]!, base64: data[2]! } : { mediaType: "", base64: "", url }];
  });
}

/** Rough token estimate (~4 characters per token), deterministic. */
function estimateTokens(text: string): number {
  return text.length === 0 ? 0 : Math.ceil(text.length / 4);
}

function maskKey(key: string): string {
  if (key.length <= 8) return `${key.slice(0, 2)}***${key.slice(-2)}`;
  return `${key.slice(0, 3)}${"*".repeat(Math.min(40, key.length - 7))}${key.slice(-4)}`;
}

function validateMessages(messages: unknown): OpenAIErrorBody | undefined {
  if (messages === undefined) {
    return errorBody("Missing required parameter: 'messages'.", "invalid_request_error", "messages", "missing_required_parameter");
  }
  if (!Array.isArray(messages)) {
    return errorBody(
      `Invalid type for 'messages': expected an array, but got ${jsonTypeName(messages)} instead.`,
      "invalid_request_error",
      "messages",
      "invalid_type",
    );
  }
  if (messages.length === 0) {
    return errorBody(
      "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.",
      "invalid_request_error",
      "messages",
      "empty_array",
    );
  }
  for (const [i, message] of messages.entries()) {
    const path = `messages[${i}]`;
    if (!isPlainObject(message)) {
      return errorBody(
        `Invalid type for '${path}': expected an object, but got ${jsonTypeName(message)} instead.`,
        "invalid_request_error",
        path,
        "invalid_type",
      );
    }
    if (message.role === undefined) {
      return errorBody(
        `Missing required parameter: '${path}.role'.`,
        "invalid_request_error",
        `${path}.role`,
        "missing_required_parameter",
      );
    }
    if (typeof message.role !== "string" || !VALID_ROLES.includes(message.role)) {
      return errorBody(
        `Invalid value: '${String(message.role)}'. Supported values are: 'system', 'assistant', 'user', 'function', 'tool', and 'developer'.`,
        "invalid_request_error",
        `${path}.role`,
        "invalid_value",
      );
    }
    if (Array.isArray(message.content)) {
      for (const [j, part] of message.content.entries()) {
        const url = isPlainObject(part) && isPlainObject(part.image_url) ? part.image_url.url : undefined;
        if (isPlainObject(part) && part.type === "image_url" && !(typeof url === "string" && /^(data:image\/(png|jpeg|gif|webp);base64,|https?:\/\/)/.test(url))) {
          return errorBody(
            `Invalid '${path}.content[${j}].image_url.url'. Expected a base64-encoded data URL with an image MIME type (e.g. 'data:image/png;base64,aW1nIGJ5dGVzIGhlcmU='), but got an invalid value.`,
            "invalid_request_error",
            `${path}.content[${j}].image_url.url`,
            "invalid_value",
          );
        }
      }
    }
    if (message.content === undefined && message.role !== "assistant") {
      return errorBody(
        `Missing required parameter: '${path}.content'.`,
        "invalid_request_error",
        `${path}.content`,
        "missing_required_parameter",
      );
    }
  }
  return undefined;
}

/** Split text into stream deltas of roughly one word each (whitespace stays attached). */
function streamPieces(text: string): string[] {
  return text.match(/\s*\S+\s*|\s+/g) ?? [];
}

const defaultReply: FakeOpenAIReplyFn = (req) => `Echo: ${req.lastUserText}`;

/** Start a fake OpenAI Chat Completions server on 127.0.0.1 with an ephemeral port. */
export async function startFakeOpenAI(options: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  const apiKey = options.apiKey ?? "sk-fake-test-key";
  const requests: ChatRequest[] = [];
  const faults = new FaultQueue<OpenAIFailure>();
  let replyFn: FakeOpenAIReplyFn = defaultReply;
  let chunkDelayMs = options.chunkDelayMs ?? 0;
  const holds: { afterChunks: number; arrive: () => void; released: Promise<void> }[] = [];

  function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    sendJson(res, status, body, { "x-request-id": `req_${randomBytes(16).toString("hex")}`, ...headers });
  }

  async function handleCompletion(
    req: IncomingMessage,
    res: ServerResponse,
    signal: AbortSignal,
    rawBody: Buffer,
  ): Promise<void> {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (typeof value === "string") headers[name] = value;
      else if (Array.isArray(value)) headers[name] = value.join(", ");
    }
    let body: Record<string, unknown> = {};
    let bodyError: OpenAIErrorBody | undefined;
    try {
      const parsed: unknown = JSON.parse(rawBody.toString("utf8"));
      if (isPlainObject(parsed)) body = parsed;
      else {
        bodyError = errorBody(
          `Invalid type for body: expected an object, but got ${jsonTypeName(parsed)} instead.`,
          "invalid_request_error",
        );
      }
    } catch {
      bodyError = errorBody(
        "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you have trouble figuring out how to fix this, please contact us through our help center at help.openai.com.)",
        "invalid_request_error",
      );
    }
    const messages = Array.isArray(body.messages)
      ? (body.messages.filter((m) => isPlainObject(m)) as ChatMessage[])
      : [];
    const lastUser = [...messages].reverse().find((m) => m.role === "user");
    const request: ChatRequest = {
      body,
      model: typeof body.model === "string" ? body.model : "",
      messages,
      lastUserText: lastUser ? contentText(lastUser.content) : "",
      lastUserImages: lastUser ? contentImages(lastUser.content) : [],
      stream: body.stream === true,
      authorization: req.headers.authorization,
      headers,
      at: Date.now(),
    };
    requests.push(request);
    const answer = (status: number, payload: unknown, extra: Record<string, string> = {}): void => {
      request.status = status;
      send(res, status, payload, extra);
    };

    const auth = req.headers.authorization ?? "";
    const bearer = /^Bearer\s+(.+)$/i.exec(auth)?.[1]?.trim();
    if (!bearer) {
      answer(
        401,
        errorBody(
          "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're accessing the API from your browser and are prompted for a username and password. You can obtain an API key from https://platform.openai.com/account/api-keys.",
          "invalid_request_error",
        ),
      );
      return;
    }
    if (bearer !== apiKey) {
      answer(
        401,
        errorBody(
          `Incorrect API key provided: ${maskKey(bearer)}. You can find your API key at https://platform.openai.com/account/api-keys.`,
          "invalid_request_error",
          null,
          "invalid_api_key",
        ),
      );
      return;
    }
    if (bodyError) {
      answer(400, bodyError);
      return;
    }
    if (body.model === undefined || body.model === "" || body.model === null) {
      answer(400, errorBody("you must provide a model parameter", "invalid_request_error"));
      return;
    }
    if (typeof body.model !== "string") {
      answer(
        400,
        errorBody(
          `Invalid type for 'model': expected a string, but got ${jsonTypeName(body.model)} instead.`,
          "invalid_request_error",
          "model",
          "invalid_type",
        ),
      );
      return;
    }
    const messagesError = validateMessages(body.messages);
    if (messagesError) {
      answer(400, messagesError);
      return;
    }
    const named = messages.findIndex((m) => m.name !== undefined);
    if (named >= 0 && options.rejectNames) {
      // Mistral's shape (pydantic): the field is not part of its schema at all.
      answer(422, {
        object: "error",
        message: { detail: [{ type: "extra_forbidden", loc: ["body", "messages", named, "user", "name"], msg: "Extra inputs are not permitted" }] },
        type: "invalid_request_message_error",
        param: null,
        code: null,
      });
      return;
    }
    const badName = messages.findIndex((m) => m.name !== undefined && !(typeof m.name === "string" && /^[a-zA-Z0-9_-]{1,64}$/.test(m.name)));
    if (badName >= 0) {
      answer(
        400,
        errorBody(
          `Invalid 'messages[${badName}].name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'.`,
          "invalid_request_error",
          `messages[${badName}].name`,
          "invalid_value",
        ),
      );
      return;
    }
    if (options.models && !options.models.includes(body.model)) {
      answer(
        404,
        errorBody(
          `The model \`${body.model}\` does not exist or you do not have access to it.`,
          "invalid_request_error",
          null,
          "model_not_found",
        ),
      );
      return;
    }

    let dropAfterChunks: number | undefined;
    let cut: { afterChunks: number; error?: OpenAIErrorBody } | undefined;
    const failure = faults.take("completion");
    if (failure) {
      switch (failure.kind) {
        case "delay":
          await sleep(failure.ms, signal);
          if (signal.aborted) return;
          break;
        case "drop":
          if (failure.afterChunks === undefined || !request.stream) {
            dropConnection(req, res);
            return;
          }
          dropAfterChunks = failure.afterChunks;
          break;
        case "stream_error":
        case "truncate":
          if (!request.stream) break;
          cut = {
            afterChunks: failure.afterChunks,
            ...(failure.kind === "stream_error"
              ? { error: errorBody(failure.message ?? "The server had an error while processing your request. Sorry about that!", failure.type ?? "server_error", null, failure.code ?? null) }
              : {}),
          };
          break;
        case "insufficient_quota":
          answer(
            429,
            errorBody(
              "You exceeded your current quota, please check your plan and billing details. For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.",
              "insufficient_quota",
              null,
              "insufficient_quota",
            ),
          );
          return;
        case "rate_limit": {
          const retryAfter = failure.retryAfter === undefined ? 1 : failure.retryAfter;
          answer(
            429,
            errorBody(
              failure.message ??
                `Rate limit reached for ${body.model} in organization org-fake on requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in ${retryAfter ?? 20}s. Visit https://platform.openai.com/account/rate-limits to learn more.`,
              "requests",
              null,
              "rate_limit_exceeded",
            ),
            {
              ...(retryAfter !== null ? { "retry-after": String(retryAfter) } : {}),
              ...(failure.retryAfterMs !== undefined ? { "retry-after-ms": String(failure.retryAfterMs) } : {}),
            },
          );
          return;
        }
        case "server_error":
          answer(
            failure.status ?? 500,
            errorBody(
              failure.message ?? "The server had an error while processing your request. Sorry about that!",
              "server_error",
            ),
          );
          return;
        case "error":
          answer(
            failure.status,
            errorBody(failure.message, failure.type ?? "invalid_request_error", failure.param ?? null, failure.code ?? null),
          );
          return;
      }
    }

    let content = await replyFn(request);
    let finishReason = "stop";
    const limit = [body.max_completion_tokens, body.max_tokens].find((v) => typeof v === "number");
    if (typeof limit === "number" && estimateTokens(content) > limit) {
      content = content.slice(0, Math.max(0, limit) * 4);
      finishReason = "length";
    }
    const promptTokens = estimateTokens(messages.map((m) => contentText(m.content)).join("\n")) + 3 * messages.length;
    const completionTokens = estimateTokens(content);
    const usage = {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
      prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
      completion_tokens_details: {
        reasoning_tokens: 0,
        audio_tokens: 0,
        accepted_prediction_tokens: 0,
        rejected_prediction_tokens: 0,
      },
    };
    const id = `chatcmpl-${randomBytes(15).toString("base64url")}`;
    const created = Math.floor(Date.now() / 1000);

    if (!request.stream) {
      answer(200, {
        id,
        object: "chat.completion",
        created,
        model: body.model,
        choices: [
          {
            index: 0,
            message: { role: "assistant", content, refusal: null, annotations: [] },
            logprobs: null,
            finish_reason: finishReason,
          },
        ],
        usage,
        service_tier: "default",
        system_fingerprint: "fp_fake",
      });
      return;
    }

    const includeUsage = isPlainObject(body.stream_options) && body.stream_options.include_usage === true;
    request.status = 200;
    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
      connection: "keep-alive",
      "x-request-id": `req_${randomBytes(16).toString("hex")}`,
    });
    const chunk = (delta: Record<string, unknown>, finish: string | null): Record<string, unknown> => ({
      id,
      object: "chat.completion.chunk",
      created,
      model: body.model,
      service_tier: "default",
      system_fingerprint: "fp_fake",
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
      ...(includeUsage ? { usage: null } : {}),
    });
    const events: unknown[] = [
      chunk({ role: "assistant", content: "", refusal: null }, null),
      ...streamPieces(content).map((piece) => chunk({ content: piece }, null)),
      chunk({}, finishReason),
    ];
    if (includeUsage) {
      events.push({
        id,
        object: "chat.completion.chunk",
        created,
        model: body.model,
        service_tier: "default",
        system_fingerprint: "fp_fake",
        choices: [],
        usage,
      });
    }
    const hold = holds.shift();
    const textChunks = streamPieces(content).length;
    const clientGone = new Promise<void>((resolve) => {
      res.once("close", resolve);
      signal.addEventListener("abort", () => resolve(), { once: true });
    });
    for (const [index, event] of events.entries()) {
      const textChunk = index > 0 && index <= textChunks;
      if (hold && index === hold.afterChunks + 1) {
        hold.arrive();
        await Promise.race([hold.released, clientGone]);
      }
      if (textChunk && chunkDelayMs > 0) await sleep(chunkDelayMs, signal);
      if (dropAfterChunks !== undefined && index >= dropAfterChunks) {
        dropConnection(req, res);
        return;
      }
      if (cut && index >= cut.afterChunks) {
        res.end(cut.error ? `data: ${JSON.stringify(cut.error)}\n\n` : undefined);
        return;
      }
      if (res.destroyed) return;
      if (options.keepAliveComments) res.write(": keep-alive\n\n");
      res.write(`data: ${JSON.stringify(event)}\n\n`);
    }
    res.end("data: [DONE]\n\n");
  }

  async function handleRequest(req: IncomingMessage, res: ServerResponse, signal: AbortSignal): Promise<void> {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const rawBody = await readBody(req);
    const path = url.pathname.replace(/\/+$/, "");
    if (req.method === "POST" && path === "/v1/chat/completions") {
      await handleCompletion(req, res, signal, rawBody);
      return;
    }
    if (req.method === "GET" && path === "/v1/models") {
      const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? "")?.[1]?.trim();
      if (bearer !== apiKey) {
        send(
          res,
          401,
          errorBody(
            `Incorrect API key provided: ${maskKey(bearer ?? "")}. You can find your API key at https://platform.openai.com/account/api-keys.`,
            "invalid_request_error",
            null,
            "invalid_api_key",
          ),
        );
        return;
      }
      const ids = options.models ?? ["gpt-4o-mini", "gpt-4o"];
      send(res, 200, {
        object: "list",
        data: ids.map((id) => ({ id, object: "model", created: 1_700_000_000, owned_by: "system" })),
      });
      return;
    }
    send(res, 404, errorBody(`Invalid URL (${req.method ?? "GET"} ${url.pathname})`, "invalid_request_error"));
  }

  const server = await startLoopbackServer(handleRequest);
  return {
    url: `${server.origin}/v1`,
    apiKey,
    requests,
    reply(fn) {
      replyFn = fn;
    },
    failNext(failure, times = 1) {
      faults.add("completion", failure, times);
    },
    clearFailures() {
      faults.clear();
    },
    setChunkDelay(ms) {
      chunkDelayMs = ms;
    },
    holdNextStream(afterChunks) {
      let arrive: () => void = () => undefined;
      let release: () => void = () => undefined;
      const reached = new Promise<void>((resolve) => (arrive = resolve));
      const released = new Promise<void>((resolve) => (release = resolve));
      holds.push({ afterChunks, arrive, released });
      return { reached, release };
    },
    reset() {
      requests.length = 0;
      faults.clear();
      replyFn = defaultReply;
      chunkDelayMs = options.chunkDelayMs ?? 0;
      holds.length = 0;
    },
    close() {
      return server.close();
    },
  };
}
