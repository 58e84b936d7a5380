import { isBlankMarkdown } from "./markdown/plain-text.ts";
import { splitMarkdown } from "./markdown/split.ts";

/**
 * Splits a model's Markdown answer into parts of at most `limit` UTF-16 units as written, for platforms that
 * render the Markdown themselves and count it raw (Discord). Boundaries are preferred at a paragraph
 * break, then a line break, a sentence end, a space; bold, italics, links and code cut in two are closed at
 * the end of one part and reopened at the start of the next, a fenced code block with its language; a hard
 * cut never halves a surrogate pair. See {@link splitMarkdown}.
 */
export function splitText(text: string, limit: number): string[] {
  return splitMarkdown(text, {
    limit,
    length: (part) => part.length,
    isBlank: isBlankMarkdown,
  });
}
