import { ModelError } from "@patchbay/core";
import type { ChatMessage, CompletionRequest, ReplicaModel } from "@patchbay/core";
import { imageBase64, imageMediaType, speakerNote } from "./conversation.ts";
import { callDeadline, mustFix, providerDetail, refused, retryAfterMs, transient, transportFailure, truncated } from "./provider-errors.ts";
import type { CallDeadline } from "./provider-errors.ts";
import { eventJson, serverSentEvents } from "./sse.ts";

export interface OpenAIModelConfig {
  /** Base URL of any OpenAI-compatible API, e.g. https://api.openai.com/v1. */
  baseUrl: string;
  apiKey: string | undefined;
  /** Abort a completion (or a whole stream) that takes longer than this. */
  timeoutMs: number;
  /**
   * Whether the endpoint is OpenAI itself rather than a server speaking its protocol; default: true exactly
   * for api.openai.com. OpenAI gets who spoke in each message's `name` and `max_completion_tokens` (its
   * reasoning models refuse `max_tokens`). Elsewhere many servers refuse `name` (Mistral, vLLM, xAI,
   * strict gateways) and know only `max_tokens`, so the speakers go into the system prompt instead.
   */
  openaiItself?: boolean;
  /** What the operator sets to change the key (`OPENAI_API_KEY`, the SST secret `OpenAiApiKey`), named when it is refused. */
  keySetting?: string;
}

const PROVIDER = "The OpenAI-compatible endpoint";

/** Model names known to take images; other OpenAI-compatible models are sent text only. */
const IMAGE_MODELS =
  /^(gpt-4o|chatgpt-4o|gpt-4\.1|gpt-4\.5|gpt-4-turbo|gpt-5|o1(?!-mini)|o3(?!-mini)|o4)|vision|llava|pixtral|qwen[\d.]*-?vl|gemma-?3|llama-?4|gemini/i;

interface CompletionBody {
  choices?: { message?: { content?: string | null }; finish_reason?: string | null }[];
  error?: { message?: string; type?: string; code?: string | null };
}

interface ChunkBody {
  choices?: { delta?: { content?: string | null }; finish_reason?: string | null }[];
  error?: { message?: string; type?: string; code?: string | null };
}

/** Chat Completions on any OpenAI-compatible endpoint; the replica's instructions are the system message. */
export function createOpenAIModel(config: OpenAIModelConfig): ReplicaModel {
  const url = `${config.baseUrl.replace(/\/+$/, "")}/chat/completions`;
  const official = config.openaiItself ?? isOpenAIItself(config.baseUrl);
  const keySetting = config.keySetting ?? "OPENAI_API_KEY";

  const post = async (request: CompletionRequest, stream: boolean, deadline: CallDeadline): Promise<Response> => {
    const body = {
      model: request.model,
      messages: wireMessages(request.messages, official),
      ...(stream ? { stream: true } : {}),
      ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
      ...(request.maxOutputTokens !== undefined ? { [official ? "max_completion_tokens" : "max_tokens"]: request.maxOutputTokens } : {}),
    };
    let response: Response;
    try {
      response = await fetch(url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...(stream ? { accept: "text/event-stream" } : {}),
          ...(config.apiKey ? { authorization: `Bearer ${config.apiKey}` } : {}),
        },
        body: JSON.stringify(body),
        signal: deadline.signal,
      });
    } catch (error) {
      throw transportFailure(PROVIDER, error, deadline);
    }
    if (!response.ok) {
      const failure = (await response.json().catch(() => ({}))) as CompletionBody;
      throw httpFailure(response, failure.error, keySetting);
    }
    return response;
  };

  return {
    acceptsImages: (model) => IMAGE_MODELS.test(model),

    async complete(request) {
      const deadline = callDeadline(config.timeoutMs, request.signal);
      const response = await post(request, false, deadline);
      let body: CompletionBody;
      try {
        body = (await response.json()) as CompletionBody;
      } catch (error) {
        throw transportFailure(PROVIDER, error, deadline);
      }
      const choice = body.choices?.[0];
      return finished(choice?.message?.content ?? "", choice?.finish_reason ?? null);
    },

    async *stream(request) {
      const deadline = callDeadline(config.timeoutMs, request.signal);
      const response = await post(request, true, deadline);
      if (!response.body) throw truncated(PROVIDER);
      let finish: string | null = null;
      let text = "";
      try {
        for await (const event of serverSentEvents(response.body)) {
          if (event.data === "[DONE]") break;
          const chunk = eventJson(event) as ChunkBody | undefined;
          // The official client treats both an `error` event and an `error` field as a failed answer.
          if (event.event === "error" || chunk?.error) throw streamFailure(chunk?.error, keySetting);
          const choice = chunk?.choices?.[0];
          const delta = choice?.delta?.content;
          if (typeof delta === "string" && delta !== "") {
            text += delta;
            yield delta;
          }
          if (choice?.finish_reason) finish = choice.finish_reason;
        }
      } catch (error) {
        // A connection lost after the model said it finished lost nothing; anything else is a failed answer.
        const lostAfterFinish = finish !== null && !(error instanceof ModelError);
        if (!lostAfterFinish) throw transportFailure(PROVIDER, error, deadline);
      }
      if (!finish) throw truncated(PROVIDER);
      finished(text, finish);
    },
  };
}

/** OpenAI itself, as opposed to one of the many servers speaking its protocol. */
function isOpenAIItself(baseUrl: string): boolean {
  try {
    return new URL(baseUrl).hostname === "api.openai.com";
  } catch {
    return false;
  }
}

/** The messages in Chat Completions form: images as data URLs (remote URL support varies by server). */
function wireMessages(messages: ChatMessage[], speakerNames: boolean): Record<string, unknown>[] {
  const wire = messages.map((message): Record<string, unknown> => {
    const images = message.role === "user" ? (message.images ?? []) : [];
    const content =
      images.length === 0
        ? message.content
        : [
            ...(message.content !== "" ? [{ type: "text", text: message.content }] : []),
            ...images.map((image) => ({ type: "image_url", image_url: { url: `data:${imageMediaType(image)};base64,${imageBase64(image)}` } })),
          ];
    const name = speakerNames && message.role === "user" ? wireName(message.name) : undefined;
    return { role: message.role, content, ...(name ? { name } : {}) };
  });
  const note = speakerNames ? null : speakerNote(messages);
  if (!note) return wire;
  const first = wire[0];
  if (first?.role === "system" && typeof first.content === "string") return [{ ...first, content: `${first.content}\n\n${note}` }, ...wire.slice(1)];
  return [{ role: "system", content: note }, ...wire];
}

/** OpenAI accepts names matching ^[a-zA-Z0-9_-]{1,64}$ and answers 400 to anything else. */
function wireName(name: string | undefined): string | undefined {
  const safe = name?.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 64);
  return safe && /[A-Za-z0-9]/.test(safe) ? safe : undefined;
}

/** The answer, or why an answer the provider calls finished is no answer. */
function finished(text: string, finishReason: string | null): string {
  if (text.trim() !== "") return text;
  if (finishReason === "content_filter") throw refused(`${PROVIDER} withheld the answer (content filter).`);
  if (finishReason === "length") {
    throw refused(`${PROVIDER} spent all of max_output_tokens before answering (reasoning models count their thinking); raise max_output_tokens.`);
  }
  throw transient(`${PROVIDER} returned an empty answer.`);
}

type WireError = CompletionBody["error"];

function httpFailure(response: Response, error: WireError, keySetting: string): ModelError {
  const { status } = response;
  const type = error?.code || error?.type || "";
  const said = `${PROVIDER} answered ${status}${type ? ` ${type}` : ""}: ${providerDetail(error?.message ?? response.statusText)}`;
  const wait = retryAfterMs(response.headers);
  if (status === 401) return mustFix(`${said} — the API key was refused; check ${keySetting}.`);
  if (status === 403) return mustFix(`${said} — this key may not use this endpoint or model.`);
  if (status === 404) return mustFix(`${said} — check the model name and that the key may use it.`);
  // A 429 for exhausted credits looks like a rate limit but waiting never helps.
  if (status === 429 && (error?.code === "insufficient_quota" || error?.type === "insufficient_quota")) {
    return mustFix(`${said} — the account is out of credits; check its plan and billing.`);
  }
  if (status === 408 || status === 409 || status === 429 || status >= 500) return transient(said, wait);
  return refused(said);
}

function streamFailure(error: WireError, keySetting: string): ModelError {
  const type = error?.code || error?.type || "";
  const said = `${PROVIDER} failed mid-answer${type ? ` (${type})` : ""}: ${providerDetail(error?.message ?? "stream error")}`;
  if (type === "insufficient_quota") return mustFix(`${said} — the account is out of credits.`);
  if (type === "invalid_api_key") return mustFix(`${said} — check ${keySetting}.`);
  return transient(said);
}
