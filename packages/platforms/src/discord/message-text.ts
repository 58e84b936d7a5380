/** The longest message a Discord user can write (4000 characters with Nitro, 2000 without). */
export const DISCORD_INPUT_MAX_CHARS = 4000;
/** Usernames and display names are at most 32 characters; kept a little longer, never unbounded. */
const NAME_MAX_CHARS = 100;

/** A half of a surrogate pair without its other half: JSON can carry one, UTF-8 cannot. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Cuts text at `max` characters (code points, as Discord counts them), never halving a surrogate pair;
 * a lone surrogate becomes U+FFFD so the text stores and prints as UTF-8.
 */
export function cut(text: string, max: number): string {
  return cutCodePoints(text, max).replace(LONE_SURROGATE, "\uFFFD");
}

function cutCodePoints(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = 0;
  let count = 0;
  for (const char of text) {
    if (count === max) break;
    end += char.length;
    count += 1;
  }
  return text.slice(0, end);
}

/** What a person's text becomes before the model sees it: at most what Discord lets anyone write. */
export const cutText = (text: string): string => cut(text, DISCORD_INPUT_MAX_CHARS);

/** The name people see: the display name when set, else the username. */
export const displayName = (user: { username: string; global_name?: string | null | undefined } | undefined): string =>
  cut(user?.global_name || user?.username || "", NAME_MAX_CHARS);
