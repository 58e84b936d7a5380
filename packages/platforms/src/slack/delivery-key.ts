/** One Slack message, whichever event carried it: app_mention and message.* deliver it under two event ids. */
export const messageKey = (channel: string, ts: string): string => `${channel}:${ts}`;

/** A membership change: who, where, when (member events have no ts of their own, only event_ts). */
export const memberKey = (channel: string, user: string, eventTs: string): string => `${channel}:member:${user}:${eventTs}`;
