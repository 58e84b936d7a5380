import { describe, expect, test } from "vitest";
import { SLACK_PART_LIMIT, splitForSlack, toSlackMarkdown } from "./slack-markdown.ts";

const WJ = "\u2060";

describe("toSlackMarkdown: standard Markdown goes to Slack as written, for Slack to render", () => {
  test.each([
    ["italics with a star", "an *italic* word", "an *italic* word"],
    ["italics with an underscore", "an _italic_ word", "an _italic_ word"],
    ["bold", "a **bold** word", "a **bold** word"],
    ["bold italics", "***all of it***", "***all of it***"],
    ["strikethrough", "~~gone~~", "~~gone~~"],
    ["headings and lists", "## Title\n- one\n1. two", "## Title\n- one\n1. two"],
    ["a plain link", "[docs](https://example.com/docs)", "[docs](https://example.com/docs)"],
    ["a link with parentheses", "[a](https://x.y/(z))", "[a](https://x.y/%28z%29)"],
    ["a Wikipedia link in bold", "**[Foo](https://en.wikipedia.org/wiki/Foo_(bar))**", "**[Foo](https://en.wikipedia.org/wiki/Foo_%28bar%29)**"],
    ["a link in a quote", "> see [it](https://x.y/a_(b)_c)", "> see [it](https://x.y/a_%28b%29_c)"],
    ["a link with a title", '[t](https://x.y/(1) "title")', "[t](https://x.y/%281%29)"],
    ["an autolink", "<https://x.y/(z)>", "<https://x.y/(z)>"],
    ["a link inside code stays code", "`[a](https://x.y/(z))`", "`[a](https://x.y/(z))`"],
    ["characters Slack's mrkdwn would need escaped", "a < b && c > d", "a < b && c > d"],
    ["a fence's language, which Slack would not highlight", "```python\nprint(1)\n```", "```\nprint(1)\n```"],
    ["a link-like line inside a fence", "```\n[a](https://x.y/(z))\n```", "```\n[a](https://x.y/(z))\n```"],
  ])("%s", (_, markdown, expected) => {
    expect(toSlackMarkdown(markdown)).toBe(expected);
  });
});

describe("mentions the model writes ping nobody", () => {
  test.each([
    ["<!channel>", `<${WJ}!channel>`],
    ["<!here>", `<${WJ}!here>`],
    ["<!everyone>", `<${WJ}!everyone>`],
    ["<!subteam^S0123|@oncall>", `<${WJ}!subteam^S0123|@oncall>`],
    ["<@U0123ABC>", `<${WJ}@U0123ABC>`],
    ["<@W0123ABC|ada>", `<${WJ}@W0123ABC|ada>`],
    ["hey @channel and @here, @everyone!", `hey @${WJ}channel and @${WJ}here, @${WJ}everyone!`],
    ["**<!channel>** in bold", `**<${WJ}!channel>** in bold`],
    ["**@here** in bold, (@channel)", `**@${WJ}here** in bold, (@${WJ}channel)`],
    ["```\n<!here>\n```", `\`\`\`\n<${WJ}!here>\n\`\`\``],
  ])("%s", (markdown, expected) => {
    expect(toSlackMarkdown(markdown)).toBe(expected);
    // What a reader sees is unchanged: the joiner is invisible.
    expect(toSlackMarkdown(markdown).replaceAll(WJ, "")).toBe(markdown.replace(/^```\w+/, "```"));
  });

  test("what is not a mention is left alone", () => {
    for (const text of ["mail ada@here.com", "a <#C0123> channel link", "x <- y", "@channels", "<https://x.y>", "https://x.y/@here/page"]) {
      expect(toSlackMarkdown(text)).toBe(text);
    }
  });
});

describe("splitForSlack", () => {
  test("parts stay within the limit once made Slack Markdown, however many mentions and parentheses they hold", () => {
    const answer = Array.from({ length: 300 }, (_, i) => `<!here> [w${i}](https://x.y/((${i})))`).join(" ");
    const parts = splitForSlack(answer, 500);
    expect(parts.length).toBeGreaterThan(10);
    for (const part of parts) expect(toSlackMarkdown(part).length).toBeLessThanOrEqual(500);
    expect(parts.join(" ")).toBe(answer);
  });

  test("the default limit keeps a long answer to parts of at most 4,000 characters", () => {
    expect(SLACK_PART_LIMIT).toBe(4000);
    const answer = Array.from({ length: 40 }, (_, i) => `Paragraph ${i}: ${"word ".repeat(80).trim()}.`).join("\n\n");
    const parts = splitForSlack(answer);
    expect(parts.length).toBeGreaterThan(3);
    for (const part of parts) expect(toSlackMarkdown(part).length).toBeLessThanOrEqual(4000);
  });
});
