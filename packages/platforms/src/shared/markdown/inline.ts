import { countExamined } from "./cost.ts";
import { BULLET, RULE, matchHeading } from "./syntax.ts";

// Inline Markdown → node tree (a trimmed-down CommonMark delimiter algorithm), shared by every renderer and the
// splitter so all agree on what is bold, a link or code.

export type EmphasisTag = "b" | "i" | "s";

export interface TextNode {
  kind: "text";
  text: string;
}
export interface CodeNode {
  kind: "code";
  text: string;
  /** The backtick run that opens and closes it. */
  marker: string;
  start: number;
  end: number;
}
export interface LinkNode {
  kind: "link";
  href: string;
  children: InlineNode[];
  start: number;
  end: number;
  /** Where the link text starts and ends; both equal `start` for an autolink (`<url>`), whose text is its URL. */
  textStart: number;
  textEnd: number;
}
export interface DelimiterNode {
  kind: "delimiter";
  char: string;
  /** Characters of the run not yet used by a match; they occupy `[start, start + count)`. */
  count: number;
  start: number;
  originalCount: number;
  canOpen: boolean;
  canClose: boolean;
}
export interface EmphasisNode {
  kind: "emphasis";
  tag: EmphasisTag;
  /** The delimiters that open and close it (`**`, `_`, `~~`…). */
  marker: string;
  children: InlineNode[];
  start: number;
  end: number;
}
export type InlineNode = TextNode | CodeNode | LinkNode | DelimiterNode | EmphasisNode;

export const WHITESPACE = /\s/;
const PUNCTUATION = /[\p{P}\p{S}]/u;
const ALPHANUMERIC = /[\p{L}\p{N}]/u;
const ASCII_PUNCTUATION = /[!-/:-@[-`{-~]/;
// `[^\s/?#]\S*`, not `[^\s/?#]+\S*`: the same language without the quadratic backtracking on a long destination.
const ALLOWED_URL = /^(?:https?:\/\/[^\s/?#]\S*|tg:\/\/\S+|mailto:\S+)$/i;
const AUTOLINK = /<((?:https?|tg):\/\/[^\s<>]+|mailto:[^\s<>]+)>/;

function backtickRunLength(src: string, at: number, to: number): number {
  let end = at;
  while (end < to && src[end] === "`") end++;
  countExamined(end - at + 1);
  return end - at;
}

/** Offset of the closing backtick run of exactly `length` backticks after `from`, or -1. */
function findCodeSpanClose(src: string, from: number, to: number, length: number): number {
  let index = from;
  while (index < to) {
    countExamined(1);
    if (src[index] !== "`") {
      index++;
      continue;
    }
    const run = backtickRunLength(src, index, to);
    if (run === length) return index;
    index += run;
  }
  return -1;
}

interface ParsedLink {
  textStart: number;
  textEnd: number;
  destination: string;
  end: number;
}

/** For every backtick run in `[from, to)`: the offset of the next run of the same length (its closer), or -1. */
function codeSpanCloses(src: string, from: number, to: number): Map<number, number> {
  const runs: Array<[number, number]> = [];
  // Searched in a slice (a view, not a copy): a search past `to` would make link texts cost the whole line.
  const range = src.slice(from, to);
  countExamined(range.length);
  for (let index = range.indexOf("`"); index !== -1; ) {
    const run = backtickRunLength(src, from + index, to);
    runs.push([from + index, run]);
    index = range.indexOf("`", index + run);
  }
  const closes = new Map<number, number>();
  const nextOfLength = new Map<number, number>();
  for (let k = runs.length - 1; k >= 0; k--) {
    const [start, run] = runs[k]!;
    closes.set(start, nextOfLength.get(run) ?? -1);
    nextOfLength.set(run, start);
  }
  return closes;
}

/** For every `[` in `[from, to)` that has one: the offset of its matching `]` (escapes and code spans skipped). */
function bracketMatches(src: string, from: number, to: number, closes: ReadonlyMap<number, number>): Map<number, number> {
  const matches = new Map<number, number>();
  const open: number[] = [];
  let index = from;
  while (index < to) {
    countExamined(1);
    const char = src[index];
    if (char === "\\") {
      index += 2;
      continue;
    }
    if (char === "`") {
      const run = backtickRunLength(src, index, to);
      const close = closes.get(index) ?? -1;
      index = close === -1 ? index + run : close + run;
      continue;
    }
    if (char === "[") open.push(index);
    if (char === "]") {
      const start = open.pop();
      if (start !== undefined) matches.set(start, index);
    }
    index++;
  }
  return matches;
}

/**
 * Deepest unbalanced `(` a link destination may hold (cmark's limit too). It keeps link parsing linear: each
 * `](` inside a destination being scanned opens one more level for it, so at most this many scans can be
 * running over any character, however many broken links a line holds.
 */
const MAX_DESTINATION_PARENS = 32;

/** Offset of the first `char` in `[from, to)`, or -1; stops early at any of `stops` (-1 too). */
function findBefore(src: string, char: string, from: number, to: number, stops = ""): number {
  for (let index = from; index < to; index++) {
    countExamined(1);
    const here = src[index]!;
    if (here === char) return index;
    if (stops.includes(here)) return -1;
  }
  return -1;
}

/** Parses `[text](destination "title")` given the `[` at `at` and its matching `]` at `textEnd`. */
function parseLink(src: string, at: number, textEnd: number, to: number): ParsedLink | null {
  if (src[textEnd + 1] !== "(") return null;
  let index = textEnd + 2;
  while (index < to && (src[index] === " " || src[index] === "\t")) index++;
  let destination: string;
  if (src[index] === "<") {
    // `<...>` holds no `<` (CommonMark), so scans from different `<` never overlap.
    const close = findBefore(src, ">", index + 1, to, "<\n");
    if (close === -1) return null;
    destination = src.slice(index + 1, close);
    index = close + 1;
  } else {
    const destStart = index;
    let parens = 0;
    while (index < to) {
      countExamined(1);
      const char = src[index]!;
      if (WHITESPACE.test(char)) break;
      if (char === "\\" && index + 1 < to) {
        index += 2;
        continue;
      }
      if (char === "(" && ++parens > MAX_DESTINATION_PARENS) return null;
      if (char === ")") {
        if (parens === 0) break;
        parens--;
      }
      index++;
    }
    destination = src.slice(destStart, index);
  }
  while (index < to && (src[index] === " " || src[index] === "\t")) index++;
  const quote = src[index];
  if (quote === '"' || quote === "'") {
    const close = findBefore(src, quote, index + 1, to);
    if (close === -1) return null;
    index = close + 1;
    while (index < to && (src[index] === " " || src[index] === "\t")) index++;
  }
  if (src[index] !== ")") return null;
  countExamined(destination.length);
  return { textStart: at + 1, textEnd, destination: destination.replace(/\\([!-/:-@[-`{-~])/g, "$1"), end: index + 1 };
}

const BARE_URL = /https?:\/\/[^\s<>`*]+/;
/**
 * What a bare URL starts with: scheme, `//` and a first host character. Checked before matching the whole
 * URL, so `http:///http:///…` costs one look per `h`, not a scan to the end of the run from each.
 */
const BARE_URL_START = /https?:\/\/[^\s<>`*/]/y;

/** Drops punctuation that ends the sentence around a bare URL rather than the URL (and unbalanced brackets). */
function trimUrl(url: string): string {
  // Brackets counted once: trimming `)` after `)` only ever lowers the closers' count.
  const count = (char: string) => url.split(char).length - 1;
  const unclosed = { ")": count(")") - count("("), "]": count("]") - count("[") };
  countExamined(url.length);
  let end = url.length;
  for (;;) {
    countExamined(1);
    const last = url[end - 1]!;
    if (".,;:!?'\"_~".includes(last)) {
      end--;
      continue;
    }
    if ((last === ")" || last === "]") && unclosed[last] > 0) {
      unclosed[last]--;
      end--;
      continue;
    }
    return url.slice(0, end);
  }
}

function makeDelimiter(src: string, at: number, count: number, from: number, to: number): DelimiterNode {
  const char = src[at]!;
  const before = at > from ? src[at - 1]! : " ";
  const after = at + count < to ? src[at + count]! : " ";
  const beforeSpace = WHITESPACE.test(before);
  const afterSpace = WHITESPACE.test(after);
  const beforePunct = PUNCTUATION.test(before);
  const afterPunct = PUNCTUATION.test(after);
  const leftFlanking = !afterSpace && (!afterPunct || beforeSpace || beforePunct);
  const rightFlanking = !beforeSpace && (!beforePunct || afterSpace || afterPunct);
  let canOpen = leftFlanking;
  let canClose = rightFlanking;
  if (char === "_") {
    canOpen = leftFlanking && (!rightFlanking || beforePunct);
    canClose = rightFlanking && (!leftFlanking || afterPunct);
  } else if (count === 1 && ALPHANUMERIC.test(before) && ALPHANUMERIC.test(after)) {
    // `2*3*4`, `a*b`: a single star inside a word is arithmetic or a glob far more often than emphasis.
    canOpen = false;
    canClose = false;
  }
  return { kind: "delimiter", char, count, start: at, originalCount: count, canOpen, canClose };
}

export function parseInline(src: string, from: number, to: number, allowLinks: boolean): InlineNode[] {
  const nodes: InlineNode[] = [];
  let buffer = "";
  const flush = (): void => {
    if (buffer !== "") nodes.push({ kind: "text", text: buffer });
    buffer = "";
  };
  const closes = codeSpanCloses(src, from, to);
  let brackets: Map<number, number> | undefined;
  const autolink = new RegExp(AUTOLINK.source, "iy");
  const bareUrl = new RegExp(BARE_URL.source, "y");
  let index = from;
  while (index < to) {
    countExamined(1);
    const char = src[index]!;
    BARE_URL_START.lastIndex = index;
    if (char === "h" && (index === from || !ALPHANUMERIC.test(src[index - 1]!)) && BARE_URL_START.test(src)) {
      // A bare URL is plain text (the platforms link it themselves); `_` or `*` inside it is never emphasis.
      bareUrl.lastIndex = index;
      const match = bareUrl.exec(src);
      countExamined(match?.[0].length ?? 0);
      if (match !== null) {
        const url = trimUrl(src.slice(index, Math.min(to, index + match[0].length)));
        if (/^https?:\/\/[^/]/.test(url)) {
          buffer += url;
          index += url.length;
          continue;
        }
      }
    }
    if (char === "\\" && index + 1 < to && ASCII_PUNCTUATION.test(src[index + 1]!)) {
      buffer += src[index + 1];
      index += 2;
      continue;
    }
    if (char === "`") {
      const run = backtickRunLength(src, index, to);
      const close = closes.get(index) ?? findCodeSpanClose(src, index + run, to, run);
      if (close === -1) {
        buffer += src.slice(index, index + run);
        index += run;
        continue;
      }
      let code = src.slice(index + run, close);
      if (code.length >= 2 && code.startsWith(" ") && code.endsWith(" ") && code.trim() !== "") code = code.slice(1, -1);
      flush();
      nodes.push({ kind: "code", text: code, marker: src.slice(index, index + run), start: index, end: close + run });
      index = close + run;
      continue;
    }
    if (allowLinks && (char === "[" || (char === "!" && src[index + 1] === "["))) {
      const bracket = char === "!" ? index + 1 : index;
      brackets ??= bracketMatches(src, from, to, closes);
      const textEnd = brackets.get(bracket);
      const link = textEnd === undefined ? null : parseLink(src, bracket, textEnd, to);
      if (link !== null && ALLOWED_URL.test(link.destination)) {
        flush();
        nodes.push({
          kind: "link",
          href: link.destination,
          children: processEmphasis(parseInline(src, link.textStart, link.textEnd, false)),
          start: index,
          end: link.end,
          textStart: link.textStart,
          textEnd: link.textEnd,
        });
        index = link.end;
        continue;
      }
    }
    if (allowLinks && char === "<") {
      autolink.lastIndex = index;
      const match = autolink.exec(src);
      countExamined(match?.[0].length ?? 1);
      if (match !== null && index + match[0].length <= to) {
        const url = match[1]!;
        flush();
        const end = index + match[0].length;
        nodes.push({ kind: "link", href: url, children: [{ kind: "text", text: url }], start: index, end, textStart: index, textEnd: index });
        index += match[0].length;
        continue;
      }
    }
    if (char === "*" || char === "_" || char === "~") {
      let end = index;
      while (end < to && src[end] === char) end++;
      countExamined(end - index);
      const count = end - index;
      if (char === "~" && count !== 2) {
        buffer += src.slice(index, end);
      } else {
        flush();
        nodes.push(makeDelimiter(src, index, count, from, to));
      }
      index = end;
      continue;
    }
    buffer += char;
    index++;
  }
  flush();
  return nodes;
}

function canPair(opener: DelimiterNode, closer: DelimiterNode): boolean {
  if (opener.char !== closer.char || !opener.canOpen || opener.count === 0) return false;
  if (opener.char === "~") return opener.count === 2 && closer.count === 2;
  // CommonMark "rule of 3" keeps `*a**b*`-style runs from pairing in surprising ways.
  if ((opener.canClose || closer.canOpen) && (opener.originalCount + closer.originalCount) % 3 === 0) {
    return opener.originalCount % 3 === 0 && closer.originalCount % 3 === 0;
  }
  return true;
}

/** A node of the inline sequence while emphasis is paired: a doubly linked list, so collapsing a span is O(1). */
interface Slot {
  node: InlineNode;
  prev: Slot | null;
  next: Slot | null;
  /** Folded into an emphasis (or dropped, a fully used delimiter): no longer in the top-level sequence. */
  gone: boolean;
}

/**
 * Deepest nesting of emphasis kept; a pair that would nest deeper stays literal. Nothing legible nests this
 * deep, and it bounds the recursion of rendering (a long run of `*a ` … `b* ` would overflow the stack).
 */
const MAX_EMPHASIS_DEPTH = 32;

/** Pairs delimiter runs into emphasis nodes; unpaired runs stay in place and render literally. */
export function processEmphasis(nodes: InlineNode[]): InlineNode[] {
  let first: Slot | null = null;
  let last: Slot | null = null;
  for (const node of nodes) {
    const slot: Slot = { node, prev: last, next: null, gone: false };
    if (last) last.next = slot;
    else first = slot;
    last = slot;
  }
  /** The children of each emphasis, as the run of slots they were when it closed (made arrays at the end). */
  const spans = new Map<EmphasisNode, { from: Slot | null; to: Slot | null }>();
  const depths = new Map<InlineNode, number>();
  const unlink = (slot: Slot) => {
    slot.gone = true;
    if (slot.prev) slot.prev.next = slot.next;
    else first = slot.next;
    if (slot.next) slot.next.prev = slot.prev;
    else last = slot.prev;
  };

  // Per kind of closer, the earliest slot still worth searching for an opener (CommonMark's "openers_bottom"):
  // a failed search never succeeds later, since openers only lose eligibility, so long lines stay linear.
  const bottoms = new Map<string, Slot>();
  let current: Slot | null = first;
  while (current !== null) {
    const closer = current.node;
    if (closer.kind !== "delimiter" || !closer.canClose || closer.count === 0) {
      current = current.next;
      continue;
    }
    const key = `${closer.char}${closer.canOpen ? 1 : 0}${closer.originalCount % 3}`;
    const bottom = bottoms.get(key);
    let openerSlot: Slot | null = null;
    for (let back = current.prev; back !== null; back = back.prev) {
      countExamined(1);
      if (back.node.kind === "delimiter" && canPair(back.node, closer)) {
        openerSlot = back;
        break;
      }
      if (back === bottom) break;
    }
    if (openerSlot === null) {
      bottoms.set(key, current);
      current = current.next;
      continue;
    }
    let depth = 1;
    for (let slot = openerSlot.next; slot !== null && slot !== current; slot = slot.next) {
      countExamined(1);
      depth = Math.max(depth, (depths.get(slot.node) ?? 0) + 1);
    }
    if (depth > MAX_EMPHASIS_DEPTH) {
      bottoms.set(key, current);
      current = current.next;
      continue;
    }
    const opener = openerSlot.node as DelimiterNode;
    const use = closer.char === "~" ? 2 : opener.count >= 2 && closer.count >= 2 ? 2 : 1;
    const tag: EmphasisTag = closer.char === "~" ? "s" : use === 2 ? "b" : "i";
    const emphasis: EmphasisNode = {
      kind: "emphasis",
      tag,
      marker: closer.char.repeat(use),
      children: [],
      start: opener.start + opener.count - use,
      end: closer.start + use,
    };
    // The slots between opener and closer become the emphasis' children; one slot takes their place.
    const inner = openerSlot.next === current ? null : { from: openerSlot.next, to: current.prev };
    for (let slot = inner?.from ?? null; slot !== null && slot !== current; slot = slot.next) slot.gone = true;
    spans.set(emphasis, inner ?? { from: null, to: null });
    depths.set(emphasis, depth);
    const emphasisSlot: Slot = { node: emphasis, prev: openerSlot, next: current, gone: false };
    openerSlot.next = emphasisSlot;
    current.prev = emphasisSlot;
    opener.count -= use;
    closer.start += use;
    closer.count -= use;
    if (opener.count === 0) unlink(openerSlot);
    const next: Slot | null = closer.count === 0 ? current.next : current;
    if (closer.count === 0) unlink(current);
    // A bottom that was folded away (or was the dropped opener) moves to where its span now sits: searched again (safe).
    for (const [other, slot] of bottoms) if (slot.gone) bottoms.set(other, openerSlot.gone ? emphasisSlot : openerSlot);
    current = next;
  }

  const toArray = (from: Slot | null, to: Slot | null): InlineNode[] => {
    const out: InlineNode[] = [];
    for (let slot = from; slot !== null; slot = slot === to ? null : slot.next) {
      countExamined(1);
      const node = slot.node;
      if (node.kind === "emphasis") {
        const span = spans.get(node);
        if (span) node.children = toArray(span.from, span.to);
      }
      out.push(node);
    }
    return out;
  };
  return toArray(first, last);
}
/** Inline syntax that a part boundary may fall inside: what opens it and what closes it, to close and reopen it. */
export interface InlineSpan {
  /** Offset of its first opening character. */
  start: number;
  /** Offset just past its last closing character. */
  end: number;
  open: string;
  close: string;
  /** An autolink (`<url>`) cannot be closed and reopened: a boundary inside it moves before it. */
  atomic: boolean;
}

/** One line outside fenced code (or the inside of a quote line), read as inline syntax. */
export interface LineSyntax {
  kind: "blank" | "rule" | "heading" | "bullet" | "text";
  /** A bullet's indentation. */
  indent: string;
  /** The inline nodes of the line's content (a heading's or bullet's text without its marker). */
  nodes: InlineNode[];
  /** Every code span, link and emphasis of the line, as offsets into the text given to {@link parseLine}. */
  spans: InlineSpan[];
}

/** Reads one non-code, non-quote line, or the inside of a quote line starting at `offset`. */
export function parseLine(text: string, offset = 0): LineSyntax {
  // trimEnd, not /\s+$/: the regex retries from every space of a long run (quadratic).
  const line = text.slice(offset).trimEnd();
  countExamined(text.length);
  const empty = (kind: "blank" | "rule"): LineSyntax => ({ kind, indent: "", nodes: [], spans: [] });
  if (line.trim() === "") return empty("blank");
  if (RULE.test(line)) return empty("rule");
  const inline = (kind: LineSyntax["kind"], indent: string, from: number, to: number): LineSyntax => {
    const nodes = processEmphasis(parseInline(line, from, to, true));
    const spans: InlineSpan[] = [];
    collectSpans(line, nodes, offset, spans);
    return { kind, indent, nodes, spans };
  };
  const heading = matchHeading(line);
  if (heading !== null) {
    const { prefix, content } = heading;
    if (content.trim() === "") return empty("blank");
    return inline("heading", "", prefix.length, prefix.length + content.length);
  }
  const bullet = BULLET.exec(line);
  if (bullet !== null) return inline("bullet", bullet[1]!, bullet[0].length, line.length);
  return inline("text", "", 0, line.length);
}

function collectSpans(line: string, nodes: readonly InlineNode[], offset: number, spans: InlineSpan[]): void {
  for (const node of nodes) {
    if (node.kind === "text" || node.kind === "delimiter") continue;
    const span = { start: node.start + offset, end: node.end + offset };
    if (node.kind === "code") {
      spans.push({ ...span, open: node.marker, close: node.marker, atomic: false });
    } else if (node.kind === "emphasis") {
      spans.push({ ...span, open: node.marker, close: node.marker, atomic: false });
      collectSpans(line, node.children, offset, spans);
    } else if (node.textStart === node.start) {
      spans.push({ ...span, open: "", close: "", atomic: true });
    } else {
      spans.push({ ...span, open: line.slice(node.start, node.textStart), close: line.slice(node.textEnd, node.end), atomic: false });
      collectSpans(line, node.children, offset, spans);
    }
  }
}
