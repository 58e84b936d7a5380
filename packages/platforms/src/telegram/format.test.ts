import { MAX_ANSWER_LENGTH } from "@patchbay/core";
import { describe, expect, test } from "vitest";
import { mulberry32 } from "@patchbay/testing";
import {
  escapeTelegramHtml,
  markdownToTelegramHtml,
  markdownToTelegramText,
  measureFormatting,
  splitForTelegram,
  telegramHtmlToText,
  visibleLength,
} from "./format.ts";

// ---------------------------------------------------------------------------------------------
// Test helpers
// ---------------------------------------------------------------------------------------------

const SIMPLE_TAGS = new Set(["b", "i", "u", "s", "code", "pre", "blockquote"]);

/**
 * Checks that `html` is valid for Telegram `parse_mode: "HTML"` and respects Telegram's nesting rules:
 * only allowed tags, balanced and properly nested, no tags inside code/pre (except `pre > code.language-x`),
 * no code or link inside a link, no nested blockquote, no block inside an inline tag, and text with no raw
 * `<`, `>` or stray `&`. Returns the list of problems (empty when valid).
 */
function telegramHtmlProblems(html: string): string[] {
  const problems: string[] = [];
  const stack: string[] = [];
  let index = 0;
  while (index < html.length) {
    const char = html[index]!;
    if (char === "<") {
      const match = /^<(\/?)([a-z]+)((?: [a-z]+="[^"]*")*)>/.exec(html.slice(index));
      if (match === null) {
        problems.push(`malformed tag at ${index}: ${html.slice(index, index + 20)}`);
        break;
      }
      const [whole, slash, name, attributes] = match as unknown as [string, string, string, string];
      const parent = stack[stack.length - 1];
      if (slash === "/") {
        if (parent !== name) problems.push(`</${name}> closes <${parent ?? "nothing"}>`);
        stack.pop();
        if (name === "code" && stack[stack.length - 1] === "pre" && !html.startsWith("</pre>", index + whole.length)) {
          problems.push("code inside pre not closed right before </pre>");
        }
      } else {
        if (stack.includes("code") || (parent === "pre" && name !== "code")) problems.push(`<${name}> inside code`);
        if (parent === "pre" && html.slice(index - 5, index) !== "<pre>") problems.push("code not first in pre");
        if (name === "a") {
          if (!/^ href="[^"<>]*"$/.test(attributes)) problems.push(`bad link attributes ${attributes}`);
          if (stack.includes("a")) problems.push("nested link");
        } else if (name === "code" && parent === "pre" && attributes !== "") {
          if (!/^ class="language-[A-Za-z0-9_+#.-]+"$/.test(attributes)) problems.push(`bad class ${attributes}`);
        } else if (!SIMPLE_TAGS.has(name)) {
          problems.push(`tag <${name}> not allowed`);
        } else if (attributes !== "") {
          problems.push(`attributes on <${name}>`);
        }
        if (name === "code" && stack.includes("a")) problems.push("code inside link");
        if (name === "blockquote" && stack.length > 0) problems.push("blockquote inside another tag");
        if (name === "pre" && stack.some((tag) => tag !== "blockquote")) problems.push("pre inside inline tag");
        if (name === "pre" && stack.includes("blockquote")) problems.push("pre inside blockquote");
        stack.push(name);
      }
      index += whole.length;
      continue;
    }
    if (char === ">") problems.push(`raw > at ${index}`);
    if (char === "&") {
      const entity = /^&(?:lt|gt|amp|quot|#[0-9]+|#x[0-9a-fA-F]+);/.exec(html.slice(index));
      if (entity === null) problems.push(`raw & at ${index}`);
    }
    index++;
  }
  if (stack.length > 0) problems.push(`unclosed tags ${stack.join(",")}`);
  return problems;
}

function expectValidHtml(html: string): void {
  expect(telegramHtmlProblems(html), html).toEqual([]);
}

const FENCE_LINE = /^[ \t]*(?:`{3,}|~{3,})[^\n]*$/;
const GAP = /^(?:\s|(?:`{3,}|~{3,})[^\n`]*(?:\n|$))*$/;

/**
 * Asserts that the parts, minus fence lines the splitter added to close and reopen code blocks (and a backslash it
 * puts before a mid-line `>`/`#`/`-` that starts a part), are consecutive substrings of the original separated only
 * by whitespace, by fence lines the splitter already reproduced, or by markers that render to nothing.
 */
function expectReassembles(original: string, parts: readonly string[]): void {
  const cores = parts.map((part) => {
    const lines = part.split("\n");
    const first = lines.length > 1 && FENCE_LINE.test(lines[0]!);
    const last = lines.length > 1 && FENCE_LINE.test(lines[lines.length - 1]!);
    const variants = [part];
    if (first) variants.push(lines.slice(1).join("\n"));
    if (last) variants.push(lines.slice(0, -1).join("\n"));
    if (first && last && lines.length > 2) variants.push(lines.slice(1, -1).join("\n"));
    // A part that starts mid-line with text that looks like block syntax (`> `, `# `, `- `…) gets a backslash.
    const unescaped = [...variants, ...variants.filter((core) => core.startsWith("\\")).map((core) => core.slice(1))];
    // Formatting cut in two is reopened at the start of a part and closed at its end.
    return unescaped.flatMap((core) => withoutAddedMarks(core));
  });
  // Besides whitespace and fence lines, the splitter may drop what renders to nothing at a line start
  // (e.g. a bare `>` quote marker that cannot share a part with its content under a tiny limit).
  const gapOk = (from: number, to: number): boolean => {
    // Closing marks of formatting that the previous part closed itself are not repeated.
    const gap = original.slice(from, to).replace(/^\s*(?:[*_~`]|\]\([^()\s]*(?:\([^()\s]*\)[^()\s]*)*(?:\s+"[^"]*")?\))+/, "");
    if (GAP.test(gap)) return true;
    const rest = gap.replace(/^[ \t]*(?:`{3,}|~{3,})[^\n]*$/gm, "");
    const lead = /^\s*/.exec(rest)![0];
    const atLineStart = lead.includes("\n") || original.slice(original.lastIndexOf("\n", from - 1) + 1, from).trim() === "";
    return atLineStart && telegramHtmlToText(markdownToTelegramHtml(rest)).trim() === "";
  };
  // Depth-first over the variants (a fence line may or may not have been added), memoised on (part, cursor).
  const failed = new Set<string>();
  let furthest = 0;
  const matches = (index: number, cursor: number): boolean => {
    furthest = Math.max(furthest, index);
    if (index === parts.length) return gapOk(cursor, original.length);
    const key = `${index}:${cursor}`;
    if (failed.has(key)) return false;
    for (const core of cores[index]!) {
      // Gaps are short (whitespace, fence lines, a bare quote marker); "```" is not a valid gap but "```\n" is.
      for (let at = original.indexOf(core, cursor); at !== -1 && at - cursor <= 400; at = original.indexOf(core, at + 1)) {
        if (gapOk(cursor, at) && matches(index + 1, at + core.length)) return true;
      }
    }
    failed.add(key);
    return false;
  };
  expect(matches(0, 0), `parts do not reassemble; stuck at part ${furthest}: ${JSON.stringify(parts[furthest])}`).toBe(true);
}

/** `core` without some of the marks a split may have added: openers at its start, closers at its end. */
function withoutAddedMarks(core: string): string[] {
  const leading = /^(?:[*_~`]|!?\[)*/.exec(core)![0];
  const closers: string[] = [];
  for (let rest = core; ; ) {
    const closer = /(?:[*_~`]|\]\([^()\s]*(?:\([^()\s]*\)[^()\s]*)*(?:\s+"[^"]*")?\))$/.exec(rest);
    if (closer === null || closer[0].length === rest.length) break;
    closers.push(closer[0]);
    rest = rest.slice(0, -closer[0].length);
  }
  const out: string[] = [];
  for (let open = 0; open <= leading.length; open++) {
    let end = core.length;
    for (let close = 0; close <= closers.length; close++) {
      if (close > 0) end -= closers[close - 1]!.length;
      if (end > open) out.push(core.slice(open, end));
    }
  }
  return out;
}

function expectGoodParts(original: string, parts: readonly string[], limit: number): void {
  for (const part of parts) {
    const html = markdownToTelegramHtml(part);
    expectValidHtml(html);
    expect(visibleLength(html)).toBeLessThanOrEqual(limit);
    expect(telegramHtmlToText(html).trim()).not.toBe("");
    expect(part.trim()).not.toBe("");
    expect(hasLoneSurrogate(part)).toBe(false);
  }
  expectReassembles(original, parts);
}

function hasLoneSurrogate(text: string): boolean {
  return /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text);
}

const WORDS = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "theta", "kappa", "lambda", "sigma", "omega"];

function sentence(random: () => number, words: number): string {
  const out: string[] = [];
  for (let index = 0; index < words; index++) out.push(WORDS[Math.floor(random() * WORDS.length)]!);
  const text = out.join(" ");
  return `${text[0]!.toUpperCase()}${text.slice(1)}.`;
}

// ---------------------------------------------------------------------------------------------
// Escaping and measuring
// ---------------------------------------------------------------------------------------------

describe("escapeTelegramHtml", () => {
  test("escapes <, > and &", () => {
    expect(escapeTelegramHtml("a < b && c > d")).toBe("a &lt; b &amp;&amp; c &gt; d");
    expect(escapeTelegramHtml("<b>x</b>")).toBe("&lt;b&gt;x&lt;/b&gt;");
    expect(escapeTelegramHtml('plain "quotes" stay')).toBe('plain "quotes" stay');
    expect(escapeTelegramHtml("&amp;")).toBe("&amp;amp;");
  });
});

describe("visibleLength", () => {
  test("ignores tags and decodes entities", () => {
    expect(visibleLength("<b>a&lt;b</b>")).toBe(3);
    expect(visibleLength('<a href="https://example.com/?a=1&amp;b=2">x</a>')).toBe(1);
    expect(visibleLength("&amp;&gt;&quot;")).toBe(3);
    expect(visibleLength('<pre><code class="language-ts">x</code></pre>')).toBe(1);
  });

  test("counts UTF-16 code units", () => {
    expect(visibleLength("😀")).toBe(2);
    expect(visibleLength("&#128512;")).toBe(2);
    expect(visibleLength("&#x41;é")).toBe(2);
  });
});

// ---------------------------------------------------------------------------------------------
// Markdown → Telegram HTML
// ---------------------------------------------------------------------------------------------

describe("mentions the model writes notify nobody", () => {
  test.each([
    ["ask @alice_smith", "ask @\u2060alice_smith"],
    ["(@Bob12345)", "(@\u2060Bob12345)"],
    ["**@carol_bot** knows", "<b>@\u2060carol_bot</b> knows"],
    ["[Dave](tg://user?id=123456789) said", "Dave said"],
    ["<tg://user?id=123456789>", "tg://user?id=123456789"],
  ])("%s", (markdown, html) => {
    expect(markdownToTelegramHtml(markdown)).toBe(html);
  });

  test("the plain-text fallback shows the words without marks, mentions still defused", () => {
    expect(markdownToTelegramText("Ask **@alice_smith** about [the docs](https://e.com/a) & `x < y`")).toBe(
      "Ask @\u2060alice_smith about the docs & x < y",
    );
  });

  test("what Telegram would not read as a mention is left alone", () => {
    for (const text of ["mail ada@example.com", "@abc is too short", "`@alice_smith` in code", "[chat](tg://resolve?domain=somebot)", "https://medium.com/@alice_smith/post"]) {
      expect(markdownToTelegramHtml(text)).not.toContain("\u2060");
    }
    expect(markdownToTelegramHtml("[chat](tg://resolve?domain=somebot)")).toBe('<a href="tg://resolve?domain=somebot">chat</a>');
  });
});

describe("markdownToTelegramHtml", () => {
  const cases: Array<[string, string, string]> = [
    ["bold **", "a **bold** b", "a <b>bold</b> b"],
    ["bold __", "__bold__", "<b>bold</b>"],
    ["italic *", "an *italic* word", "an <i>italic</i> word"],
    ["italic _", "an _italic_ word", "an <i>italic</i> word"],
    ["bold italic", "***both***", "<i><b>both</b></i>"],
    ["nested", "**bold *and italic***", "<b>bold <i>and italic</i></b>"],
    ["italic around bold", "*it **bold** it*", "<i>it <b>bold</b> it</i>"],
    ["strike", "~~gone~~ here", "<s>gone</s> here"],
    ["code span", "use `a < b && **c**` now", "use <code>a &lt; b &amp;&amp; **c**</code> now"],
    ["double backtick code", "``a ` b``", "<code>a ` b</code>"],
    ["link", "see [the docs](https://example.com/x)", 'see <a href="https://example.com/x">the docs</a>'],
    [
      "link escaping",
      '[q](https://e.com/?a=1&b="2")',
      '<a href="https://e.com/?a=1&amp;b=&quot;2&quot;">q</a>',
    ],
    ["link with parens", "[w](https://en.wikipedia.org/wiki/A_(b))", '<a href="https://en.wikipedia.org/wiki/A_(b)">w</a>'],
    ["link with bold text", "[**x**](https://e.com)", '<a href="https://e.com"><b>x</b></a>'],
    ["link with code text", "[`x`](https://e.com)", '<a href="https://e.com">x</a>'],
    ["empty link text", "[](https://e.com)", '<a href="https://e.com">https://e.com</a>'],
    ["tg link", "[me](tg://resolve?domain=somebot)", '<a href="tg://resolve?domain=somebot">me</a>'],
    ["mailto", "[mail](mailto:a@b.c)", '<a href="mailto:a@b.c">mail</a>'],
    ["autolink", "<https://e.com/a>", '<a href="https://e.com/a">https://e.com/a</a>'],
    ["image", "![alt](https://e.com/i.png)", '<a href="https://e.com/i.png">alt</a>'],
    ["escaped character in link destination", "[a](https://e.com/a\\_b)", '<a href="https://e.com/a_b">a</a>'],
    ["bare URL is plain text", "see https://e.com/__init__/a_b_c.", "see https://e.com/__init__/a_b_c."],
    ["bold bare URL", "**https://e.com/x_y**", "<b>https://e.com/x_y</b>"],
    ["javascript link stays literal", "[x](javascript:alert(1))", "[x](javascript:alert(1))"],
    ["relative link stays literal", "[x](/path)", "[x](/path)"],
    ["heading", "# Title", "<b>Title</b>"],
    ["heading level 3 with closing hashes", "### Sub *it* ###", "<b>Sub <i>it</i></b>"],
    ["bold in heading is not doubled", "## **Bold** title", "<b>Bold title</b>"],
    ["hashtag is not a heading", "#hashtag", "#hashtag"],
    ["bullets", "- one\n* two\n+ three", "• one\n• two\n• three"],
    ["nested bullet keeps indent", "- a\n  - b", "• a\n  • b"],
    ["bullet with bold", "- **k**: v", "• <b>k</b>: v"],
    ["ordered list", "1. first\n2. second", "1. first\n2. second"],
    ["quote", "> quoted **text**\n> more", "<blockquote>quoted <b>text</b>\nmore</blockquote>"],
    ["nested quote is flattened", "> a\n>> b", "<blockquote>a\nb</blockquote>"],
    ["rule", "a\n\n---\n\nb", "a\n\n———\n\nb"],
    ["escaped markers", "\\*not italic\\*", "*not italic*"],
    ["raw html is escaped", "<b>hi</b> & <script>", "&lt;b&gt;hi&lt;/b&gt; &amp; &lt;script&gt;"],
    ["blank lines collapse", "a\n\n\n\nb\n\n", "a\n\nb"],
  ];
  for (const [name, markdown, expected] of cases) {
    test(name, () => {
      const html = markdownToTelegramHtml(markdown);
      expect(html).toBe(expected);
      expectValidHtml(html);
    });
  }

  test("fenced code block with language", () => {
    const html = markdownToTelegramHtml("Code:\n```ts\nif (a < b && c > d) {\n  **x** = `y`;\n}\n```\nafter");
    expect(html).toBe(
      'Code:\n<pre><code class="language-ts">if (a &lt; b &amp;&amp; c &gt; d) {\n  **x** = `y`;\n}</code></pre>\nafter',
    );
    expectValidHtml(html);
  });

  test("fenced code block without language, tildes, indentation and an unclosed fence", () => {
    expect(markdownToTelegramHtml("```\n<x>\n```")).toBe("<pre>&lt;x&gt;</pre>");
    expect(markdownToTelegramHtml("~~~\na\n~~~")).toBe("<pre>a</pre>");
    expect(markdownToTelegramHtml("1. step\n   ```sh\n   ls -l\n   ```")).toBe(
      '1. step\n<pre><code class="language-sh">ls -l</code></pre>',
    );
    expect(markdownToTelegramHtml("```py\nprint(1)")).toBe('<pre><code class="language-py">print(1)</code></pre>');
    expect(markdownToTelegramHtml("````\n```\ninner\n```\n````")).toBe("<pre>```\ninner\n```</pre>");
    expect(markdownToTelegramHtml('```weird"lang\nx\n```')).toBe("<pre>x</pre>");
    expect(markdownToTelegramHtml("a\n```\n```\nb")).toBe("a\nb");
  });

  const literal: string[] = [
    "a < b && c > d",
    "snake_case_name and __init__x",
    "2 * 3 * 4",
    "2*3*4 = 24",
    "a lone * star",
    "a lone _ underscore",
    "**unclosed bold",
    "unopened bold**",
    "~single tilde~",
    "a ~~~ b",
    "` lone backtick",
    "[not a link]",
    "[text] (https://e.com)",
    "file_name_v2.txt",
    "x = y_1 * z_2",
    "** spaced **",
    "C++ & C# <3",
  ];
  for (const text of literal) {
    test(`leaves literal markers alone: ${text}`, () => {
      const html = markdownToTelegramHtml(text);
      expect(html).toBe(escapeTelegramHtml(text));
      expectValidHtml(html);
    });
  }

  test("every output of a mixed answer is valid and keeps all text", () => {
    const markdown = [
      "# Answer",
      "",
      "Here is **bold**, *italic*, _also italic_, ~~struck~~ and `a<b`.",
      "- item with [link](https://example.com/?q=a&b=c)",
      "* another *item* with snake_case",
      "1. numbered & **strong _nested_**",
      "",
      "> a quote with `code` and **bold**",
      "",
      "```python",
      "def f(a, b):",
      "    return a < b and b > 0  # **not bold**",
      "```",
      "",
      "Math: 2 * 3 * 4 = 24, a<b, x_1 * y_2.",
    ].join("\n");
    const html = markdownToTelegramHtml(markdown);
    expectValidHtml(html);
    const text = telegramHtmlToText(html);
    for (const fragment of ["Answer", "a<b", "snake_case", "def f(a, b):", "# **not bold**", "2 * 3 * 4 = 24", "x_1 * y_2"]) {
      expect(text).toContain(fragment);
    }
    expect(html).toContain('<pre><code class="language-python">');
    expect(html).toContain("<blockquote>");
    expect(html).toContain("<b>strong <i>nested</i></b>");
  });
});

// ---------------------------------------------------------------------------------------------
// Splitting
// ---------------------------------------------------------------------------------------------

describe("splitForTelegram", () => {
  test("short text is one part; blank text is none", () => {
    expect(splitForTelegram("hello **world**")).toEqual(["hello **world**"]);
    expect(splitForTelegram("\n\n  hi  \n\n")).toEqual(["hi"]);
    expect(splitForTelegram("")).toEqual([]);
    expect(splitForTelegram(" \n\t ")).toEqual([]);
  });

  test("rejects a limit below 2", () => {
    expect(() => splitForTelegram("abc", 1)).toThrow(RangeError);
  });

  test("a 10 000-character answer splits into parts ≤ 4096 visible characters that reassemble", () => {
    const random = mulberry32(42);
    const paragraphs: string[] = [];
    let total = 0;
    while (total < 10_000) {
      const kind = random();
      let paragraph: string;
      if (kind < 0.15) paragraph = `## ${sentence(random, 3)}`;
      else if (kind < 0.3) paragraph = Array.from({ length: 4 }, () => `- **${sentence(random, 2)}** ${sentence(random, 6)}`).join("\n");
      else if (kind < 0.4) paragraph = "```js\n" + Array.from({ length: 6 }, (_, i) => `const v${i} = a < b && c > d;`).join("\n") + "\n```";
      else paragraph = Array.from({ length: 5 }, () => sentence(random, 12)).join(" ") + " See [docs](https://example.com/a_b?x=1&y=2).";
      paragraphs.push(paragraph);
      total += paragraph.length + 2;
    }
    const answer = paragraphs.join("\n\n").slice(0, 10_000).trimEnd() + "\n\nThe end.";
    expect(answer.length).toBeGreaterThan(9_900);
    const parts = splitForTelegram(answer);
    expect(parts.length).toBeGreaterThanOrEqual(3);
    expectGoodParts(answer, parts, 4096);
    // Every part but the last is reasonably full.
    for (const part of parts.slice(0, -1)) expect(visibleLength(markdownToTelegramHtml(part))).toBeGreaterThan(2048);
  });

  test("plain text reassembles exactly when joined with the removed paragraph breaks", () => {
    const random = mulberry32(7);
    const answer = Array.from({ length: 40 }, () => Array.from({ length: 4 }, () => sentence(random, 10)).join(" ")).join("\n\n");
    const parts = splitForTelegram(answer, 1000);
    expect(parts.join("\n\n")).toBe(answer);
  });

  test("prefers paragraph breaks", () => {
    const first = "A".repeat(1500) + " " + "b".repeat(1400);
    const second = "Second paragraph. " + "c".repeat(2000);
    const text = `${first}\nstill first paragraph\n\n${second}`;
    expect(splitForTelegram(text)).toEqual([`${first}\nstill first paragraph`, second]);
  });

  test("falls back to line breaks", () => {
    const lines = Array.from({ length: 30 }, (_, i) => `Line ${i}. ${"word ".repeat(8).trim()}`);
    const text = lines.join("\n");
    const parts = splitForTelegram(text, 200);
    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) for (const line of part.split("\n")) expect(lines).toContain(line);
    expect(parts.join("\n")).toBe(text);
    expectGoodParts(text, parts, 200);
  });

  test("falls back to sentence ends, then whitespace", () => {
    const random = mulberry32(3);
    const text = Array.from({ length: 20 }, () => sentence(random, 8)).join(" ");
    const parts = splitForTelegram(text, 150);
    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) expect(part.endsWith(".")).toBe(true);
    expect(parts.join(" ")).toBe(text);

    const words = Array.from({ length: 200 }, (_, i) => `word${i}`).join(" ");
    const wordParts = splitForTelegram(words, 100);
    for (const part of wordParts) {
      expect(part.length).toBeLessThanOrEqual(100);
      expect(part).toMatch(/^word\d+( word\d+)*$/);
    }
    expect(wordParts.join(" ")).toBe(words);
  });

  test("does not cut inside a bold span or link when it can cut outside", () => {
    const text = `Intro words here and **a bold phrase that is long** then [a link text](https://example.com/${"p".repeat(60)}) end of it all.`;
    for (const limit of [30, 40, 50, 60]) {
      const parts = splitForTelegram(text, limit);
      expectGoodParts(text, parts, limit);
      for (const part of parts) {
        const html = markdownToTelegramHtml(part);
        expect(telegramHtmlToText(html)).not.toContain("**");
        expect(telegramHtmlToText(html)).not.toContain("](");
      }
    }
  });

  test("link URLs do not count towards the limit", () => {
    const link = `[x](https://example.com/${"u".repeat(200)})`;
    const text = Array.from({ length: 30 }, () => link).join(" ");
    const parts = splitForTelegram(text, 50);
    expectGoodParts(text, parts, 50);
    expect(parts.length).toBeLessThanOrEqual(2);
  });

  test("a long code block is closed and reopened with its language", () => {
    const codeLines = Array.from({ length: 300 }, (_, i) => `  let value${i} = compute(${i}) < limit && ok; // **${i}**`);
    const text = `Here is the code:\n\n\`\`\`typescript\n${codeLines.join("\n")}\n\`\`\`\n\nAnd that is all.`;
    const parts = splitForTelegram(text, 4096);
    expect(parts.length).toBeGreaterThanOrEqual(4);
    expectGoodParts(text, parts, 4096);
    const code: string[] = [];
    for (const [index, part] of parts.entries()) {
      const html = markdownToTelegramHtml(part);
      expect(html).toContain('<pre><code class="language-typescript">');
      if (index > 0) expect(part.startsWith("```typescript\n")).toBe(true);
      if (index < parts.length - 1) expect(part.endsWith("\n```")).toBe(true);
      const match = /<pre><code class="language-typescript">([\s\S]*)<\/code><\/pre>/.exec(html);
      code.push(telegramHtmlToText(match![1]!));
    }
    expect(code.join("\n")).toBe(codeLines.join("\n"));
    expect(parts[0]!.startsWith("Here is the code:")).toBe(true);
    expect(parts[parts.length - 1]!.endsWith("And that is all.")).toBe(true);
  });

  test("a code block with a single huge line is hard-cut and reopened", () => {
    const text = "```\n" + "x".repeat(250) + "\n```";
    const parts = splitForTelegram(text, 100);
    expectGoodParts(text, parts, 100);
    expect(parts).toEqual([`\`\`\`\n${"x".repeat(100)}\n\`\`\``, `\`\`\`\n${"x".repeat(100)}\n\`\`\``, `\`\`\`\n${"x".repeat(50)}\n\`\`\``]);
  });

  test("never cuts a surrogate pair", () => {
    const text = "a" + "😀".repeat(3000);
    const parts = splitForTelegram(text);
    expectGoodParts(text, parts, 4096);
    expect(parts.join("")).toBe(text);
    expect(parts[0]!.length).toBe(4095);
    for (const part of parts) expect(hasLoneSurrogate(part)).toBe(false);

    for (const limit of [2, 3, 5, 17]) {
      const small = "😀x😀😀 😀".repeat(10);
      const smallParts = splitForTelegram(small, limit);
      expectGoodParts(small, smallParts, limit);
    }
  });

  test("a single 9000-character word is hard-cut", () => {
    const word = "x".repeat(9000);
    const parts = splitForTelegram(word);
    expect(parts.map((part) => part.length)).toEqual([4096, 4096, 808]);
    expect(parts.join("")).toBe(word);

    const escaped = "<&x".repeat(3000);
    const escapedParts = splitForTelegram(escaped);
    expectGoodParts(escaped, escapedParts, 4096);
    expect(escapedParts.map((part) => visibleLength(markdownToTelegramHtml(part)))).toEqual([4096, 4096, 808]);
    expect(escapedParts.join("")).toBe(escaped);
  });

  test("a cut never makes the next part start with a quote, heading or list marker", () => {
    const compared = "<&>".repeat(3000);
    const comparedParts = splitForTelegram(compared);
    expectGoodParts(compared, comparedParts, 4096);
    expect(comparedParts.join("")).toBe(compared);
    for (const part of comparedParts) expect(part.startsWith(">")).toBe(false);

    const prose = "if a > b then # 1 - done * ok ".repeat(20).trim();
    for (const limit of [9, 10, 11, 12, 13, 25]) {
      const parts = splitForTelegram(prose, limit);
      expectGoodParts(prose, parts, limit);
      for (const part of parts) {
        const html = markdownToTelegramHtml(part);
        expect(html).not.toContain("<blockquote>");
        expect(html).not.toContain("<b>");
        expect(html).not.toContain("•");
      }
      expect(parts.join(" ")).toBe(prose);
    }
  });

  test("property: random Markdown-ish text always converts to valid HTML and splits within the limit", () => {
    const pieces = [
      "word", "other", "x", "snake_case", "2 * 3", " * ", "*", "**", "_", "__", "~~", "~", "`", "``",
      "[", "]", "(", ")", "](https://example.com/a_b?c=1&d=2)", "](javascript:void(0))", "<", ">", "&", '"',
      "\\*", "\\", "# ", "- ", "* ", "1. ", "> ", "😀", "é", "中文。", ". ", "! ", "? ", "…", "\n", "\n", "\n\n",
      " ", " ", " ", "\t", "\n```python\n", "\n```\n", "\n~~~\n", "<https://e.com>", "&amp;", "---",
    ];
    const random = mulberry32(20240611);
    for (let round = 0; round < 250; round++) {
      const count = Math.floor(random() * 400);
      let markdown = "";
      for (let index = 0; index < count; index++) markdown += pieces[Math.floor(random() * pieces.length)]!;
      const html = markdownToTelegramHtml(markdown);
      expect(telegramHtmlProblems(html), JSON.stringify(markdown)).toEqual([]);
      const limit = [2, 7, 16, 40, 120, 500, 4096][round % 7]!;
      const parts = splitForTelegram(markdown, limit);
      for (const part of parts) {
        const partHtml = markdownToTelegramHtml(part);
        expect(telegramHtmlProblems(partHtml), JSON.stringify(part)).toEqual([]);
        expect(visibleLength(partHtml), JSON.stringify({ markdown, limit, part })).toBeLessThanOrEqual(limit);
        expect(telegramHtmlToText(partHtml).trim()).not.toBe("");
        expect(hasLoneSurrogate(part)).toBe(false);
      }
      if (telegramHtmlToText(html).trim() !== "") expect(parts.length).toBeGreaterThan(0);
      expectReassembles(markdown, parts);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Cost: counted (characters the formatter examines), never timed.
// ---------------------------------------------------------------------------------------------

/** Answers that used to cost more per character the longer they were, as a function of their length. */
const ADVERSARIAL: Record<string, (length: number) => string> = {
  "broken links": (n) => "[a](".repeat(n / 4),
  "unclosed <destinations>": (n) => "[a](<".repeat(n / 5),
  "unclosed link titles": (n) => '[a](b "'.repeat(n / 7),
  "bare URLs without a host": (n) => "http:///".repeat(n / 8),
  "a URL ending in closing parens": (n) => `see http://a.b/${")".repeat(n - 15)}`,
  "a long run of blanks": (n) => `a${" ".repeat(n - 2)}b`,
  "a heading of blanks": (n) => `# ${" ".repeat(n - 3)}x`,
  "a long <destination> with a space": (n) => `[a](<http://${"a".repeat(n - 20)} b>)`,
  "emphasis pairs on one line": (n) => "*a* ".repeat(n / 4),
  "deeply nested emphasis": (n) => "*a ".repeat(n / 6) + "b* ".repeat(n / 6),
  "many fenced blocks": (n) => "```\nx\n```\n".repeat(n / 10),
  "one long line of words": (n) => "word ".repeat(n / 5),
  "many short lines": (n) => "a line here\n".repeat(n / 12),
  "valid links": (n) => "[t](https://ex.com/aaaaaaaaaaaaaaaaaaaa) ".repeat(n / 42),
  "unpaired backticks": (n) => "`a ".repeat(n / 3),
  "mixed prose": (n) => "Some **bold** and _it_ text with [link](http://x.y/z) and `code`. [a](\n".repeat(n / 70),
};

describe("cost: formatting and splitting are linear in the answer's length", () => {
  /** Characters examined per character of input. */
  const perCharacter = (text: string, work: (text: string) => unknown) => measureFormatting(() => void work(text)) / text.length;

  test.each(Object.entries(ADVERSARIAL))("converting %s: the same cost per character at 16 000 and 64 000 characters", (_, make) => {
    const small = perCharacter(make(16_000), markdownToTelegramHtml);
    const large = perCharacter(make(64_000), markdownToTelegramHtml);
    expect(large).toBeLessThan(small * 1.25 + 1);
    expect(large).toBeLessThan(64);
  });

  // A small limit, so that both lengths split into many parts (one part that fits whole is cheaper).
  test.each(Object.entries(ADVERSARIAL))("splitting %s: the same cost per character at 16 000 and 64 000 characters", (_, make) => {
    const split = (text: string) => splitForTelegram(text, 256);
    const small = perCharacter(make(16_000), split);
    const large = perCharacter(make(64_000), split);
    expect(large).toBeLessThan(small * 1.5 + 10);
    expect(large).toBeLessThan(1_200);
  });

  test("the issue's answer (32 000 characters of broken link markup) costs a constant per character", () => {
    const answer = "Read [the docs](https://example.com/docs and [this](".repeat(32_000 / 52).slice(0, 32_000);
    const cost = measureFormatting(() => {
      for (const part of splitForTelegram(answer)) markdownToTelegramHtml(part);
    });
    expect(cost / answer.length).toBeLessThan(1_200);
  });

  test("the answer cap is a few Telegram messages", () => {
    expect(MAX_ANSWER_LENGTH).toBe(16_000);
    expect(splitForTelegram("word ".repeat(MAX_ANSWER_LENGTH / 5)).length).toBeLessThanOrEqual(5);
  });
});

describe("what keeps it linear stays readable", () => {
  test("emphasis nested past 32 levels stays literal, and the HTML stays valid", () => {
    const deep = `${"*a ".repeat(40)}x${" b*".repeat(40)}`;
    const html = markdownToTelegramHtml(deep);
    expect(telegramHtmlProblems(html)).toEqual([]);
    expect(telegramHtmlToText(html).replace(/[*\s]/g, "")).toBe(`${"a".repeat(40)}x${"b".repeat(40)}`);
    expect((html.match(/<i>/g) ?? []).length).toBeLessThanOrEqual(32);
  });

  test("a destination nested past 32 parentheses is not a link; 32 still are", () => {
    const link = (depth: number) => `[t](https://e.com/${"(".repeat(depth)}${")".repeat(depth)})`;
    expect(markdownToTelegramHtml(link(32))).toContain("<a href=");
    expect(markdownToTelegramHtml(link(33))).not.toContain("<a href=");
  });

  test("a bare URL keeps its balanced parens and drops the unbalanced ones", () => {
    expect(markdownToTelegramHtml("see http://e.com/a_(b)_c)) now")).toBe("see http://e.com/a_(b)_c)) now");
    expect(markdownToTelegramHtml("(see http://e.com/wiki/A_(b))")).toBe("(see http://e.com/wiki/A_(b))");
    expect(markdownToTelegramHtml("http:///x *y* and _it_")).toBe("http:///x <i>y</i> and <i>it</i>");
  });

  test("headings drop a closing # sequence and trailing blanks, however many", () => {
    expect(markdownToTelegramHtml(`# Title ##${" ".repeat(5000)}`)).toBe("<b>Title</b>");
    expect(markdownToTelegramHtml("# C# ##")).toBe("<b>C#</b>");
    expect(markdownToTelegramHtml("# ##")).toBe("<b>##</b>");
  });
});
