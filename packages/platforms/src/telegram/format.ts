/**
 * Pure text helpers for Telegram replies (reference platforms.md §1.7, §4 pitfalls 6–7).
 *
 * Model answers arrive as loose Markdown. We always send `parse_mode: "HTML"`, so every reply is
 * converted to Telegram's HTML subset with every `<`, `>`, `&` of text escaped, and long answers are
 * split so that each part stays within the 4096-character limit counted after entity parsing.
 */

/** Telegram's limit on `sendMessage.text`, counted in UTF-16 code units after entity parsing. */
export const TELEGRAM_TEXT_LIMIT = 4096;


/*
 * Characters examined by this module's scans, counted where they happen: every formatting and splitting
 * step is a counted loop, a bounded native search, or a regex of a shape that cannot backtrack, so this
 * count is the module's running cost, and its tests hold it linear in the input length.
 */
let examined = 0;

/** How many characters the formatter examined while `work` ran (the cost measure the linearity tests use). */
export function measureFormatting(work: () => void): number {
  const before = examined;
  work();
  return examined - before;
}

/** Escapes text for Telegram HTML: `&` → `&amp;`, `<` → `&lt;`, `>` → `&gt;`. */
export function escapeTelegramHtml(text: string): string {
  examined += text.length;
  if (!/[&<>]/.test(text)) return text;
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function escapeAttribute(text: string): string {
  return escapeTelegramHtml(text).replace(/"/g, "&quot;");
}

const NAMED_ENTITIES: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"' };

/** The text Telegram shows for a Telegram-HTML string: tags removed, entities decoded. */
export function telegramHtmlToText(html: string): string {
  examined += html.length;
  return html
    .replace(/<[^>]*>/g, "")
    .replace(/&(?:(lt|gt|amp|quot)|#([0-9]{1,7})|#[xX]([0-9a-fA-F]{1,6}));/g, (whole, name, dec, hex) => {
      if (typeof name === "string") return NAMED_ENTITIES[name] ?? whole;
      const codePoint = typeof dec === "string" ? Number.parseInt(dec, 10) : Number.parseInt(String(hex), 16);
      return codePoint > 0 && codePoint <= 0x10ffff ? String.fromCodePoint(codePoint) : whole;
    });
}

const ENTITY = /&(?:(lt|gt|amp|quot)|#([0-9]{1,7})|#[xX]([0-9a-fA-F]{1,6}));/y;

/** Visible length (UTF-16 code units after tags are removed and entities decoded) of a Telegram-HTML string. */
export function visibleLength(html: string): number {
  let length = 0;
  let index = 0;
  examined += html.length;
  while (index < html.length) {
    const code = html.charCodeAt(index);
    if (code === 0x3c /* < */) {
      const close = html.indexOf(">", index + 1);
      if (close !== -1) {
        index = close + 1;
        continue;
      }
    } else if (code === 0x26 /* & */) {
      ENTITY.lastIndex = index;
      const match = ENTITY.exec(html);
      if (match !== null) {
        const [whole, name, decimal, hex] = match;
        const codePoint = name !== undefined ? 1 : decimal !== undefined ? Number(decimal) : Number.parseInt(hex!, 16);
        length += codePoint < 1 || codePoint > 0x10ffff ? whole.length : codePoint > 0xffff ? 2 : 1;
        index += match[0].length;
        continue;
      }
    }
    length++;
    index++;
  }
  return length;
}

// ---------------------------------------------------------------------------------------------
// Lines and fenced code blocks (shared by the converter and the splitter so both agree exactly).
// ---------------------------------------------------------------------------------------------

interface Line {
  /** Offset of the first character of the line. */
  start: number;
  /** Offset just past the last character of the line (the `\n`, or the end of the text). */
  end: number;
  text: string;
}

function splitLines(text: string): Line[] {
  examined += text.length;
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

interface FenceOpening {
  indent: number;
  marker: string;
  language: string;
}

const FENCE_OPEN = /^([ \t]*)(`{3,}|~{3,})(.*)$/;
const FENCE_CLOSE = /^[ \t]*(`{3,}|~{3,})[ \t]*\r?$/;
const LANGUAGE = /^[A-Za-z0-9_+#.-]{1,40}$/;

function matchFenceOpening(line: string): FenceOpening | null {
  const match = FENCE_OPEN.exec(line);
  if (match === null) return null;
  const indent = match[1] ?? "";
  const marker = match[2] ?? "";
  const info = (match[3] ?? "").trim();
  if (info.includes(marker[0] ?? "`")) return null;
  const word = info.split(/\s+/)[0] ?? "";
  return { indent: indent.length, marker, language: LANGUAGE.test(word) ? word : "" };
}

function isFenceClosing(line: string, opening: FenceOpening): boolean {
  const match = FENCE_CLOSE.exec(line);
  const marker = match?.[1];
  return marker !== undefined && marker[0] === opening.marker[0] && marker.length >= opening.marker.length;
}

interface FenceBlock extends FenceOpening {
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

function scanFences(text: string, lines: readonly Line[]): FenceBlock[] {
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

// ---------------------------------------------------------------------------------------------
// Inline Markdown → node tree (a trimmed-down CommonMark delimiter algorithm).
// ---------------------------------------------------------------------------------------------

type EmphasisTag = "b" | "i" | "s";

interface TextNode {
  kind: "text";
  text: string;
}
interface CodeNode {
  kind: "code";
  text: string;
  start: number;
  end: number;
}
interface LinkNode {
  kind: "link";
  href: string;
  children: InlineNode[];
  start: number;
  end: number;
}
interface DelimiterNode {
  kind: "delimiter";
  char: string;
  /** Characters of the run not yet used by a match; they occupy `[start, start + count)`. */
  count: number;
  start: number;
  originalCount: number;
  canOpen: boolean;
  canClose: boolean;
}
interface EmphasisNode {
  kind: "emphasis";
  tag: EmphasisTag;
  children: InlineNode[];
  start: number;
  end: number;
}
type InlineNode = TextNode | CodeNode | LinkNode | DelimiterNode | EmphasisNode;

const WHITESPACE = /\s/;
const PUNCTUATION = /[\p{P}\p{S}]/u;
const ALPHANUMERIC = /[\p{L}\p{N}]/u;
const ASCII_PUNCTUATION = /[!-/:-@[-`{-~]/;
// `[^\s/?#]\S*`, not `[^\s/?#]+\S*`: the same language without the quadratic backtracking on a long destination.
const ALLOWED_URL = /^(?:https?:\/\/[^\s/?#]\S*|tg:\/\/\S+|mailto:\S+)$/i;
const AUTOLINK = /<((?:https?|tg):\/\/[^\s<>]+|mailto:[^\s<>]+)>/;

function backtickRunLength(src: string, at: number, to: number): number {
  let end = at;
  while (end < to && src[end] === "`") end++;
  examined += end - at + 1;
  return end - at;
}

/** Offset of the closing backtick run of exactly `length` backticks after `from`, or -1. */
function findCodeSpanClose(src: string, from: number, to: number, length: number): number {
  let index = from;
  while (index < to) {
    examined++;
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
  examined += range.length;
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
    examined++;
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
    examined++;
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
      examined++;
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
  examined += destination.length;
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
  examined += url.length;
  let end = url.length;
  for (;;) {
    examined++;
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

function parseInline(src: string, from: number, to: number, allowLinks: boolean): InlineNode[] {
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
    examined++;
    const char = src[index]!;
    BARE_URL_START.lastIndex = index;
    if (char === "h" && (index === from || !ALPHANUMERIC.test(src[index - 1]!)) && BARE_URL_START.test(src)) {
      // A bare URL is plain text (Telegram links it itself); `_` or `*` inside it is never emphasis.
      bareUrl.lastIndex = index;
      const match = bareUrl.exec(src);
      examined += match?.[0].length ?? 0;
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
      nodes.push({ kind: "code", text: code, start: index, end: close + run });
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
        });
        index = link.end;
        continue;
      }
    }
    if (allowLinks && char === "<") {
      autolink.lastIndex = index;
      const match = autolink.exec(src);
      examined += match?.[0].length ?? 1;
      if (match !== null && index + match[0].length <= to) {
        const url = match[1]!;
        flush();
        nodes.push({ kind: "link", href: url, children: [{ kind: "text", text: url }], start: index, end: index + match[0].length });
        index += match[0].length;
        continue;
      }
    }
    if (char === "*" || char === "_" || char === "~") {
      let end = index;
      while (end < to && src[end] === char) end++;
      examined += end - index;
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
function processEmphasis(nodes: InlineNode[]): InlineNode[] {
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
      examined++;
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
      examined++;
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
    const emphasis: EmphasisNode = { kind: "emphasis", tag, children: [], start: opener.start + opener.count - use, end: closer.start + use };
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
      examined++;
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

interface RenderContext {
  inLink: boolean;
  open: ReadonlySet<EmphasisTag>;
}

function renderNodes(nodes: readonly InlineNode[], context: RenderContext): string {
  let html = "";
  for (const node of nodes) {
    switch (node.kind) {
      case "text":
        html += escapeTelegramHtml(node.text);
        break;
      case "delimiter":
        html += escapeTelegramHtml(node.char.repeat(node.count));
        break;
      case "code":
        // Telegram forbids code inside a text link, so link text keeps the code's characters only.
        html += context.inLink ? escapeTelegramHtml(node.text) : `<code>${escapeTelegramHtml(node.text)}</code>`;
        break;
      case "link": {
        let inner = renderNodes(node.children, { ...context, inLink: true });
        if (telegramHtmlToText(inner).trim() === "") inner = escapeTelegramHtml(node.href);
        html += `<a href="${escapeAttribute(node.href)}">${inner}</a>`;
        break;
      }
      case "emphasis": {
        if (context.open.has(node.tag)) {
          html += renderNodes(node.children, context);
        } else {
          const open = new Set(context.open).add(node.tag);
          html += `<${node.tag}>${renderNodes(node.children, { ...context, open })}</${node.tag}>`;
        }
        break;
      }
    }
  }
  return html;
}

function collectSpans(nodes: readonly InlineNode[], spans: Array<[number, number]>): void {
  for (const node of nodes) {
    if (node.kind === "code" || node.kind === "link" || node.kind === "emphasis") spans.push([node.start, node.end]);
    if (node.kind === "link" || node.kind === "emphasis") collectSpans(node.children, spans);
  }
}

// ---------------------------------------------------------------------------------------------
// Block structure.
// ---------------------------------------------------------------------------------------------

const QUOTE_PREFIX = /^[ \t]{0,3}>/;
const QUOTE_MARKERS = /^(?:[ \t]*>[ \t]?)+/;
const RULE = /^[ \t]{0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
const HEADING = /^([ \t]{0,3}#{1,6}[ \t]+)(.*)$/;

/**
 * An ATX heading's opening and content, without its optional closing `#`s and trailing blanks. Done by hand:
 * the one-regex form (`(.*?)(?:[ \t]+#+)?[ \t]*$`) backtracks quadratically on a long run of blanks.
 */
function matchHeading(line: string): { prefix: string; content: string } | null {
  const match = HEADING.exec(line);
  if (match === null) return null;
  const rest = match[2]!;
  const isBlank = (at: number) => rest[at] === " " || rest[at] === "\t";
  let end = rest.length;
  while (end > 0 && isBlank(end - 1)) end--;
  let hashes = end;
  while (hashes > 0 && rest[hashes - 1] === "#") hashes--;
  examined += rest.length;
  if (hashes < end && hashes > 0 && isBlank(hashes - 1)) {
    end = hashes;
    while (end > 0 && isBlank(end - 1)) end--;
  }
  return { prefix: match[1]!, content: rest.slice(0, end) };
}
const BULLET = /^([ \t]*)[-*+][ \t]+/;

interface LineAnalysis {
  /** Rendered HTML of the whole line. */
  html: string;
  /** Inline spans (code, links, emphasis) as offsets into the analysed line text. */
  spans: Array<[number, number]>;
}

/** Renders one non-code, non-quote line (or the inside of a quote line, at `offset`). */
function renderLine(text: string, offset = 0): LineAnalysis {
  // trimEnd, not /\s+$/: the regex retries from every space of a long run (quadratic).
  const line = text.slice(offset).trimEnd();
  examined += text.length;
  if (line.trim() === "") return { html: "", spans: [] };
  if (RULE.test(line)) return { html: "———", spans: [] };
  const inline = (from: number, to: number, open: ReadonlySet<EmphasisTag>): LineAnalysis => {
    const nodes = processEmphasis(parseInline(line, from, to, true));
    const spans: Array<[number, number]> = [];
    collectSpans(nodes, spans);
    return {
      html: renderNodes(nodes, { inLink: false, open }),
      spans: spans.map(([start, end]): [number, number] => [start + offset, end + offset]),
    };
  };
  const heading = matchHeading(line);
  if (heading !== null) {
    const { prefix, content } = heading;
    if (content.trim() === "") return { html: "", spans: [] };
    // The heading is bold already, so bold inside it renders without a nested <b>.
    const rendered = inline(prefix.length, prefix.length + content.length, new Set(["b"]));
    return { html: `<b>${rendered.html}</b>`, spans: rendered.spans };
  }
  const bullet = BULLET.exec(line);
  if (bullet !== null) {
    const rendered = inline(bullet[0].length, line.length, new Set());
    return { html: `${bullet[1]!}• ${rendered.html}`, spans: rendered.spans };
  }
  return inline(0, line.length, new Set());
}

/** Whether a line (from its first non-blank character) would be read as block syntax rather than text. */
function looksLikeBlock(line: string): boolean {
  return QUOTE_PREFIX.test(line) || HEADING.test(line) || BULLET.test(line) || RULE.test(line) || FENCE_OPEN.test(line);
}

function stripIndent(line: string, indent: number): string {
  let index = 0;
  while (index < indent && (line[index] === " " || line[index] === "\t")) index++;
  return line.slice(index);
}

function renderCodeBlock(code: string, language: string): string {
  const escaped = escapeTelegramHtml(code);
  return language === ""
    ? `<pre>${escaped}</pre>`
    : `<pre><code class="language-${escapeAttribute(language)}">${escaped}</code></pre>`;
}

/**
 * Converts loose model Markdown into Telegram HTML (`parse_mode: "HTML"`).
 *
 * Output only uses `b`, `i`, `s`, `code`, `pre`, `pre > code.language-x`, `a href` and `blockquote`, always
 * properly nested; all text is escaped. Markers that do not pair up unambiguously stay literal.
 */
export function markdownToTelegramHtml(markdown: string): string {
  const lines = splitLines(markdown);
  const blocks: string[] = [];
  let index = 0;
  while (index < lines.length) {
    const line = lines[index]!;
    const opening = matchFenceOpening(line.text);
    if (opening !== null) {
      const body: string[] = [];
      index++;
      while (index < lines.length && !isFenceClosing(lines[index]!.text, opening)) {
        body.push(stripIndent(lines[index]!.text, opening.indent).replace(/\r$/, ""));
        index++;
      }
      index++;
      const code = body.join("\n");
      if (code.trim() !== "") blocks.push(renderCodeBlock(code, opening.language));
      continue;
    }
    if (QUOTE_PREFIX.test(line.text)) {
      const quoted: string[] = [];
      while (index < lines.length && QUOTE_PREFIX.test(lines[index]!.text)) {
        const text = lines[index]!.text;
        quoted.push(renderLine(text, QUOTE_MARKERS.exec(text)![0].length).html);
        index++;
      }
      while (quoted.length > 0 && quoted[0] === "") quoted.shift();
      while (quoted.length > 0 && quoted[quoted.length - 1] === "") quoted.pop();
      if (quoted.length > 0) blocks.push(`<blockquote>${collapseBlankLines(quoted).join("\n")}</blockquote>`);
      continue;
    }
    blocks.push(renderLine(line.text).html);
    index++;
  }
  const collapsed = collapseBlankLines(blocks);
  while (collapsed.length > 0 && collapsed[0] === "") collapsed.shift();
  while (collapsed.length > 0 && collapsed[collapsed.length - 1] === "") collapsed.pop();
  return collapsed.join("\n");
}

function collapseBlankLines(lines: readonly string[]): string[] {
  const out: string[] = [];
  for (const line of lines) {
    if (line === "" && out.length > 0 && out[out.length - 1] === "") continue;
    out.push(line);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Splitting.
// ---------------------------------------------------------------------------------------------

/** Marks offsets strictly inside an inline span (code, link, emphasis) outside fenced code. */
function inlineSpanMask(text: string, lines: readonly Line[], fences: readonly FenceBlock[]): Uint8Array {
  const mask = new Uint8Array(text.length + 1);
  let fenceIndex = 0;
  for (const line of lines) {
    while (fenceIndex < fences.length && fences[fenceIndex]!.closeEnd < line.start) fenceIndex++;
    const fence = fences[fenceIndex];
    if (fence !== undefined && line.start >= fence.openStart && line.start <= fence.closeEnd) continue;
    const offset = QUOTE_PREFIX.test(line.text) ? QUOTE_MARKERS.exec(line.text)![0].length : 0;
    for (const [start, end] of renderLine(line.text, offset).spans) {
      mask.fill(1, line.start + start + 1, line.start + end);
    }
  }
  return mask;
}

const SENTENCE_END = /[.!?…]/;
const CJK_SENTENCE_END = /[。！？]/;
const SENTENCE_TRAILER = /["'”’»)\]*_`]/;

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

/**
 * Splits model Markdown into parts that each render (via {@link markdownToTelegramHtml}) to at most `limit`
 * visible UTF-16 code units.
 *
 * Boundaries are preferred in the order paragraph break, line break, sentence end, whitespace, hard cut (never
 * inside a surrogate pair); a boundary of a better kind wins if it keeps the part at least half full, and cuts
 * inside a code span, link or emphasis are avoided when possible. A fenced code block cut in two is closed at
 * the end of one part and reopened with its original opening line at the start of the next. Whitespace at the
 * boundaries is dropped; parts are never blank. Otherwise the parts are slices of the input, in order, except:
 * a part that starts mid-line with text that would read as block syntax (`> `, `# `, `- `, a fence…) gets a
 * leading backslash so it stays literal, and fragments that render to nothing at all (an empty fenced block,
 * a bare `>` that cannot share a part with its content) are dropped.
 */
export function splitForTelegram(markdown: string, limit = TELEGRAM_TEXT_LIMIT): string[] {
  if (!Number.isInteger(limit) || limit < 2) throw new RangeError(`limit must be an integer ≥ 2, got ${limit}`);
  const text = markdown;
  const length = text.length;
  const lines = splitLines(text);
  const fences = scanFences(text, lines);
  let spanMask: Uint8Array | undefined;

  // Every question below about "the line of", "the fence around" or "blank until" a position is answered
  // from these tables in O(log n) or O(1), never by scanning the text again, so each part costs what its own
  // candidate cuts cost and the whole split stays linear in the answer's length.

  /** For every offset, the next one that is not whitespace (the text length when none is). */
  const nextNonBlank = new Int32Array(length + 1);
  nextNonBlank[length] = length;
  for (let index = length - 1; index >= 0; index--) nextNonBlank[index] = WHITESPACE.test(text[index]!) ? nextNonBlank[index + 1]! : index;
  examined += length;
  const blankBetween = (from: number, to: number): boolean => nextNonBlank[Math.min(from, length)]! >= to;

  /** The last of `items` (sorted by `start`) whose `start` is before `position`, by binary search. */
  const lastStartingBefore = <T>(items: readonly T[], start: (item: T) => number, position: number): T | undefined => {
    let low = -1;
    let high = items.length;
    while (high - low > 1) {
      examined++;
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
    examined += 256;
    return text.slice(position, Math.min(lineOf(position).end, position + 256));
  };

  /** Whether a part starting at `position` inside fenced code would begin with what closes the fence. */
  const startsLikeFenceClose = (position: number): boolean => {
    const fence = fenceAround(position);
    return fence !== undefined && isFenceClosing(restOfLine(position), fence);
  };
  const awkwardStart = (position: number): boolean => startsLikeBlock(position) || startsLikeFenceClose(position);

  const build = (start: number, end: number): string => {
    examined += end - start;
    let body = text.slice(start, end).trimEnd();
    // Literal text that only looks like block syntax because the part starts there keeps its meaning.
    if (startsLikeBlock(start)) body = `\\${body}`;
    const reopen = fenceAround(start);
    if (reopen !== undefined) body = `${reopen.openingLine}\n${body}`;
    const close = end < length ? fenceAround(end) : undefined;
    if (close !== undefined) body = `${body}\n${" ".repeat(close.indent)}${close.marker}`;
    return body;
  };
  const measure = (part: string): string => telegramHtmlToText(markdownToTelegramHtml(part));
  const fits = (part: string): boolean => visibleLength(markdownToTelegramHtml(part)) <= limit;
  const isBlank = (part: string): boolean => measure(part).trim() === "";

  /** Moves a cut off fence delimiter lines and out of empty fence content; null when nothing would remain. */
  const adjustCut = (start: number, cut: number): number | null => {
    // Fences never overlap, so only the one holding the cut can move it, and where it moves it no other fence is.
    let adjusted = cut;
    const fence = fenceHolding(cut);
    if (fence !== undefined) {
      if (adjusted <= fence.openEnd) adjusted = fence.openStart;
      else if (fence.closed && fence.closeStart <= adjusted && adjusted < fence.closeEnd) adjusted = fence.closeEnd;
      else if (adjusted < fence.closeStart && blankBetween(Math.max(fence.openEnd, start), adjusted)) adjusted = fence.openStart;
    }
    return adjusted > start ? adjusted : null;
  };

  /** Where the next part starts: past boundary whitespace (keeping a line's indentation where it matters) and
   * past a closing fence line that the previous part already closed. */
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
      if (fence === undefined || !(fence.closed && fence.closeStart <= scan && scan < fence.closeEnd)) return scan;
      position = fence.closeEnd;
    }
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
    spanMask ??= inlineSpanMask(text, lines, fences);
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
      examined++;
      const char = text[position]!;
      if (char === "\n") {
        if (/^\n[ \t\r]*\n/.test(text.slice(position, position + 64))) found.paragraph.push(position);
        found.line.push(position);
        found.every.push(position);
        continue;
      }
      const inCode = fenceAround(position) !== undefined;
      const inSpan = spanMask[position] === 1;
      if (!inCode && CJK_SENTENCE_END.test(text[position - 1]!)) {
        (inSpan ? found.sentenceInSpan : found.sentence).push(position);
        found.every.push(position);
        continue;
      }
      if (char !== " " && char !== "\t") continue;
      let back = position - 1;
      while (back > start && SENTENCE_TRAILER.test(text[back]!)) {
        examined++;
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
          examined++;
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
      chosen = { cut, part: build(start, cut) };
    }

    if (!isBlank(chosen.part)) parts.push(chosen.part);
    start = nextStart(chosen.cut);
  }
  return parts;
}
