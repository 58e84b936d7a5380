import { ModelError } from "@patchbay/core";
import type { CompletionRequest, ReplicaModel } from "@patchbay/core";
// Types only: the SDK itself (~500 KB) is loaded on the first Bedrock call, so other bundles never pay for it.
import type { BedrockRuntimeClient, ContentBlock, ConverseRequest, ConverseStreamOutput } from "@aws-sdk/client-bedrock-runtime";
import type { CallDeadline } from "./provider-errors.ts";
import { alternatingTurns, imageBytes, imageFormat } from "./conversation.ts";
import { callDeadline, mustFix, providerDetail, refused, retryAfterMs, transient, transportFailure, truncated } from "./provider-errors.ts";

export interface BedrockModelConfig {
  region: string;
  /** Endpoint override (tests, VPC endpoints); the SDK also honours AWS_ENDPOINT_URL_BEDROCK_RUNTIME. */
  endpoint?: string;
  /** Static credentials (tests); otherwise the process's default chain (on Lambda: the function's role). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Abort a call (or a whole stream) that takes longer than this. */
  timeoutMs: number;
  /** What to check when AWS refuses access, e.g. "the responder's IAM role (deploy with ENABLE_BEDROCK=1)". */
  accessHint?: string;
}

const PROVIDER = "Bedrock";
/** The temperature scale of the models on Bedrock ends at 1 (0–2 on OpenAI); higher settings are sent as 1. */
const MAX_TEMPERATURE = 1;

/** Cross-region inference profile prefixes (`us.anthropic.…`, `global.…`): the model behind is the rest. */
const PROFILE_PREFIX = /^(us|us-gov|eu|apac|ap|jp|au|ca|global)\./;
const IMAGE_MODELS = /^(anthropic\.claude-(?!instant|v2|3-5-haiku)|amazon\.nova-(lite|pro|premier)|meta\.llama3-2-(11|90)b|meta\.llama4|mistral\.pixtral)/;

const AUTH_ERRORS = new Set([
  "AccessDeniedException",
  "UnrecognizedClientException",
  "InvalidSignatureException",
  "IncompleteSignatureException",
  "ExpiredTokenException",
  "MissingAuthenticationTokenException",
  "ResourceNotFoundException",
  "CredentialsProviderError",
]);
const TRANSIENT_ERRORS = new Set([
  "ThrottlingException",
  "ServiceUnavailableException",
  "InternalServerException",
  "ModelTimeoutException",
  "ModelNotReadyException",
  "ModelErrorException",
  "ModelStreamErrorException",
  // "You can resubmit your request later" (AWS): a quota per minute or day, not the account's access.
  "ServiceQuotaExceededException",
]);
/** ValidationExceptions that are about the model id: the operator picks another id or profile. */
const MODEL_ID_PROBLEM = /model identifier|model id|inference profile|on-demand throughput|access to the model/i;

type Sdk = typeof import("@aws-sdk/client-bedrock-runtime");

/** Amazon Bedrock through Converse / ConverseStream; model ids are foundation model ids, inference profile ids or ARNs. */
export function createBedrockModel(config: BedrockModelConfig): ReplicaModel {
  let runtime: Promise<{ sdk: Sdk; client: BedrockRuntimeClient }> | undefined;
  const load = () =>
    (runtime ??= import("@aws-sdk/client-bedrock-runtime").then((sdk) => ({
      sdk,
      client: new sdk.BedrockRuntimeClient({
        region: config.region,
        // One retry policy for every provider (the queue's, with retry-after and backoff); the SDK's
        // own three attempts would multiply it.
        maxAttempts: 1,
        ...(config.endpoint ? { endpoint: config.endpoint } : {}),
        ...(config.credentials ? { credentials: config.credentials } : {}),
      }),
    })));
  const accessHint = config.accessHint ?? "the AWS credentials and the model access of the account";
  const fail = (error: unknown, deadline: CallDeadline) => bedrockFailure(error, deadline, accessHint);

  return {
    acceptsImages: (model) => IMAGE_MODELS.test(baseModelId(model)),

    async complete(request) {
      const deadline = callDeadline(config.timeoutMs, request.signal);
      try {
        const { sdk, client } = await load();
        const response = await client.send(new sdk.ConverseCommand(converseInput(request)), { abortSignal: deadline.signal });
        const text = (response.output?.message?.content ?? []).map((block) => block.text ?? "").join("");
        return finished(text, response.stopReason ?? null);
      } catch (error) {
        throw fail(error, deadline);
      }
    },

    async *stream(request) {
      const deadline = callDeadline(config.timeoutMs, request.signal);
      let stopReason: string | null = null;
      let text = "";
      try {
        const { sdk, client } = await load();
        const response = await client.send(new sdk.ConverseStreamCommand(converseInput(request)), { abortSignal: deadline.signal });
        if (!response.stream) throw truncated(PROVIDER);
        for await (const event of untilAborted(response.stream, deadline.signal)) {
          const problem = streamException(event);
          if (problem) throw problem;
          const delta = event.contentBlockDelta?.delta?.text;
          if (delta) {
            text += delta;
            yield delta;
          }
          if (event.messageStop) {
            stopReason = event.messageStop.stopReason ?? "end_turn";
            break;
          }
        }
      } catch (error) {
        throw fail(error, deadline);
      }
      if (stopReason === null) throw truncated(PROVIDER);
      finished(text, stopReason);
    },
  };
}

/** The Converse request: system prompt apart, alternating turns, images as raw bytes. */
function converseInput(request: CompletionRequest): ConverseRequest {
  const { system, turns } = alternatingTurns(request.messages);
  const inference = {
    ...(request.maxOutputTokens !== undefined ? { maxTokens: request.maxOutputTokens } : {}),
    ...(request.temperature !== undefined ? { temperature: Math.min(request.temperature, MAX_TEMPERATURE) } : {}),
  };
  return {
    modelId: request.model,
    messages: turns.map((turn) => ({
      role: turn.role,
      content: [
        ...turn.images.map((image): ContentBlock => ({ image: { format: imageFormat(image), source: { bytes: imageBytes(image) } } })),
        ...(turn.text !== "" ? [{ text: turn.text }] : []),
      ],
    })),
    ...(system ? { system: [{ text: system }] } : {}),
    ...(Object.keys(inference).length > 0 ? { inferenceConfig: inference } : {}),
  };
}

/** The foundation model behind an id: inference profile prefixes and ARN paths stripped. */
function baseModelId(model: string): string {
  const id = model.startsWith("arn:") ? model.slice(model.lastIndexOf("/") + 1) : model;
  return id.replace(PROFILE_PREFIX, "");
}

function finished(text: string, stopReason: string | null): string {
  if (text.trim() !== "") return text;
  if (stopReason === "guardrail_intervened" || stopReason === "content_filtered") throw refused(`${PROVIDER} withheld the answer (${stopReason}).`);
  if (stopReason === "max_tokens") throw refused(`${PROVIDER} spent all of max_output_tokens before answering; raise max_output_tokens.`);
  throw transient(`${PROVIDER} returned an empty answer.`);
}

/** An exception delivered as an event of the stream rather than thrown by the SDK. */
function streamException(event: ConverseStreamOutput): ModelError | undefined {
  const found = [
    ["ThrottlingException", event.throttlingException],
    ["InternalServerException", event.internalServerException],
    ["ModelStreamErrorException", event.modelStreamErrorException],
    ["ServiceUnavailableException", event.serviceUnavailableException],
    ["ValidationException", event.validationException],
  ].find(([, value]) => value !== undefined);
  if (!found) return undefined;
  const [name, value] = found as [string, { message?: string }];
  return classify(name, value.message ?? "", undefined, undefined, "");
}

function bedrockFailure(error: unknown, deadline: CallDeadline, accessHint: string): ModelError {
  if (error instanceof ModelError) return error;
  const named = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number }; $response?: { headers?: Record<string, string> } };
  const status = named.$metadata?.httpStatusCode;
  const known = named.name !== undefined && (AUTH_ERRORS.has(named.name) || TRANSIENT_ERRORS.has(named.name) || named.name === "ValidationException");
  // Aborts, timeouts, refused connections and HTTP/2 resets carry no AWS error shape.
  if (deadline.signal.aborted || (!known && status === undefined)) return transportFailure(PROVIDER, error, deadline);
  // HTTP/2 responses list pseudo-headers (":status") that Headers refuses.
  const headers = new Headers(Object.entries(named.$response?.headers ?? {}).filter(([name]) => !name.startsWith(":")));
  return classify(named.name ?? "Error", named.message ?? "", status, retryAfterMs(headers), accessHint, error);
}

function classify(name: string, message: string, status: number | undefined, wait: number | undefined, accessHint: string, cause?: unknown): ModelError {
  const said = `${PROVIDER} answered ${status ? `${status} ` : ""}${name}: ${providerDetail(message)}`;
  if (name === "CredentialsProviderError") return mustFix(`${PROVIDER} found no AWS credentials: ${providerDetail(message)} — check ${accessHint}.`, cause);
  if (AUTH_ERRORS.has(name)) return mustFix(`${said} — check the model id and ${accessHint}.`, cause);
  if (TRANSIENT_ERRORS.has(name) || (status !== undefined && status >= 500)) return transient(said, wait, cause);
  if (name === "ValidationException" && MODEL_ID_PROBLEM.test(message)) return mustFix(`${said} — check the model id (some models need an inference profile id such as us.<model-id>).`, cause);
  return refused(said, cause);
}

/** The stream's events until it ends or the signal aborts, whichever comes first. */
async function* untilAborted<T>(source: AsyncIterable<T>, signal: AbortSignal): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]();
  let onAbort = () => {};
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason instanceof Error ? signal.reason : new Error("aborted"));
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
  });
  aborted.catch(() => undefined);
  try {
    for (;;) {
      const next = await Promise.race([iterator.next(), aborted]);
      if (next.done) return;
      yield next.value;
    }
  } finally {
    signal.removeEventListener("abort", onAbort);
    // Not awaited: a stream blocked on the network settles when its connection closes.
    void iterator.return?.()?.catch(() => undefined);
  }
}
