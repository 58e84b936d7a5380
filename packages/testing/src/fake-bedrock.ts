/**
 * A fake Amazon Bedrock Runtime on loopback, over cleartext HTTP/2 (h2c) because the SDK's default
 * Node handler speaks HTTP/2 only: `POST /model/{modelId}/converse` (JSON) and
 * `/model/{modelId}/converse-stream` (`application/vnd.amazon.eventstream` frames, exception frames
 * mid-stream). Requests are SigV4-verified against the fake's credentials; errors have AWS's shape
 * (status, `x-amzn-errortype`, `{"message"}`). Point the SDK at it with `endpoint` (or
 * `AWS_ENDPOINT_URL_BEDROCK_RUNTIME`) and {@link FakeBedrock.credentials}.
 */
import { createHash, createHmac, randomBytes, randomUUID } from "node:crypto";
import type { Hash, Hmac } from "node:crypto";
import { createServer } from "node:http2";
import type { Http2ServerRequest, Http2ServerResponse, ServerHttp2Session } from "node:http2";
import type { AddressInfo } from "node:net";
import { EventStreamCodec } from "@smithy/core/event-streams";
import { SignatureV4 } from "@smithy/signature-v4";
import { sleep } from "./http-helpers.ts";

/** A request received by the fake (recorded even when it was rejected). */
export interface BedrockRequest {
  operation: "converse" | "converse-stream";
  /** The model id from the path, URL-decoded (`us.anthropic.claude-…`, `…:0`, an ARN). */
  modelId: string;
  /** The path as sent (the id URL-encoded). */
  path: string;
  /** Parsed JSON body; image bytes arrive base64-encoded. */
  body: Record<string, unknown>;
  /** The image blocks of the last user message, in order, as media type and the base64 bytes. */
  lastUserImages: { mediaType: string; base64: string }[];
  headers: Record<string, string>;
  /** What SigV4 said: signed with the fake's credentials, signed otherwise, or not at all. */
  signature: "valid" | "invalid" | "missing";
  /** The credential scope of the Authorization header, when present. */
  scope?: { accessKeyId: string; date: string; region: string; service: string };
  /** HTTP status answered; undefined while pending or if the stream was reset. */
  status?: number;
}

/** Exceptions Bedrock sends inside a ConverseStream (the union's lower-camel member names). */
export type BedrockStreamException =
  | "throttlingException"
  | "modelStreamErrorException"
  | "internalServerException"
  | "serviceUnavailableException"
  | "validationException";

/** A programmable fault for the next request(s). */
export type BedrockFailure =
  /** Any AWS error: status, `x-amzn-errortype` name and message. */
  | { kind: "error"; status: number; name: string; message: string }
  /** 429 ThrottlingException ("Too many requests"). */
  | { kind: "throttling" }
  /** 403 AccessDeniedException: the role may not invoke the model (or the subscription is not done). */
  | { kind: "access_denied" }
  /** 503 ServiceUnavailableException. */
  | { kind: "unavailable" }
  | { kind: "delay"; ms: number }
  /** Resets the HTTP/2 stream without answering. */
  | { kind: "drop" }
  /** Streams `afterEvents` events, then an exception frame, then ends. */
  | { kind: "stream_exception"; afterEvents: number; exception?: BedrockStreamException; message?: string }
  /** Streams `afterEvents` events, then ends without messageStop. */
  | { kind: "truncate"; afterEvents: number };

export interface FakeBedrockOptions {
  /** Region the requests must be signed for; default us-east-1. */
  region?: string;
  /** If given, other model ids answer 400 ValidationException "The provided model identifier is invalid.". */
  models?: string[];
}

export type FakeBedrockReplyFn = (request: BedrockRequest) => string | Promise<string>;

export interface FakeBedrock {
  /** `http://127.0.0.1:<port>` (h2c). */
  endpoint: string;
  region: string;
  /** The only credentials the fake accepts. */
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** Every request received, in order. */
  requests: BedrockRequest[];
  /** Replace the answer generator (default: `Echo: <last user text>`). */
  reply(fn: FakeBedrockReplyFn): void;
  /** Make the next `times` (default 1) requests fail as described. */
  failNext(failure: BedrockFailure, times?: number): void;
  /** Clear recorded requests and faults, restore the default reply. */
  reset(): void;
  close(): Promise<void>;
}

const IMAGE_FORMATS = ["png", "jpeg", "gif", "webp"];
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const codec = new EventStreamCodec((bytes) => decoder.decode(bytes), (text) => encoder.encode(text));

type SourceData = string | ArrayBuffer | ArrayBufferView;
const toBytes = (data: SourceData): string | Uint8Array =>
  typeof data === "string" ? data : ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data);

/** SHA-256 and HMAC-SHA-256 in the shape the SigV4 signer takes. */
class NodeSha256 {
  private readonly hash: Hash | Hmac;
  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash("sha256") : createHmac("sha256", toBytes(secret));
  }
  update(data: SourceData): void {
    this.hash.update(toBytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

function lastUserImages(body: Record<string, unknown>): BedrockRequest["lastUserImages"] {
  const messages = Array.isArray(body.messages) ? body.messages.filter(isObject) : [];
  const content = messages.findLast((m) => m.role === "user")?.content;
  return (Array.isArray(content) ? content : []).flatMap((block) =>
    isObject(block) && isObject(block.image) && isObject(block.image.source)
      ? [{ mediaType: `image/${String(block.image.format)}`, base64: String(block.image.source.bytes) }]
      : [],
  );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Text of the last user message's text blocks. */
function lastUserText(body: Record<string, unknown>): string {
  const messages = Array.isArray(body.messages) ? body.messages.filter(isObject) : [];
  const last = messages.findLast((m) => m.role === "user");
  const content = Array.isArray(last?.content) ? last.content : [];
  return content.map((block) => (isObject(block) && typeof block.text === "string" ? block.text : "")).join("\n");
}

/** What Bedrock says about an invalid Converse body (its ValidationException messages), or undefined. */
function invalidBody(body: Record<string, unknown>): string | undefined {
  if (!Array.isArray(body.messages) || body.messages.length === 0) return "The model returned the following errors: messages: at least one message is required";
  for (const [i, message] of body.messages.entries()) {
    if (!isObject(message)) return `messages.${i}: expected an object`;
    if (i === 0 && message.role !== "user") return "A conversation must start with a user message. Try again with a conversation that starts with a user message.";
    const previous = i > 0 ? (body.messages[i - 1] as Record<string, unknown>) : undefined;
    if (previous && previous.role === message.role) {
      return "A conversation must alternate between user and assistant roles. Make sure the conversation alternates between user and assistant roles and try again.";
    }
    if (!Array.isArray(message.content) || message.content.length === 0) return `The content field in the Message object at messages.${i} is empty. Add a ContentBlock object to the content field and try again.`;
    for (const [j, block] of message.content.entries()) {
      if (!isObject(block)) return `messages.${i}.content.${j}: expected an object`;
      if ("text" in block && (typeof block.text !== "string" || block.text.trim() === "")) {
        return `The text field in the ContentBlock object at messages.${i}.content.${j} is blank. Add text to the text field, and try again.`;
      }
      if ("image" in block) {
        const image = block.image;
        const bytes = isObject(image) && isObject(image.source) ? image.source.bytes : undefined;
        if (!isObject(image) || !IMAGE_FORMATS.includes(String(image.format))) return `messages.${i}.content.${j}.image.format: expected one of png, jpeg, gif, webp`;
        if (typeof bytes !== "string" || bytes === "" || !/^[A-Za-z0-9+/]+={0,2}$/.test(bytes)) return `messages.${i}.content.${j}.image.source.bytes: invalid base64`;
      }
    }
  }
  const config = isObject(body.inferenceConfig) ? body.inferenceConfig : {};
  if (config.temperature !== undefined && !(typeof config.temperature === "number" && config.temperature >= 0 && config.temperature <= 1)) {
    return "The model returned the following errors: temperature: range: 0..1";
  }
  if (config.maxTokens !== undefined && !(Number.isInteger(config.maxTokens) && (config.maxTokens as number) >= 1)) {
    return "1 validation error detected: Value at 'inferenceConfig.maxTokens' failed to satisfy constraint: Member must have value greater than or equal to 1";
  }
  return undefined;
}

const pieces = (text: string) => text.match(/\s*\S+\s*|\s+/g) ?? [];
const defaultReply: FakeBedrockReplyFn = (request) => `Echo: ${lastUserText(request.body)}`;

/** Start a fake Bedrock Runtime (h2c) on 127.0.0.1 with an ephemeral port. */
export async function startFakeBedrock(options: FakeBedrockOptions = {}): Promise<FakeBedrock> {
  const region = options.region ?? "us-east-1";
  const credentials = { accessKeyId: "AKIAFAKEBEDROCK00001", secretAccessKey: "fake-bedrock-secret-access-key-000000" };
  const signer = new SignatureV4({ service: "bedrock", region, credentials, sha256: NodeSha256 });
  const requests: BedrockRequest[] = [];
  const faults: { failure: BedrockFailure; remaining: number }[] = [];
  const closing = new AbortController();
  let replyFn = defaultReply;

  const takeFault = (): BedrockFailure | undefined => {
    const entry = faults[0];
    if (!entry) return undefined;
    if (--entry.remaining === 0) faults.shift();
    return entry.failure;
  };

  /** Re-signs the request as received with the fake's credentials and compares. */
  const verify = async (req: Http2ServerRequest, path: string, raw: Buffer, headers: Record<string, string>): Promise<Pick<BedrockRequest, "signature" | "scope">> => {
    const match = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(headers.authorization ?? "");
    if (!match) return { signature: "missing" };
    const [, accessKeyId = "", date = "", signedRegion = "", service = "", signedHeaders = "", signature] = match;
    const scope = { accessKeyId, date, region: signedRegion, service };
    const amzDate = headers["x-amz-date"];
    if (accessKeyId !== credentials.accessKeyId || signedRegion !== region || service !== "bedrock" || !amzDate) return { signature: "invalid", scope };
    const signed: Record<string, string> = {};
    for (const name of signedHeaders.split(";")) {
      // HTTP/2 carries the host as the :authority pseudo-header.
      const value = name === "host" ? (headers.host ?? headers[":authority"]) : headers[name];
      if (value !== undefined) signed[name] = value;
    }
    const at = new Date(`${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`);
    const [hostname = "", port] = (signed.host ?? "").split(":");
    const resigned = await signer.sign(
      { method: req.method, protocol: "http:", hostname, ...(port ? { port: Number(port) } : {}), path, query: {}, headers: signed, body: raw },
      { signingDate: at },
    );
    const expected = /Signature=([0-9a-f]{64})/.exec(String(resigned.headers.authorization))?.[1];
    return { signature: expected === signature ? "valid" : "invalid", scope };
  };

  const handle = async (req: Http2ServerRequest, res: Http2ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const path = req.url.split("?")[0] ?? "/";
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) if (typeof value === "string") headers[name] = value;
    const requestId = randomUUID();
    const awsError = (status: number, name: string, message: string) => {
      if (res.headersSent || res.stream.destroyed) return;
      const payload = JSON.stringify({ message });
      res.writeHead(status, {
        "content-type": "application/json",
        "x-amzn-requestid": requestId,
        "x-amzn-errortype": `${name}:http://internal.amazon.com/coral/com.amazon.bedrock/`,
      });
      res.end(payload);
    };
    const route = /^\/model\/([^/]+)\/(converse|converse-stream)$/.exec(path);
    if (req.method !== "POST" || !route) {
      awsError(404, "UnknownOperationException", "");
      return;
    }
    let body: Record<string, unknown> = {};
    let parsed = true;
    try {
      const json: unknown = JSON.parse(raw.toString("utf8"));
      if (isObject(json)) body = json;
      else parsed = false;
    } catch {
      parsed = false;
    }
    const request: BedrockRequest = {
      operation: route[2] as BedrockRequest["operation"],
      modelId: decodeURIComponent(route[1] ?? ""),
      path,
      body,
      lastUserImages: lastUserImages(body),
      headers,
      ...(await verify(req, path, raw, headers)),
    };
    requests.push(request);
    const refuse = (status: number, name: string, message: string) => {
      request.status = status;
      awsError(status, name, message);
    };

    if (request.signature === "missing") return refuse(403, "MissingAuthenticationTokenException", "Missing Authentication Token");
    if (request.scope?.accessKeyId !== credentials.accessKeyId) return refuse(403, "UnrecognizedClientException", "The security token included in the request is invalid.");
    if (request.signature === "invalid") {
      return refuse(403, "InvalidSignatureException", "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.");
    }
    if (!parsed) return refuse(400, "SerializationException", "Unexpected token in JSON body");
    if (options.models && !options.models.includes(request.modelId)) return refuse(400, "ValidationException", "The provided model identifier is invalid.");
    const invalid = invalidBody(body);
    if (invalid) return refuse(400, "ValidationException", invalid);

    let cut: { afterEvents: number; exception?: BedrockStreamException; message?: string } | undefined;
    const failure = takeFault();
    switch (failure?.kind) {
      case undefined:
        break;
      case "error":
        return refuse(failure.status, failure.name, failure.message);
      case "throttling":
        return refuse(429, "ThrottlingException", "Too many requests, please wait before trying again.");
      case "access_denied":
        return refuse(403, "AccessDeniedException", "You don't have access to the model with the specified model ID.");
      case "unavailable":
        return refuse(503, "ServiceUnavailableException", "Bedrock is unable to process your request.");
      case "delay":
        await sleep(failure.ms, closing.signal);
        if (closing.signal.aborted) return;
        break;
      case "drop":
        res.stream.close(2 /* NGHTTP2_INTERNAL_ERROR */);
        return;
      case "stream_exception":
        cut = { afterEvents: failure.afterEvents, exception: failure.exception ?? "modelStreamErrorException", message: failure.message ?? "The system encountered an unexpected error during processing. Try your request again." };
        break;
      case "truncate":
        cut = { afterEvents: failure.afterEvents };
        break;
    }

    let text = await replyFn(request);
    let stopReason = "end_turn";
    const maxTokens = isObject(body.inferenceConfig) ? body.inferenceConfig.maxTokens : undefined;
    if (typeof maxTokens === "number" && Math.ceil(text.length / 4) > maxTokens) {
      text = text.slice(0, maxTokens * 4);
      stopReason = "max_tokens";
    }
    const usage = { inputTokens: 10, outputTokens: Math.ceil(text.length / 4), totalTokens: 10 + Math.ceil(text.length / 4) };
    request.status = 200;
    if (request.operation === "converse") {
      res.writeHead(200, { "content-type": "application/json", "x-amzn-requestid": requestId });
      res.end(JSON.stringify({ output: { message: { role: "assistant", content: [{ text }] } }, stopReason, usage, metrics: { latencyMs: 12 } }));
      return;
    }

    res.writeHead(200, { "content-type": "application/vnd.amazon.eventstream", "x-amzn-requestid": requestId });
    // Real payloads carry a random-length padding field `p` that clients ignore.
    const padding = () => randomBytes(8).toString("hex").slice(0, 1 + (randomBytes(1)[0] ?? 0) % 16);
    const events: [string, Record<string, unknown>][] = [
      ["messageStart", { role: "assistant", p: padding() }],
      ...pieces(text).map((piece): [string, Record<string, unknown>] => ["contentBlockDelta", { contentBlockIndex: 0, delta: { text: piece }, p: padding() }]),
      ["contentBlockStop", { contentBlockIndex: 0, p: padding() }],
      ["messageStop", { stopReason, p: padding() }],
      ["metadata", { usage, metrics: { latencyMs: 12 }, p: padding() }],
    ];
    for (const [index, [type, payload]] of events.entries()) {
      if (res.stream.destroyed) return;
      if (cut && index >= cut.afterEvents) {
        if (cut.exception) res.write(frame("exception", cut.exception, { message: cut.message }));
        res.end();
        return;
      }
      res.write(frame("event", type, payload));
    }
    res.end();
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent && !res.stream.destroyed) {
        res.writeHead(500, { "content-type": "text/plain" });
        res.end(`fake bedrock error: ${error instanceof Error ? error.stack : String(error)}`);
      } else res.stream.close(2);
    });
  });
  const sessions = new Set<ServerHttp2Session>();
  server.on("session", (session) => {
    sessions.add(session);
    session.on("close", () => sessions.delete(session));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  let closed: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    region,
    credentials,
    requests,
    reply(fn) {
      replyFn = fn;
    },
    failNext(failure, times = 1) {
      faults.push({ failure, remaining: times });
    },
    reset() {
      requests.length = 0;
      faults.length = 0;
      replyFn = defaultReply;
    },
    close() {
      closed ??= new Promise<void>((resolve) => {
        closing.abort();
        server.close(() => resolve());
        for (const session of sessions) session.destroy();
      });
      return closed;
    },
  };
}

/** One event-stream frame: `:message-type` event or exception, its type, a JSON payload. */
function frame(messageType: "event" | "exception", type: string, payload: unknown): Uint8Array {
  return codec.encode({
    headers: {
      ":message-type": { type: "string", value: messageType },
      [messageType === "event" ? ":event-type" : ":exception-type"]: { type: "string", value: type },
      ":content-type": { type: "string", value: "application/json" },
    },
    body: encoder.encode(JSON.stringify(payload)),
  });
}
