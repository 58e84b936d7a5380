import { countExamined } from "./cost.ts";
import { parseLine, WHITESPACE } from "./inline.ts";
import type { InlineSpan } from "./inline.ts";
import { QUOTE_MARKERS, QUOTE_PREFIX, isFenceClosing, looksLikeBlock, scanFences, splitLines } from "./syntax.ts";
import type { FenceBlock, Line } from "./syntax.ts";

/**
 * Where each boundary stands relative to the inline spans (code, links, emphasis) outside fenced code. A cut at
 * `p` ends a part before `text[p]`.
 */
interface SpanTables {
  spans: InlineSpan[];
  /** The innermost span whose content holds `p` with content on both sides (-1: none); a cut there closes it. */
  inside: Int32Array;
  /** The span around each span (-1: none). */
  parent: Int32Array;
  /** Where a cut at `p` must move instead (-1: it may stay): off an opening or closing mark, out of an autolink. */
  moveTo: Int32Array;
}

function spanTables(text: string, lines: readonly Line[], fences: readonly FenceBlock[]): SpanTables {
  const spans: InlineSpan[] = [];
  let fenceIndex = 0;
  for (const line of lines) {
    while (fenceIndex < fences.length && fences[fenceIndex]!.closeEnd < line.start) fenceIndex++;
    const fence = fences[fenceIndex];
    if (fence !== undefined && line.start >= fence.openStart && line.start <= fence.closeEnd) continue;
    const offset = QUOTE_PREFIX.test(line.text) ? QUOTE_MARKERS.exec(line.text)![0].length : 0;
    for (const span of parseLine(line.text, offset).spans) spans.push({ ...span, start: line.start + span.start, end: line.start + span.end });
  }
  // Outer spans first, so that filling each one's range leaves the innermost span at every offset.
  spans.sort((a, b) => a.start - b.start || b.end - a.end);
  const inside = new Int32Array(text.length + 1).fill(-1);
  const moveTo = new Int32Array(text.length + 1).fill(-1);
  /** The innermost span whose content holds the character at each offset: a span starting there is inside it. */
  const holder = new Int32Array(text.length + 1).fill(-1);
  const parent = new Int32Array(spans.length);
  for (const [index, span] of spans.entries()) {
    parent[index] = holder[span.start]!;
    if (span.atomic) {
      moveTo.fill(span.start, span.start + 1, span.end);
      continue;
    }
    const contentStart = span.start + span.open.length;
    const contentEnd = span.end - span.close.length;
    moveTo.fill(span.start, span.start + 1, contentStart + 1);
    moveTo.fill(span.end, contentEnd, span.end);
    holder.fill(index, contentStart, contentEnd);
    if (contentEnd - contentStart > 1) inside.fill(index, contentStart + 1, contentEnd);
  }
  return { spans, inside, parent, moveTo };
}

/** A line start that is only a list, heading or quote marker: a cut after it would leave the marker alone. */
const BLOCK_MARKER = /^[ \t]*(?:[-*+]|\d{1,9}[.)]|#{1,6}|>)[ \t]*$/;
const SENTENCE_END = /[.!?…]/;
const CJK_SENTENCE_END = /[。！？]/;
const SENTENCE_TRAILER = /["'”’»)\]*_`]/;

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

/** How a platform measures and renders a part. */
export interface PartMeasure {
  /** The most a part may measure. */
  limit: number;
  /** What a part measures (raw characters, or characters shown once the platform has rendered it). */
  length(part: string): number;
  /** Whether a part would show nothing at all. */
  isBlank(part: string): boolean;
}

/**
 * Splits model Markdown into parts that each measure at most `limit`.
 *
 * Boundaries are preferred in the order paragraph break, line break, sentence end, whitespace (never right after
 * a line's list, heading or quote marker), hard cut (never inside a surrogate pair); a boundary of a better kind wins if it keeps the part at least half full, and cuts
 * inside a code span, link or emphasis are avoided when possible. Formatting is never cut open: a code span,
 * link or emphasis cut in two is closed at the end of one part and reopened at the start of the next (a link
 * with its destination again), and a fenced code block likewise with its original opening line; only when even
 * those marks cannot fit (a limit of a few characters) is a part cut without them. Whitespace at the
 * boundaries is dropped; parts are never blank. Otherwise the parts are slices of the input, in order, except:
 * a part that starts mid-line with text that would read as block syntax (`> `, `# `, `- `, a fence…) gets a
 * leading backslash so it stays literal, and fragments that render to nothing at all (an empty fenced block,
 * a bare `>` that cannot share a part with its content) are dropped.
 */
export function splitMarkdown(markdown: string, measure: PartMeasure): string[] {
  const { limit } = measure;
  if (!Number.isInteger(limit) || limit < 2) throw new RangeError(`limit must be an integer ≥ 2, got ${limit}`);
  const text = markdown;
  const length = text.length;
  const lines = splitLines(text);
  const fences = scanFences(text, lines);
  let tables: SpanTables | undefined;
  const spansOf = (): SpanTables => (tables ??= spanTables(text, lines, fences));

  // Every question below about "the line of", "the fence around" or "blank until" a position is answered
  // from these tables in O(log n) or O(1), never by scanning the text again, so each part costs what its own
  // candidate cuts cost and the whole split stays linear in the answer's length.

  /** For every offset, the next one that is not whitespace (the text length when none is). */
  const nextNonBlank = new Int32Array(length + 1);
  nextNonBlank[length] = length;
  for (let index = length - 1; index >= 0; index--) nextNonBlank[index] = WHITESPACE.test(text[index]!) ? nextNonBlank[index + 1]! : index;
  countExamined(length);
  const blankBetween = (from: number, to: number): boolean => nextNonBlank[Math.min(from, length)]! >= to;

  /** The last of `items` (sorted by `start`) whose `start` is before `position`, by binary search. */
  const lastStartingBefore = <T>(items: readonly T[], start: (item: T) => number, position: number): T | undefined => {
    let low = -1;
    let high = items.length;
    while (high - low > 1) {
      countExamined(1);
      const middle = (low + high) >>> 1;
      if (start(items[middle]!) < position) low = middle;
      else high = middle;
    }
    return items[low];
  };
  /** The line holding `position` (a line's `end` is its newline, which belongs to it). */
  const lineOf = (position: number): Line => lastStartingBefore(lines, (line) => line.start, position + 1)!;
  /** The fence whose lines (opening to closing) hold `position`, other than at its very first character. */
  const fenceHolding = (position: number): FenceBlock | undefined => {
    const fence = lastStartingBefore(fences, (f) => f.openStart, position);
    return fence !== undefined && position <= fence.closeEnd ? fence : undefined;
  };

  /** The fence whose content strictly contains `position` (between its opening and closing lines). */
  const fenceAround = (position: number): FenceBlock | undefined => {
    const fence = fenceHolding(position);
    return fence !== undefined && fence.openEnd < position && position < fence.closeStart ? fence : undefined;
  };

  /** Whether a part starting mid-line at `position` would turn into a quote, heading, list item, rule or fence. */
  const startsLikeBlock = (position: number): boolean => {
    if (position >= length || fenceAround(position) !== undefined) return false;
    if (blankBetween(lineOf(position).start, position)) return false;
    return looksLikeBlock(restOfLine(position));
  };
  const restOfLine = (position: number): string => {
    countExamined(256);
    return text.slice(position, Math.min(lineOf(position).end, position + 256));
  };

  /** Whether a part starting at `position` inside fenced code would begin with what closes the fence. */
  const startsLikeFenceClose = (position: number): boolean => {
    const fence = fenceAround(position);
    return fence !== undefined && isFenceClosing(restOfLine(position), fence);
  };
  const awkwardStart = (position: number): boolean => startsLikeBlock(position) || startsLikeFenceClose(position);

  /** The spans a boundary at `position` falls inside, innermost first: a cut there closes them, a part starting there reopens them. */
  const spansAround = (position: number): InlineSpan[] => {
    const around: InlineSpan[] = [];
    if (position === 0 || position >= length) return around;
    const { spans, inside, parent } = spansOf();
    for (let span = inside[position]!; span !== -1; span = parent[span]!) around.push(spans[span]!);
    return around;
  };
  const openersAt = (position: number): string =>
    spansAround(position)
      .map((span) => span.open)
      .reduce((marks, open) => open + marks, "");
  const closersAt = (position: number): string => spansAround(position).map((span) => span.close).join("");

  /** The part from `start` to `end`; `withMarks` false leaves formatting cut open (when even its marks do not fit). */
  const build = (start: number, end: number, withMarks = true): string => {
    countExamined(end - start);
    const openers = withMarks ? openersAt(start) : "";
    let body = openers + text.slice(start, end).trimEnd() + (withMarks ? closersAt(end) : "");
    // Literal text that only looks like block syntax because the part starts there keeps its meaning.
    if (openers === "" && startsLikeBlock(start)) body = `\\${body}`;
    const reopen = fenceAround(start);
    if (reopen !== undefined) body = `${reopen.openingLine}\n${body}`;
    const close = end < length ? fenceAround(end) : undefined;
    if (close !== undefined) body = `${body}\n${" ".repeat(close.indent)}${close.marker}`;
    return body;
  };
  const fits = (part: string): boolean => measure.length(part) <= limit;
  const isBlank = (part: string): boolean => measure.isBlank(part);

  /**
   * Moves a cut off fence delimiter lines and out of empty fence content, and off the marks of inline spans, out
   * of autolinks and out of a span whose part would hold none of its content; null when nothing would remain.
   */
  const adjustCut = (start: number, cut: number): number | null => {
    // Fences never overlap, so only the one holding the cut can move it, and where it moves it no other fence is.
    let adjusted = cut;
    const fence = fenceHolding(cut);
    if (fence !== undefined) {
      if (adjusted <= fence.openEnd) adjusted = fence.openStart;
      else if (fence.closed && fence.closeStart <= adjusted && adjusted < fence.closeEnd) adjusted = fence.closeEnd;
      else if (adjusted < fence.closeStart && blankBetween(Math.max(fence.openEnd, start), adjusted)) adjusted = fence.openStart;
    } else if (adjusted > start && adjusted < length) {
      // Spans sit on lines outside fences; each move goes to a span's edge, outwards, so it ends within their depth.
      const { spans, inside, moveTo } = spansOf();
      for (;;) {
        const moved = moveTo[adjusted]!;
        if (moved !== -1) {
          adjusted = moved;
          continue;
        }
        const span = spans[inside[adjusted]!];
        if (span === undefined || !blankBetween(Math.max(span.start + span.open.length, start), adjusted)) break;
        adjusted = span.start;
      }
    }
    return adjusted > start ? adjusted : null;
  };

  /** Where the next part starts: past boundary whitespace (keeping a line's indentation where it matters) and
   * past a closing fence line or the closing marks of a span that the previous part already closed. */
  const nextStart = (cut: number): number => {
    let position = cut;
    for (;;) {
      let scan = nextNonBlank[Math.min(position, length)]!;
      if (scan >= length) return length;
      // Indentation matters in fenced code and where it decides whether a line is a quote, heading, list
      // item… (`    > x` is not a quote); keep it there, drop it elsewhere.
      const lineStart = lineOf(scan).start;
      if (lineStart >= position && (fenceAround(lineStart) !== undefined || looksLikeBlock(restOfLine(scan)))) {
        scan = lineStart;
      }
      const fence = fenceHolding(scan);
      if (fence !== undefined && fence.closed && fence.closeStart <= scan && scan < fence.closeEnd) {
        position = fence.closeEnd;
        continue;
      }
      // The closing marks of a span the previous part already closed.
      const pastSpan = tables?.moveTo[scan] ?? -1;
      if (pastSpan <= scan || !spansAround(cut).some((span) => span.end === pastSpan)) return scan;
      position = pastSpan;
    }
  };

  /** Whether only a block marker (`- `, `1. `, `## `, `> `) stands between the line start and `position`. */
  const afterBlockMarker = (position: number): boolean => {
    const lineStart = lineOf(position).start;
    return position - lineStart <= 16 && BLOCK_MARKER.test(text.slice(lineStart, position));
  };

  interface Boundaries {
    paragraph: number[];
    line: number[];
    sentence: number[];
    space: number[];
    sentenceInSpan: number[];
    spaceInSpan: number[];
    /** All of the above, ascending. */
    every: number[];
  }

  /** Candidate cut offsets in `(start, windowEnd]`, by kind. A cut at `p` ends the part before `text[p]`. */
  const collectBoundaries = (start: number, windowEnd: number): Boundaries => {
    const { inside, moveTo } = spansOf();
    const found: Boundaries = {
      paragraph: [],
      line: [],
      sentence: [],
      space: [],
      sentenceInSpan: [],
      spaceInSpan: [],
      every: [],
    };
    for (let position = start + 1; position <= windowEnd; position++) {
      countExamined(1);
      const char = text[position]!;
      if (char === "\n") {
        if (/^\n[ \t\r]*\n/.test(text.slice(position, position + 64))) found.paragraph.push(position);
        found.line.push(position);
        found.every.push(position);
        continue;
      }
      const inCode = fenceAround(position) !== undefined;
      const inSpan = inside[position] !== -1 || moveTo[position] !== -1;
      if (!inCode && CJK_SENTENCE_END.test(text[position - 1]!)) {
        (inSpan ? found.sentenceInSpan : found.sentence).push(position);
        found.every.push(position);
        continue;
      }
      if (char !== " " && char !== "\t") continue;
      if (afterBlockMarker(position)) continue;
      let back = position - 1;
      while (back > start && SENTENCE_TRAILER.test(text[back]!)) {
        countExamined(1);
        back--;
      }
      if (!inCode && SENTENCE_END.test(text[back]!)) (inSpan ? found.sentenceInSpan : found.sentence).push(position);
      else (inSpan ? found.spaceInSpan : found.space).push(position);
      found.every.push(position);
    }
    return found;
  };

  const parts: string[] = [];
  let start = nextStart(0);
  parting: while (start < length) {
    // The furthest boundary that still fits. Visible length grows almost monotonically with the prefix when
    // measured at boundaries (a raw prefix ending inside a link would show its URL literally, so raw offsets
    // are a poor guide), hence a binary search over the boundaries themselves, in a window that grows while
    // its last boundary still fits (link-heavy text has far fewer visible than raw characters). The rest of
    // the text is tried whole only once the window reaches its end: trying it for every part would convert
    // the whole remainder once per part, quadratic in the answer's length.
    let boundaries: Boundaries;
    let reach: number;
    for (let window = limit * 4 + 256; ; window *= 4) {
      const windowEnd = Math.min(length - 1, start + window);
      if (windowEnd >= length - 1) {
        const whole = build(start, length);
        if (fits(whole)) {
          if (!isBlank(whole)) parts.push(whole);
          break parting;
        }
      }
      boundaries = collectBoundaries(start, windowEnd);
      const every = boundaries.every;
      let low = -1;
      let high = every.length;
      while (high - low > 1) {
        const middle = (low + high) >>> 1;
        const cut = adjustCut(start, every[middle]!);
        if (cut === null || fits(build(start, cut))) low = middle;
        else high = middle;
      }
      reach = low >= 0 ? every[low]! : start;
      if (every.length === 0 || low < every.length - 1 || windowEnd >= length - 1) break;
    }
    const { paragraph, line, sentence, space, sentenceInSpan, spaceInSpan } = boundaries;

    let chosen: { cut: number; part: string } | undefined;
    let attempts = 0;
    const halfway = start + Math.floor((reach - start) / 2);
    const changesNextLine: number[] = [];
    search: for (const minimum of [halfway, start + 1]) {
      for (const tier of [paragraph, line, sentence, space, sentenceInSpan, spaceInSpan, changesNextLine]) {
        for (let k = tier.length - 1; k >= 0; k--) {
          countExamined(1);
          const raw = tier[k]!;
          if (raw > reach) continue;
          if (raw < minimum) break;
          if (++attempts > 64) break search;
          const cut = adjustCut(start, raw);
          if (cut === null) continue;
          if (tier !== changesNextLine && awkwardStart(nextStart(cut))) {
            if (minimum !== halfway) changesNextLine.unshift(raw);
            continue;
          }
          const part = build(start, cut);
          if (fits(part) && !isBlank(part)) {
            chosen = { cut, part };
            break search;
          }
        }
      }
    }

    if (chosen === undefined) {
      // Hard cut: the longest fitting prefix, never between the halves of a surrogate pair. Exponential search
      // for a prefix that no longer fits, then binary search inside it.
      let fitting = start;
      let tooLong = Math.min(length, start + limit);
      while (fits(build(start, tooLong))) {
        fitting = tooLong;
        if (tooLong === length) break;
        tooLong = Math.min(length, start + (tooLong - start) * 2);
      }
      while (tooLong - fitting > 1) {
        const middle = (fitting + tooLong) >>> 1;
        if (fits(build(start, middle))) fitting = middle;
        else tooLong = middle;
      }
      let firstFit: number | undefined;
      let found: number | undefined;
      for (let raw = Math.max(fitting, start + 1), tries = 0; raw > start && tries < 32; raw--, tries++) {
        if (raw < length && isLowSurrogate(text.charCodeAt(raw)) && isHighSurrogate(text.charCodeAt(raw - 1))) continue;
        const cut = adjustCut(start, raw);
        if (cut === null) continue;
        const part = build(start, cut);
        if (!fits(part) || isBlank(part)) continue;
        firstFit ??= cut;
        if (!awkwardStart(nextStart(cut))) {
          found = cut;
          break;
        }
      }
      // Nothing sensible fits: take a single code point (at most 2 visible units, within any limit ≥ 2).
      const cut =
        found ??
        firstFit ??
        start + (isHighSurrogate(text.charCodeAt(start)) && isLowSurrogate(text.charCodeAt(start + 1)) ? 2 : 1);
      const part = build(start, cut);
      chosen = { cut, part: fits(part) ? part : build(start, cut, false) };
    }

    if (!isBlank(chosen.part)) parts.push(chosen.part);
    start = nextStart(chosen.cut);
  }
  return parts;
}
