import { createHash } from "node:crypto";

/** An interaction's identity: Discord keeps its id if it ever delivers it twice. */
export const interactionKey = (interactionId: string): string => `i${interactionId}`;

/** A channel message's identity, the same on reconnect, resume or two overlapping Gateway connections. */
export const messageKey = (messageId: string): string => `m${messageId}`;

/** An edit's identity: each edit of a message is its own log entry, none shared with the message itself. */
export const editKey = (messageId: string, editedAt: string | null | undefined): string =>
  `e${messageId}${editedAt ? `-${Date.parse(editedAt)}` : ""}`;

/** A deletion's identity. */
export const deleteKey = (messageId: string): string => `d${messageId}`;

/**
 * A stable key for a body without a usable id, so its redeliveries are still logged as one.
 * Bodies too deep to serialise share one key: they are logged, never answered.
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
