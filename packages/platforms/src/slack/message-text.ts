/** Slack truncates messages longer than this (chat.postMessage docs); nothing longer is passed on. */
const SLACK_MAX_MESSAGE_CHARS = 40_000;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** `<@U123>` or the older `<@U123|name>`; user ids are upper-case letters and digits, safe inside a pattern. */
const mentionPattern = (userId: string) => new RegExp(`<@${userId}(?:\\|[^>]*)?>`, "g");

/** Whether the text mentions that user. */
export function mentions(text: string, userId: string): boolean {
  return mentionPattern(userId).test(text);
}

/**
 * The text the model gets: the bot's mention written as `@username`, well-formed Unicode, cut at Slack's
 * own maximum (never between the two halves of a surrogate pair), trimmed.
 */
export function readableText(text: string, bot: { userId: string; username: string }): string {
  // A function, so nothing in a username is read as a replacement pattern ($&, $1).
  const named = text.replace(mentionPattern(bot.userId), () => `@${bot.username}`);
  const wellFormed = named.replace(LONE_SURROGATE, "\uFFFD");
  let cut = wellFormed.slice(0, SLACK_MAX_MESSAGE_CHARS);
  if (cut.length < wellFormed.length && /[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return cut.trim();
}
