import { ErrorCode, LogLevel, WebClient } from "@slack/web-api";
import type { Logger as SlackLogger } from "@slack/web-api";
import { PlatformCallError } from "@patchbay/core";

/** Every Web API call is bounded so it cannot outlive a Lambda or hold a worker. */
const SLACK_TIMEOUT_MS = 10_000;

const silent: SlackLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  setLevel: () => undefined,
  getLevel: () => LogLevel.ERROR,
  setName: () => undefined,
};

/**
 * A WebClient that never retries on its own: a 429 surfaces at once with its Retry-After (the responder
 * waits or re-queues), and an ambiguous network failure is not silently re-sent inside the client.
 */
export function createSlackWebClient(token: string, apiUrl: string): WebClient {
  return new WebClient(token, {
    slackApiUrl: apiUrl,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: SLACK_TIMEOUT_MS,
    logger: silent,
  });
}

const EXPIRED = new Set(["token_revoked", "token_expired", "account_inactive", "ekm_access_denied"]);
const INVALID = new Set(["invalid_auth", "not_authed", "not_allowed_token_type"]);

/** Slack's failures as PlatformCallErrors (the token never appears in them). */
export function translateSlackError(error: unknown, method: string): PlatformCallError {
  const coded = error as { code?: string; retryAfter?: number; data?: { error?: string; needed?: string; provided?: string }; statusCode?: number };
  const details = { platform: "slack", method };
  switch (coded.code) {
    case ErrorCode.RateLimitedError:
      return new PlatformCallError("RATE_LIMITED", `Slack rate limit on ${method}: retry after ${coded.retryAfter}s.`, {
        ...details,
        retryAfterMs: (coded.retryAfter ?? 1) * 1000,
      });
    case ErrorCode.PlatformError: {
      const slackError = coded.data?.error ?? "unknown_error";
      if (INVALID.has(slackError)) {
        return new PlatformCallError("INVALID_CREDENTIALS", `Slack refused the bot token (${slackError}); copy the Bot User OAuth Token (xoxb-…) again.`, { ...details, platform_error: slackError });
      }
      if (EXPIRED.has(slackError)) {
        return new PlatformCallError("AUTH_EXPIRED", `The Slack token no longer works (${slackError}); reinstall the app and rotate bot_token.`, { ...details, platform_error: slackError });
      }
      if (slackError === "missing_scope") {
        const needed = coded.data?.needed?.split(",").filter(Boolean) ?? [];
        return new PlatformCallError("INSUFFICIENT_PERMISSIONS", `The Slack app lacks a scope for ${method}: add ${needed.join(", ") || "the needed scope"} and reinstall.`, { ...details, platform_error: slackError, required_scopes: needed });
      }
      return new PlatformCallError("PLATFORM_ERROR", `Slack refused ${method}: ${slackError}`, { ...details, platform_error: slackError });
    }
    case ErrorCode.HTTPError:
      return new PlatformCallError("PLATFORM_ERROR", `Slack answered ${method} with HTTP ${coded.statusCode}.`, {
        ...details,
        transient: (coded.statusCode ?? 500) >= 500,
      });
    default:
      return new PlatformCallError("NETWORK_ERROR", `Slack could not be reached (${method}).`, details);
  }
}

/** Runs a Web API call, translating its failure. */
export async function slackCall<T>(method: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw translateSlackError(error, method);
  }
}
