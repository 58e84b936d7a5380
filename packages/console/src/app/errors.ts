/** Where an API error belongs on a form, and what a person can do about a code. */
import type { IgnoreReason } from "@patchbay/core";
import { ApiError } from "./api.ts";

/** Platform refusals of the credentials belong under the token field unless the error names its field. */
const CREDENTIAL_CODES = new Set(["INVALID_CREDENTIALS", "AUTH_EXPIRED", "INSUFFICIENT_PERMISSIONS"]);

/** Field name → the message to show under it. */
export function fieldErrors(error: unknown): Record<string, string> {
  if (!(error instanceof ApiError)) return {};
  const out: Record<string, string> = {};
  for (const { field, message } of error.body.fields ?? []) out[field] = out[field] ? `${out[field]}; ${message}` : message;
  const named = typeof error.body.field === "string" ? error.body.field : undefined;
  if (named && !out[named]) out[named] = error.message;
  else if (!named && CREDENTIAL_CODES.has(error.code) && !out.bot_token) out.bot_token = error.message;
  return out;
}

/** What to do about a last_error or a failed event, by code; the API's own message comes first. */
export const ADVICE: Record<string, string> = {
  INVALID_CREDENTIALS: "The platform no longer accepts the bot's token: rotate it below with a fresh one.",
  AUTH_EXPIRED: "The token has expired or was revoked: rotate it below with a fresh one.",
  INSUFFICIENT_PERMISSIONS: "Grant the bot what the message names (scopes, or invite it again), then press Validate.",
  RATE_LIMITED: "The platform is limiting the bot for a while; Patchbay retries on its own.",
  NETWORK_ERROR: "The platform could not be reached; Patchbay retries in the background. Press Validate to check now.",
  PLATFORM_ERROR: "The platform refused a call; the message says why. Fix it there, then press Validate.",
  MODEL_AUTH: "The replica's model cannot be used: set the provider's key where Patchbay runs, or pick another model on the replica.",
  MODEL_ERROR: "The model failed to answer; the next message tries again. If it keeps failing, check the provider or change the replica's model.",
};

/** Why a message got no answer, in words: every reason core names (a new one is a compile error here until worded). */
export const IGNORE_REASONS: Record<IgnoreReason, string> & Record<string, string> = {
  integration_inactive: "the integration is paused",
  scope_none: "the scope is none: the bot answers nothing",
  channel_not_allowed: "the chat is not one of the selected channels",
  not_addressed: "the bot was not mentioned or replied to (scope: mentions)",
  own_message: "the bot's own message",
  bot_message: "sent by another bot",
  system_message: "a service message of the platform",
  empty_message: "the message has no text",
  edited_message: "an edit of an earlier message",
  deleted_message: "a deletion",
  member_event: "someone joined or left",
  unsupported_event: "a kind of event Patchbay does not act on",
  unexpected_payload: "the platform sent a shape Patchbay does not expect",
  expired_interaction: "a Discord interaction too old to answer (over 15 minutes)",
  guild_not_allowed: "a Discord interaction or message from another server than this integration's",
  duplicate_delivery: "already delivered to an earlier integration of the same bot, and answered there",
};

export function reasonText(reason: string): string {
  return IGNORE_REASONS[reason] ?? reason;
}
