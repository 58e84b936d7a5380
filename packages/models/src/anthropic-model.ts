import type { CompletionRequest, ModelError, ReplicaModel } from "@patchbay/core";
import { alternatingTurns, imageBase64, imageMediaType } from "./conversation.ts";
import type { Turn } from "./conversation.ts";
import { callDeadline, mustFix, providerDetail, refused, retryAfterMs, transient, transportFailure, truncated } from "./provider-errors.ts";
import type { CallDeadline } from "./provider-errors.ts";
import { eventJson, serverSentEvents } from "./sse.ts";

export interface AnthropicModelConfig {
  /** https://api.anthropic.com, with or without the trailing /v1 (the official SDK and the AI SDK disagree). */
  baseUrl: string;
  apiKey: string;
  /** Abort a message (or a whole stream) that takes longer than this. */
  timeoutMs: number;
  /** What the operator sets to change the key (`ANTHROPIC_API_KEY`, the SST secret `AnthropicApiKey`), named when it is refused. */
  keySetting?: string;
}

const PROVIDER = "Anthropic";
const API_VERSION = "2023-06-01";
/** The Messages API requires max_tokens; a chat answer rarely needs more. */
export const ANTHROPIC_DEFAULT_MAX_TOKENS = 4096;
/** Anthropic's temperature scale ends at 1 (0–2 elsewhere); higher settings are sent as 1. */
const MAX_TEMPERATURE = 1;

/** Every Claude model takes images except the text-only ones. */
const TEXT_ONLY = /^claude-(instant|2|3-5-haiku)/;

interface MessageBody {
  content?: { type?: string; text?: string }[];
  stop_reason?: string | null;
}

interface WireError {
  type?: string;
  message?: string;
}

interface StreamEvent {
  type?: string;
  delta?: { type?: string; text?: string; stop_reason?: string | null };
  error?: WireError;
}

/** The Anthropic Messages API over fetch; the replica's instructions are the top-level system prompt. */
export function createAnthropicModel(config: AnthropicModelConfig): ReplicaModel {
  const base = config.baseUrl.replace(/\/+$/, "");
  const url = base.endsWith("/v1") ? `${base}/messages` : `${base}/v1/messages`;
  const keySetting = config.keySetting ?? "ANTHROPIC_API_KEY";

  const post = async (request: CompletionRequest, stream: boolean, deadline: CallDeadline): Promise<Response> => {
    const { system, turns } = alternatingTurns(request.messages);
    const body = {
      model: request.model,
      max_tokens: request.maxOutputTokens ?? ANTHROPIC_DEFAULT_MAX_TOKENS,
      ...(system ? { system } : {}),
      messages: turns.map(wireTurn),
      ...(request.temperature !== undefined ? { temperature: Math.min(request.temperature, MAX_TEMPERATURE) } : {}),
      ...(stream ? { stream: true } : {}),
    };
    let response: Response;
    try {
      response = await fetch(url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-api-key": config.apiKey,
          "anthropic-version": API_VERSION,
          ...(stream ? { accept: "text/event-stream" } : {}),
        },
        body: JSON.stringify(body),
        signal: deadline.signal,
      });
    } catch (error) {
      throw transportFailure(PROVIDER, error, deadline);
    }
    if (!response.ok) {
      const failure = (await response.json().catch(() => ({}))) as { error?: WireError };
      throw httpFailure(response, failure.error, keySetting);
    }
    return response;
  };

  return {
    acceptsImages: (model) => model.startsWith("claude-") && !TEXT_ONLY.test(model),

    async complete(request) {
      const deadline = callDeadline(config.timeoutMs, request.signal);
      const response = await post(request, false, deadline);
      let body: MessageBody;
      try {
        body = (await response.json()) as MessageBody;
      } catch (error) {
        throw transportFailure(PROVIDER, error, deadline);
      }
      // Text blocks only: thinking and other block types are not the answer.
      const text = (body.content ?? []).map((block) => (block.type === "text" ? (block.text ?? "") : "")).join("");
      return finished(text, body.stop_reason ?? null);
    },

    async *stream(request) {
      const deadline = callDeadline(config.timeoutMs, request.signal);
      const response = await post(request, true, deadline);
      if (!response.body) throw truncated(PROVIDER);
      let stopped = false;
      let stopReason: string | null = null;
      let text = "";
      try {
        for await (const event of serverSentEvents(response.body)) {
          const data = eventJson(event) as StreamEvent | undefined;
          const type = data?.type ?? event.event;
          if (type === "error") throw streamFailure(data?.error, keySetting);
          if (type === "content_block_delta" && data?.delta?.type === "text_delta" && data.delta.text) {
            text += data.delta.text;
            yield data.delta.text;
          } else if (type === "message_delta" && data?.delta?.stop_reason) {
            stopReason = data.delta.stop_reason;
          } else if (type === "message_stop") {
            stopped = true;
            break;
          }
          // ping, message_start, content_block_start/stop and types added later carry no answer text.
        }
      } catch (error) {
        throw transportFailure(PROVIDER, error, deadline);
      }
      if (!stopped) throw truncated(PROVIDER);
      finished(text, stopReason);
    },
  };
}

/** A turn in Messages form: images first (Anthropic's advice), as base64 sources, then the text. */
function wireTurn(turn: Turn): { role: string; content: unknown } {
  if (turn.images.length === 0) return { role: turn.role, content: turn.text };
  return {
    role: turn.role,
    content: [
      ...turn.images.map((image) => ({ type: "image", source: { type: "base64", media_type: imageMediaType(image), data: imageBase64(image) } })),
      ...(turn.text !== "" ? [{ type: "text", text: turn.text }] : []),
    ],
  };
}

function finished(text: string, stopReason: string | null): string {
  if (text.trim() !== "") return text;
  if (stopReason === "refusal") throw refused(`${PROVIDER} declined to answer (refusal).`);
  if (stopReason === "max_tokens") throw refused(`${PROVIDER} spent all of max_output_tokens before answering; raise max_output_tokens.`);
  throw transient(`${PROVIDER} returned an empty answer.`);
}

function httpFailure(response: Response, error: WireError | undefined, keySetting: string): ModelError {
  const { status } = response;
  const type = error?.type ?? "";
  const said = `${PROVIDER} answered ${status}${type ? ` ${type}` : ""}: ${providerDetail(error?.message ?? response.statusText)}`;
  const wait = retryAfterMs(response.headers);
  if (status === 401) return mustFix(`${said} — the API key was refused; check ${keySetting}.`);
  if (status === 403) return mustFix(`${said} — this key may not use this model.`);
  if (status === 404) return mustFix(`${said} — check the model name and that the key may use it.`);
  if (status === 402) return mustFix(`${said} — check the account's billing.`);
  // Anthropic sends retry-after with rate limits; a 429 without one is a spend cap, which waiting does not lift.
  if (status === 429 && wait === undefined) return mustFix(`${said} — the account's usage limit is reached; raise it in the Anthropic console.`);
  if (status === 408 || status === 409 || status === 429 || status >= 500) return transient(said, wait);
  return refused(said);
}

function streamFailure(error: WireError | undefined, keySetting: string): ModelError {
  const type = error?.type ?? "";
  const said = `${PROVIDER} failed mid-answer${type ? ` (${type})` : ""}: ${providerDetail(error?.message ?? "stream error")}`;
  if (type === "authentication_error") return mustFix(`${said} — check ${keySetting}.`);
  if (type === "permission_error" || type === "billing_error") return mustFix(said);
  if (type === "invalid_request_error" || type === "request_too_large") return refused(said);
  // overloaded_error, api_error, rate_limit_error, timeout_error and anything new: worth another attempt.
  return transient(said);
}
