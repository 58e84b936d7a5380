import { createHash } from "node:crypto";

/** One Slack message, whichever event carried it: app_mention and message.* deliver it under two event ids. */
export const messageKey = (channel: string, ts: string): string => `${channel}:${ts}`;

/**
 * A stable key for a body without a usable event_id (app_rate_limited has none), so its redeliveries are
 * logged as one. Bodies too deep to serialise share one key: they are logged, never answered.
 */
export function bodyKey(body: unknown): string {
  let serialised: string;
  try {
    serialised = JSON.stringify(body) ?? String(body);
  } catch {
    return "h-unserialisable";
  }
  return `h${createHash("sha256").update(serialised).digest("hex").slice(0, 32)}`;
}

/** A membership change: who, where, when (member events have no ts of their own, only event_ts). */
export const memberKey = (channel: string, user: string, eventTs: string): string => `${channel}:member:${user}:${eventTs}`;
