import { PlatformCallError } from "@patchbay/core";

export interface DiscordRestConfig {
  /** REST base, e.g. https://discord.com/api/v10. */
  apiUrl: string;
  timeoutMs: number;
}

export interface DiscordRequest {
  /** Bot token for `Authorization: Bot …`; interaction webhook routes need none. */
  token?: string | undefined;
  body?: unknown;
}

interface DiscordErrorBody {
  code?: number;
  message?: string;
  errors?: unknown;
  retry_after?: number;
  global?: boolean;
}

/** Discord's own error codes Patchbay reacts to. */
export const DISCORD_ERRORS = {
  unknownGuild: 10004,
  unknownMessage: 10008,
  unknownWebhook: 10015,
  invalidWebhookToken: 50027,
  missingAccess: 50001,
  invalidFormBody: 50035,
  threadAlreadyCreated: 160004,
} as const;

/** One REST call; failures become PlatformCallErrors carrying `discord_code` (never the token). */
export type DiscordRest = <T>(method: string, path: string, request?: DiscordRequest) => Promise<T>;

export function createDiscordRest(config: DiscordRestConfig): DiscordRest {
  const base = config.apiUrl.replace(/\/+$/, "");
  return async <T>(method: string, path: string, { token, body }: DiscordRequest = {}): Promise<T> => {
    let response: Response;
    try {
      response = await fetch(`${base}${path}`, {
        method,
        headers: {
          "user-agent": "DiscordBot (https://github.com/patchbay/patchbay, 1.0)",
          ...(token ? { authorization: `Bot ${token}` } : {}),
          ...(body !== undefined ? { "content-type": "application/json" } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(config.timeoutMs),
      });
    } catch {
      throw new PlatformCallError("NETWORK_ERROR", `Discord could not be reached (${method} ${route(path)}).`, { platform: "discord" });
    }
    if (response.status === 204) return undefined as T;
    const parsed = (await response.json().catch(() => ({}))) as T & DiscordErrorBody;
    if (response.ok) return parsed;
    throw translate(method, path, response, parsed);
  };
}

/** The path without tokens, for messages and logs. */
function route(path: string): string {
  return path.replace(/\/(webhooks|interactions)\/(\d+)\/[^/]+/, "/$1/$2/:token");
}

function translate(method: string, path: string, response: Response, body: DiscordErrorBody): PlatformCallError {
  const where = `${method} ${route(path)}`;
  const details = { platform: "discord", discord_code: body.code ?? 0, platform_error: body.message ?? `HTTP ${response.status}`, ...(body.errors ? { errors: body.errors } : {}) };
  if (response.status === 429) {
    const seconds = body.retry_after ?? Number(response.headers.get("retry-after") ?? "1");
    return new PlatformCallError("RATE_LIMITED", `Discord rate limit on ${where}: retry after ${seconds}s.`, { ...details, retryAfterMs: Math.ceil(seconds * 1000) });
  }
  if (response.status === 401 && body.code !== DISCORD_ERRORS.invalidWebhookToken) {
    return new PlatformCallError("INVALID_CREDENTIALS", "Discord refused the bot token; copy it again from the Developer Portal (Bot → Reset Token).", details);
  }
  if (response.status === 403) {
    return new PlatformCallError("INSUFFICIENT_PERMISSIONS", `Discord denied ${where}: ${details.platform_error}`, details);
  }
  return new PlatformCallError("PLATFORM_ERROR", `Discord refused ${where}: ${details.platform_error}`, { ...details, transient: response.status >= 500 });
}

/** The Discord error code of a failed call, if any. */
export function discordCode(error: unknown): number | undefined {
  return error instanceof PlatformCallError && typeof error.details.discord_code === "number" ? error.details.discord_code : undefined;
}
