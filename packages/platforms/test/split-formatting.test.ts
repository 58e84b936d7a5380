import { describe, expect, test } from "vitest";
import { mulberry32 } from "@patchbay/testing";
import type { Rng } from "@patchbay/testing";
import { measureFormatting } from "../src/shared/markdown/cost.ts";
import { splitText } from "../src/shared/split-text.ts";
import { splitForSlack, toSlackMarkdown } from "../src/slack/slack-markdown.ts";
import { markdownToTelegramHtml, splitForTelegram, visibleLength } from "../src/telegram/format.ts";

/*
 * Splitting never cuts formatting open, on every platform: each platform's splitter is run over the same cases
 * and checked against how the Markdown renders (Telegram's renderer reads Markdown the way the splitter does).
 */

interface Platform {
  name: string;
  split(markdown: string, limit: number): string[];
  /** What the platform counts against the limit. */
  measure(part: string): number;
}

const PLATFORMS: Platform[] = [
  { name: "Discord", split: splitText, measure: (part) => part.length },
  { name: "Slack", split: splitForSlack, measure: (part) => toSlackMarkdown(part).length },
  { name: "Telegram", split: splitForTelegram, measure: (part) => visibleLength(markdownToTelegramHtml(part)) },
];

/** Each visible character with the formatting it shows in, whitespace left out: what a reader sees. */
function styledCharacters(markdown: string): string[] {
  const html = markdownToTelegramHtml(markdown);
  const open: string[] = [];
  const out: string[] = [];
  for (const token of html.match(/<[^>]+>|&[a-z]+;|&#\d+;|[\s\S]/gu) ?? []) {
    if (token.startsWith("</")) {
      open.pop();
    } else if (token.startsWith("<") && token.length > 1) {
      open.push(token.replace(/^<(\w+)(?: (?:href|class)="([^"]*)")?>$/, "$1 $2").trim());
    } else if (!/^\s$/.test(token)) {
      out.push(`${token}|${[...open].sort().join(",")}`);
    }
  }
  return out;
}

/** The visible text of a part: Markdown marks in it mean formatting the split left open. */
const visibleText = (markdown: string) => styledCharacters(markdown).map((c) => c.split("|")[0]).join("");

function expectFormattingKept(platform: Platform, markdown: string, limit: number): string[] {
  const parts = platform.split(markdown, limit);
  for (const part of parts) {
    expect(platform.measure(part), part).toBeLessThanOrEqual(limit);
    expect(visibleText(part), part).not.toMatch(/[*_~`[\]]/);
  }
  expect(parts.flatMap(styledCharacters), JSON.stringify({ limit, parts })).toEqual(styledCharacters(markdown));
  return parts;
}

const words = (count: number, word = "word") => Array.from({ length: count }, (_, i) => `${word}${i}`).join(" ");

describe.each(PLATFORMS)("$name: a cut inside formatting closes it and reopens it", (platform) => {
  const cases: Array<{ name: string; markdown: string; limit: number; expectParts: (parts: string[]) => void }> = [
    {
      name: "bold",
      markdown: `Intro. **${words(40, "bold")}** after.`,
      limit: 120,
      expectParts: (parts) => {
        for (const part of parts.slice(1, -1)) expect(part).toMatch(/^\*\*bold\d+.*\*\*$/);
      },
    },
    {
      name: "italics, with * and _",
      markdown: `*${words(30, "star")}* and _${words(30, "under")}_`,
      limit: 100,
      expectParts: (parts) => {
        expect(parts.some((part) => /^\*star\d+.*\*$/.test(part))).toBe(true);
        expect(parts.some((part) => /^_under\d+.*_$/.test(part))).toBe(true);
      },
    },
    {
      name: "bold italics",
      markdown: `***${words(40, "both")}***`,
      limit: 90,
      expectParts: (parts) => {
        for (const part of parts) expect(part).toMatch(/^\*\*\*both\d+.*\*\*\*$/);
      },
    },
    {
      name: "nested emphasis",
      markdown: `**outer ${words(10, "o")} *inner ${words(20, "i")}* tail ${words(10, "t")}**`,
      limit: 80,
      expectParts: (parts) => expect(parts.some((part) => /^\*\*\*?i\d+.*\*\*\*?$/.test(part))).toBe(true),
    },
    {
      name: "a link, reopened with its destination",
      markdown: `See [${words(40, "link")}](https://example.com/wiki/A_(b)) now.`,
      limit: 150,
      expectParts: (parts) => {
        const linked = parts.filter((part) => part.includes("](https://example.com/wiki/A_(b))"));
        expect(linked.length).toBeGreaterThan(1);
      },
    },
    {
      name: "inline code",
      markdown: `Run \`${words(40, "arg")}\` then.`,
      limit: 100,
      expectParts: (parts) => {
        for (const part of parts.slice(1, -1)) expect(part).toMatch(/^`arg\d+.*`$/);
      },
    },
    {
      name: "strikethrough",
      markdown: `~~${words(40, "gone")}~~`,
      limit: 90,
      expectParts: (parts) => {
        for (const part of parts) expect(part).toMatch(/^~~gone\d+.*~~$/);
      },
    },
  ];

  test.each(cases)("$name", ({ markdown, limit, expectParts }) => {
    const parts = expectFormattingKept(platform, markdown, limit);
    expect(parts.length).toBeGreaterThan(1);
    expectParts(parts);
  });

  test("a fenced block that must be split is closed and reopened with the same language", () => {
    const code = Array.from({ length: 60 }, (_, i) => `  let value${i} = compute(${i});`);
    const markdown = `Code:\n\n\`\`\`typescript\n${code.join("\n")}\n\`\`\`\n\nDone.`;
    const parts = expectFormattingKept(platform, markdown, 400);
    const inCode = parts.filter((part) => part.includes("let value"));
    expect(inCode.length).toBeGreaterThan(2);
    for (const part of inCode) {
      expect(part).toMatch(/(^|\n)```typescript\n/);
      expect(part.match(/^```/gm)).toHaveLength(2);
    }
  });

  test("cuts outside formatting when a boundary there fits", () => {
    const markdown = `${words(20)} **bold words here** ${words(20)} [a link](https://example.com/x) ${words(20)}`;
    for (const limit of [60, 90, 130]) {
      const parts = expectFormattingKept(platform, markdown, limit);
      expect(parts.join(" ")).toBe(markdown);
    }
  });

  test("property: random formatted answers split within the limit, balanced, rendering the same text", () => {
    const random = mulberry32(11);
    for (let round = 0; round < 60; round++) {
      const markdown = randomAnswer(random);
      const limit = [60, 150, 400, 1000][round % 4]!;
      expectFormattingKept(platform, markdown, limit);
    }
  });
});

/** Answers whose formatting spans are long or many: closing and reopening them must not cost more per character. */
const HEAVY: Record<string, (length: number) => string> = {
  "one bold span": (n) => `**${"word ".repeat(n / 5 - 1)}**`,
  "many bold spans": (n) => "**a b** ".repeat(n / 8),
  "nested emphasis": (n) => `**a *${"b ".repeat(n / 2 - 8)}* c**`,
  "long link text": (n) => `[${"w ".repeat(n / 2 - 20)}](https://example.com/(x))`,
  "long code span": (n) => `\`${"c ".repeat(n / 2 - 2)}\``,
  "unpaired marks": (n) => "*a _b `c [d ".repeat(n / 12),
};

describe.each(PLATFORMS)("$name: splitting stays linear in the answer's length", (platform) => {
  test.each(Object.entries(HEAVY))("%s: the same cost per character at 16 000 and 64 000 characters", (_, make) => {
    const perCharacter = (text: string) => measureFormatting(() => void platform.split(text, 256)) / text.length;
    const small = perCharacter(make(16_000));
    const large = perCharacter(make(64_000));
    expect(large).toBeLessThan(small * 1.5 + 10);
  });
});

const VOCABULARY = ["alpha", "beta", "gamma", "delta", "über", "中文", "😀", "x1", "road-map", "it's", "(aside)", "50%"];

/** A model-like answer whose only Markdown marks are well-formed formatting. */
function randomAnswer(random: Rng): string {
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
  const phrase = (max: number) => Array.from({ length: 1 + Math.floor(random() * max) }, () => pick(VOCABULARY)).join(" ");
  const inline = (): string => {
    const kind = random();
    if (kind < 0.1) return `**${phrase(30)}**`;
    if (kind < 0.18) return `*${phrase(20)}*`;
    if (kind < 0.24) return `_${phrase(20)}_`;
    if (kind < 0.3) return `***${phrase(15)}***`;
    if (kind < 0.36) return `~~${phrase(10)}~~`;
    if (kind < 0.42) return `\`${phrase(12)}\``;
    if (kind < 0.5) return `[${phrase(12)}](https://example.com/${pick(["a", "b_(c)", "d?e=1&f=2"])})`;
    if (kind < 0.55) return `**${phrase(8)} *${phrase(8)}* ${phrase(8)}**`;
    return phrase(12);
  };
  const paragraph = (): string => {
    const kind = random();
    if (kind < 0.1) return `## ${phrase(6)}`;
    if (kind < 0.25) return Array.from({ length: 2 + Math.floor(random() * 4) }, () => `- ${inline()} ${inline()}`).join("\n");
    if (kind < 0.35) return `\`\`\`${pick(["", "python", "ts"])}\n${Array.from({ length: 1 + Math.floor(random() * 30) }, () => phrase(8)).join("\n")}\n\`\`\``;
    return Array.from({ length: 1 + Math.floor(random() * 10) }, inline).join(" ");
  };
  return Array.from({ length: 1 + Math.floor(random() * 12) }, paragraph).join("\n\n");
}
