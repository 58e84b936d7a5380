/** An interaction's identity: Discord keeps its id if it ever delivers it twice. */
export const interactionKey = (interactionId: string): string => `i${interactionId}`;

/** A channel message's identity, the same on reconnect, resume or two overlapping Gateway connections. */
export const messageKey = (messageId: string): string => `m${messageId}`;

/** An edit's identity: each edit of a message is its own log entry, none shared with the message itself. */
export const editKey = (messageId: string, editedAt: string | null | undefined): string =>
  `e${messageId}${editedAt ? `-${Date.parse(editedAt)}` : ""}`;

/** A deletion's identity. */
export const deleteKey = (messageId: string): string => `d${messageId}`;

