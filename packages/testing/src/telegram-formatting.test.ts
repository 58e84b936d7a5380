import { describe, expect, test } from "vitest";
import { escapeTelegramHtml, parseTelegramText } from "./telegram-formatting.ts";

describe("parseTelegramText", () => {
  test("HTML entities: the four named ones and numeric ones decode, unknown names stay literal", () => {
    expect(parseTelegramText("&lt;b&gt; &amp; &quot; &#169; &#x1F600; &nbsp;", "HTML")).toEqual({
      ok: true,
      text: '<b> & " © 😀 &nbsp;',
      entities: [],
    });
    expect(parseTelegramText("&nbsp;", "HTML", { rejectUnknownHtmlEntities: true })).toEqual({
      ok: false,
      error: `can't parse entities: Unsupported HTML entity "&nbsp;" at byte offset 0`,
    });
  });

  test("HTML pre/code with language, blockquotes, custom emoji, user links", () => {
    const parsed = parseTelegramText(
      '<pre><code class="language-ts">x</code></pre><blockquote expandable>q</blockquote>' +
        '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji><a href="tg://user?id=42">Ann</a>',
      "HTML",
    );
    expect(parsed).toEqual({
      ok: true,
      text: "xq👍Ann",
      entities: [
        { type: "pre", offset: 0, length: 1, language: "ts" },
        { type: "expandable_blockquote", offset: 1, length: 1 },
        { type: "custom_emoji", offset: 2, length: 2, custom_emoji_id: "5368324170671202286" },
        { type: "text_mention", offset: 4, length: 3, user: { id: 42 } },
      ],
    });
  });

  test("entity offsets are UTF-16 code units, error offsets UTF-8 bytes", () => {
    expect(parseTelegramText("😀 <i>ü</i>", "HTML")).toEqual({
      ok: true,
      text: "😀 ü",
      entities: [{ type: "italic", offset: 3, length: 1 }],
    });
    expect(parseTelegramText("😀 <x>", "HTML")).toEqual({
      ok: false,
      error: `can't parse entities: Unsupported start tag "x" at byte offset 5`,
    });
  });

  test("MarkdownV2 blockquotes, code blocks and unclosed entities", () => {
    expect(parseTelegramText(">quoted\nplain", "MarkdownV2")).toEqual({
      ok: true,
      text: "quoted\nplain",
      entities: [{ type: "blockquote", offset: 0, length: 7 }],
    });
    expect(parseTelegramText("```js\nlet a = 1;\n```", "MarkdownV2")).toEqual({
      ok: true,
      text: "let a = 1;",
      entities: [{ type: "pre", offset: 0, length: 10, language: "js" }],
    });
    expect(parseTelegramText("__under", "MarkdownV2")).toEqual({
      ok: false,
      error: "can't parse entities: Can't find end of Underline entity at byte offset 0",
    });
    expect(parseTelegramText("**double**", "MarkdownV2")).toMatchObject({ ok: true, text: "double" });
  });

  test("whitespace trimming and empty results", () => {
    expect(parseTelegramText("\n  <b></b>  \n", "HTML")).toEqual({ ok: false, error: "text must be non-empty" });
    expect(parseTelegramText(" \n<b> x</b> \n", "HTML")).toEqual({
      ok: true,
      text: " x",
      entities: [{ type: "bold", offset: 0, length: 2 }],
    });
  });

  test("escapeTelegramHtml output always parses back to the input", () => {
    const input = "a < b && c > d <b>not bold</b> &amp;";
    expect(parseTelegramText(escapeTelegramHtml(input), "HTML")).toEqual({ ok: true, text: input, entities: [] });
  });
});
