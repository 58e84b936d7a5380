import { PlatformCallError } from "@patchbay/core";
import { createSlackWebClient, slackCall } from "./web-client.ts";

/**
 * apps.connections.open: a fresh, single-use WebSocket URL for the app's Socket Mode, asked with its
 * app-level token (`xapp-…`, scope connections:write). The token's failures are worded for that token.
 */
export async function openSocketModeUrl(appToken: string, apiUrl: string): Promise<{ url: string; appId: string | null }> {
  let answer: { url?: string };
  try {
    answer = await slackCall("apps.connections.open", () => createSlackWebClient(appToken, apiUrl).apps.connections.open());
  } catch (error) {
    throw appTokenError(error);
  }
  if (!answer.url) {
    throw new PlatformCallError("PLATFORM_ERROR", "Slack answered apps.connections.open without a WebSocket URL.", { platform: "slack", transient: true });
  }
  // Slack's Socket Mode URLs name the app they belong to.
  const appId = safeUrl(answer.url)?.searchParams.get("app_id") ?? null;
  return { url: answer.url, appId };
}

function appTokenError(error: unknown): unknown {
  if (!(error instanceof PlatformCallError)) return error;
  const slackError = String(error.details.platform_error ?? "");
  if (error.code === "INVALID_CREDENTIALS" || error.code === "AUTH_EXPIRED") {
    return new PlatformCallError(
      error.code,
      `Slack refused the app-level token (${slackError}): copy app_token (xapp-…) again from the app's Basic Information → App-Level Tokens; it needs the connections:write scope.`,
      error.details,
    );
  }
  if (error.code === "INSUFFICIENT_PERMISSIONS") {
    return new PlatformCallError("INSUFFICIENT_PERMISSIONS", "The app-level token lacks the connections:write scope: create one with it under Basic Information → App-Level Tokens.", {
      ...error.details,
      required_scopes: ["connections:write"],
    });
  }
  return error;
}

function safeUrl(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}
