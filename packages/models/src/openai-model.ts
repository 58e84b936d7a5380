import { ModelError } from "@patchbay/core";
import type { ReplicaModel } from "@patchbay/core";

export interface OpenAIModelConfig {
  /** Base URL of any OpenAI-compatible API, e.g. https://api.openai.com/v1. */
  baseUrl: string;
  apiKey: string | undefined;
  /** Abort a completion that takes longer than this. */
  timeoutMs: number;
}

interface ChatCompletion {
  choices?: { message?: { content?: string | null } }[];
  error?: { message?: string };
}

/** Chat Completions on any OpenAI-compatible endpoint; the replica's instructions are the system message. */
export function createOpenAIModel(config: OpenAIModelConfig): ReplicaModel {
  const url = `${config.baseUrl.replace(/\/+$/, "")}/chat/completions`;
  return {
    async complete({ model, messages }) {
      let response: Response;
      try {
        response = await fetch(url, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            ...(config.apiKey ? { authorization: `Bearer ${config.apiKey}` } : {}),
          },
          body: JSON.stringify({ model, messages }),
          signal: AbortSignal.timeout(config.timeoutMs),
        });
      } catch (error) {
        throw new ModelError("MODEL_ERROR", `The model endpoint could not be reached (${(error as Error).name}).`, true);
      }
      const body = (await response.json().catch(() => ({}))) as ChatCompletion;
      if (!response.ok) {
        const retryable = response.status === 429 || response.status >= 500;
        // A refused key or a model the account may not use will not work on retry: the user must fix it.
        const code = response.status === 401 || response.status === 403 ? "MODEL_AUTH" : "MODEL_ERROR";
        const retryAfterMs = retryAfter(response.headers.get("retry-after"));
        throw new ModelError(code, `The model endpoint answered ${response.status}: ${providerDetail(body.error?.message ?? response.statusText)}`, retryable, {
          ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
        });
      }
      const content = body.choices?.[0]?.message?.content;
      if (typeof content !== "string" || content.trim() === "") {
        throw new ModelError("MODEL_ERROR", "The model returned an empty answer.", true);
      }
      return content;
    },
  };
}

/** Retry-After in seconds (the form OpenAI-compatible servers send), as milliseconds. */
function retryAfter(header: string | null): number | undefined {
  const seconds = header === null ? NaN : Number(header);
  return Number.isFinite(seconds) && seconds >= 0 ? Math.min(seconds, 300) * 1000 : undefined;
}

/** The provider's words, short and with anything key-like masked: they end up in the activity log. */
function providerDetail(message: string): string {
  return message.replace(/\b(sk|key|api)[-_][A-Za-z0-9_-]{6,}/gi, "[redacted]").slice(0, 200);
}
