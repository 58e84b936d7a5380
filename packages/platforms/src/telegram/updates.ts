import { PlatformCallError } from "@patchbay/core";
import type { TelegramBotApi } from "./bot-api.ts";
import { ALLOWED_UPDATES } from "./types.ts";

/** An update as getUpdates returned it: its id (what confirms it) and the body the webhook driver parses. */
export interface PolledTelegramUpdate {
  updateId: number;
  body: unknown;
}

export interface GetUpdatesRequest {
  /** The first update wanted: the last one handled + 1 (confirms everything before it); none on a first poll. */
  offset: number | undefined;
  /** How long Telegram holds the request open waiting for an update (a long poll), in seconds. */
  timeoutSeconds: number;
  signal?: AbortSignal;
}

/** Who else is reading this bot's updates, when Telegram answers 409. */
export type GetUpdatesConflict = "webhook" | "other_consumer";

/** Network slack on top of the long poll's own wait before the call counts as hung. */
const LONG_POLL_GRACE_MS = 10_000;

/**
 * One long poll of getUpdates, with the update types Patchbay's webhooks ask for. A 409 (someone else has the
 * bot: a webhook set elsewhere, or another getUpdates consumer) becomes a PlatformCallError that says which,
 * with `details.conflict`.
 */
export async function getTelegramUpdates(api: TelegramBotApi, token: string, request: GetUpdatesRequest): Promise<PolledTelegramUpdate[]> {
  let result: unknown;
  try {
    result = await api<unknown>(
      token,
      "getUpdates",
      {
        ...(request.offset !== undefined ? { offset: request.offset } : {}),
        timeout: request.timeoutSeconds,
        allowed_updates: ALLOWED_UPDATES,
      },
      { timeoutMs: request.timeoutSeconds * 1000 + LONG_POLL_GRACE_MS, ...(request.signal ? { signal: request.signal } : {}) },
    );
  } catch (error) {
    throw conflictOf(error) ?? error;
  }
  if (!Array.isArray(result)) {
    throw new PlatformCallError("PLATFORM_ERROR", "Telegram answered getUpdates with something other than a list of updates.", { platform: "telegram", transient: true });
  }
  // Every Update has an integer update_id; anything else cannot be confirmed and is not an update.
  return result
    .filter((body): body is { update_id: number } => typeof body === "object" && body !== null && Number.isSafeInteger((body as { update_id?: unknown }).update_id))
    .map((body) => ({ updateId: body.update_id, body }));
}

function conflictOf(error: unknown): PlatformCallError | undefined {
  if (!(error instanceof PlatformCallError)) return undefined;
  const description = String(error.details.platform_error ?? "");
  if (!description.startsWith("Conflict")) return undefined;
  const details = { ...error.details, transient: true };
  if (/webhook/i.test(description)) {
    return new PlatformCallError(
      "PLATFORM_ERROR",
      "Telegram refuses long polling for this bot because a webhook is set for it (409 Conflict: another deployment or bot framework set it). " +
        "Patchbay removes that webhook on its next check; if another program really uses this bot, stop it or connect a different bot.",
      { ...details, conflict: "webhook" satisfies GetUpdatesConflict },
    );
  }
  return new PlatformCallError(
    "PLATFORM_ERROR",
    "Another program is reading this bot's updates with getUpdates (409 Conflict: terminated by other getUpdates request). " +
      "Only one consumer can poll a bot: stop the other one (a second npm start on another DATA_DIR, a bot framework, a script) or connect a different bot; Patchbay keeps retrying.",
    { ...details, conflict: "other_consumer" satisfies GetUpdatesConflict },
  );
}
