import { PlatformCallError } from "@patchbay/core";

export interface TelegramBotApiConfig {
  /** Bot API base, e.g. https://api.telegram.org; calls go to `{base}/bot{token}/{method}`. */
  apiUrl: string;
  /** Abort a call that takes longer than this. */
  timeoutMs: number;
}

interface BotApiAnswer<T> {
  ok: boolean;
  result?: T;
  description?: string;
  error_code?: number;
  parameters?: { retry_after?: number; migrate_to_chat_id?: number };
}

/** Per call: a long poll needs a longer bound than the default, and a way to be stopped. */
export interface BotApiCallOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** Calls one Bot API method with a token. Errors are PlatformCallErrors whose messages never contain the token. */
export type TelegramBotApi = <T>(token: string, method: string, params?: Record<string, unknown>, options?: BotApiCallOptions) => Promise<T>;

export function createTelegramBotApi(config: TelegramBotApiConfig): TelegramBotApi {
  const base = config.apiUrl.replace(/\/+$/, "");

  return async <T>(token: string, method: string, params: Record<string, unknown> = {}, options: BotApiCallOptions = {}): Promise<T> => {
    let response: Response;
    const timeout = AbortSignal.timeout(options.timeoutMs ?? config.timeoutMs);
    try {
      response = await fetch(`${base}/bot${token}/${method}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(params),
        signal: options.signal ? AbortSignal.any([timeout, options.signal]) : timeout,
      });
    } catch (error) {
      // The fetch error may carry the URL, and the URL carries the token: report only its kind.
      const kind = error instanceof Error && error.name === "TimeoutError" ? "timed out" : "could not connect";
      throw new PlatformCallError("NETWORK_ERROR", `Telegram could not be reached (${method}: ${kind}).`, { platform: "telegram" });
    }
    const answer = (await response.json().catch(() => ({ ok: false }))) as BotApiAnswer<T>;
    if (answer.ok) return answer.result as T;
    throw translateError(method, response.status, answer);
  };
}

function translateError(method: string, status: number, answer: BotApiAnswer<unknown>): PlatformCallError {
  const description = answer.description ?? `HTTP ${status}`;
  const details = { platform: "telegram", method, platform_error: description };
  const code = answer.error_code ?? status;
  if (code === 401 || code === 404) {
    return new PlatformCallError("INVALID_CREDENTIALS", "Telegram refused the bot token; copy it again from @BotFather.", details);
  }
  if (code === 429) {
    const seconds = answer.parameters?.retry_after ?? 1;
    return new PlatformCallError("RATE_LIMITED", `Telegram rate limit on ${method}: retry after ${seconds}s.`, {
      ...details,
      retryAfterMs: seconds * 1000,
    });
  }
  const migrateTo = answer.parameters?.migrate_to_chat_id;
  return new PlatformCallError("PLATFORM_ERROR", `Telegram refused ${method}: ${description}`, {
    ...details,
    transient: code >= 500,
    ...(migrateTo !== undefined ? { migrate_to_chat_id: String(migrateTo) } : {}),
  });
}
