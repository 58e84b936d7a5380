import { countExamined } from "./cost.ts";

// Lines, fenced code blocks and block syntax, shared by every renderer and the splitter so all agree exactly.

export interface Line {
  /** Offset of the first character of the line. */
  start: number;
  /** Offset just past the last character of the line (the `\n`, or the end of the text). */
  end: number;
  text: string;
}

export function splitLines(text: string): Line[] {
  countExamined(text.length);
  const lines: Line[] = [];
  let start = 0;
  for (;;) {
    const newline = text.indexOf("\n", start);
    const end = newline === -1 ? text.length : newline;
    lines.push({ start, end, text: text.slice(start, end) });
    if (newline === -1) return lines;
    start = newline + 1;
  }
}

export interface FenceOpening {
  indent: number;
  marker: string;
  language: string;
}

const FENCE_OPEN = /^([ \t]*)(`{3,}|~{3,})(.*)$/;
const FENCE_CLOSE = /^[ \t]*(`{3,}|~{3,})[ \t]*\r?$/;
const LANGUAGE = /^[A-Za-z0-9_+#.-]{1,40}$/;

export function matchFenceOpening(line: string): FenceOpening | null {
  const match = FENCE_OPEN.exec(line);
  if (match === null) return null;
  const indent = match[1] ?? "";
  const marker = match[2] ?? "";
  const info = (match[3] ?? "").trim();
  if (info.includes(marker[0] ?? "`")) return null;
  const word = info.split(/\s+/)[0] ?? "";
  return { indent: indent.length, marker, language: LANGUAGE.test(word) ? word : "" };
}

export function isFenceClosing(line: string, opening: FenceOpening): boolean {
  const match = FENCE_CLOSE.exec(line);
  const marker = match?.[1];
  return marker !== undefined && marker[0] === opening.marker[0] && marker.length >= opening.marker.length;
}

export interface FenceBlock extends FenceOpening {
  /** Start of the opening line. */
  openStart: number;
  /** End of the opening line (offset of its `\n`, or the text end). */
  openEnd: number;
  /** Start of the closing line; the text length when the fence is never closed. */
  closeStart: number;
  /** End of the closing line; the text length when the fence is never closed. */
  closeEnd: number;
  closed: boolean;
  /** The opening line as written (used to reopen a block in the next part). */
  openingLine: string;
}

export function scanFences(text: string, lines: readonly Line[]): FenceBlock[] {
  const blocks: FenceBlock[] = [];
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    const opening = matchFenceOpening(line.text);
    if (opening === null) continue;
    let closing = index + 1;
    while (closing < lines.length && !isFenceClosing(lines[closing]!.text, opening)) closing++;
    const closeLine = lines[closing];
    blocks.push({
      ...opening,
      openStart: line.start,
      openEnd: line.end,
      closeStart: closeLine?.start ?? text.length,
      closeEnd: closeLine?.end ?? text.length,
      closed: closeLine !== undefined,
      openingLine: line.text.replace(/\r$/, ""),
    });
    index = closing;
  }
  return blocks;
}

export const QUOTE_PREFIX = /^[ \t]{0,3}>/;
export const QUOTE_MARKERS = /^(?:[ \t]*>[ \t]?)+/;
export const RULE = /^[ \t]{0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
export const HEADING = /^([ \t]{0,3}#{1,6}[ \t]+)(.*)$/;

/**
 * An ATX heading's opening and content, without its optional closing `#`s and trailing blanks. Done by hand:
 * the one-regex form (`(.*?)(?:[ \t]+#+)?[ \t]*$`) backtracks quadratically on a long run of blanks.
 */
export function matchHeading(line: string): { prefix: string; content: string } | null {
  const match = HEADING.exec(line);
  if (match === null) return null;
  const rest = match[2]!;
  const isBlank = (at: number) => rest[at] === " " || rest[at] === "\t";
  let end = rest.length;
  while (end > 0 && isBlank(end - 1)) end--;
  let hashes = end;
  while (hashes > 0 && rest[hashes - 1] === "#") hashes--;
  countExamined(rest.length);
  if (hashes < end && hashes > 0 && isBlank(hashes - 1)) {
    end = hashes;
    while (end > 0 && isBlank(end - 1)) end--;
  }
  return { prefix: match[1]!, content: rest.slice(0, end) };
}

export const BULLET = /^([ \t]*)[-*+][ \t]+/;

/** Whether a line (from its first non-blank character) would be read as block syntax rather than text. */
export function looksLikeBlock(line: string): boolean {
  return QUOTE_PREFIX.test(line) || HEADING.test(line) || BULLET.test(line) || RULE.test(line) || FENCE_OPEN.test(line);
}

/** A code line without the indentation its fence opened with. */
export function stripIndent(line: string, indent: number): string {
  let index = 0;
  while (index < indent && (line[index] === " " || line[index] === "\t")) index++;
  return line.slice(index);
}