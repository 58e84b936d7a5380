import { countExamined } from "../shared/markdown/cost.ts";
import type { EmphasisTag, InlineNode, LineSyntax } from "../shared/markdown/inline.ts";
import { renderMarkdown } from "../shared/markdown/render.ts";
import { splitMarkdown } from "../shared/markdown/split.ts";

/**
 * Pure text helpers for Telegram replies (reference platforms.md §1.7, §4 pitfalls 6–7).
 *
 * Model answers arrive as loose Markdown. We always send `parse_mode: "HTML"`, so every reply is
 * converted to Telegram's HTML subset with every `<`, `>`, `&` of text escaped, and long answers are
 * split so that each part stays within the 4096-character limit counted after entity parsing.
 */

/** Telegram's limit on `sendMessage.text`, counted in UTF-16 code units after entity parsing. */
export const TELEGRAM_TEXT_LIMIT = 4096;

export { measureFormatting } from "../shared/markdown/cost.ts";

/** Escapes text for Telegram HTML: `&` → `&amp;`, `<` → `&lt;`, `>` → `&gt;`. */
export function escapeTelegramHtml(text: string): string {
  countExamined(text.length);
  if (!/[&<>]/.test(text)) return text;
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function escapeAttribute(text: string): string {
  return escapeTelegramHtml(text).replace(/"/g, "&quot;");
}

const NAMED_ENTITIES: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"' };

/** The text Telegram shows for a Telegram-HTML string: tags removed, entities decoded. */
export function telegramHtmlToText(html: string): string {
  countExamined(html.length);
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
  countExamined(html.length);
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


/**
 * `@` and a Telegram username (5–32 letters, digits and underscores, starting with a letter) where prose puts a
 * mention: at the start, after a blank or opening punctuation — not inside a URL (`…/@name/…`) or an email.
 */
const USERNAME_MENTION = /(^|[\s([{"'«“‘,;:!?])@(?=[A-Za-z][A-Za-z0-9_]{4,31}(?![A-Za-z0-9_]))/gu;
const USER_LINK = /^tg:\/\/user\?/i;

/**
 * `@username` in the model's text would notify that person (a group member gets a mention); an invisible word
 * joiner after the `@` keeps the name readable without making it a mention.
 */
function defuseMentions(text: string): string {
  countExamined(text.length);
  return text.includes("@") ? text.replace(USERNAME_MENTION, "$1@\u2060") : text;
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
        html += escapeTelegramHtml(defuseMentions(node.text));
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
        // A link to a person (tg://user?id=…) notifies them like a mention: the model's text keeps only its words.
        html += USER_LINK.test(node.href) ? inner : `<a href="${escapeAttribute(node.href)}">${inner}</a>`;
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

/** Renders one non-code, non-quote line (or the inside of a quote line). */
function renderLine(line: LineSyntax): string {
  switch (line.kind) {
    case "blank":
      return "";
    case "rule":
      return "———";
    case "heading":
      // The heading is bold already, so bold inside it renders without a nested <b>.
      return `<b>${renderNodes(line.nodes, { inLink: false, open: new Set(["b"]) })}</b>`;
    case "bullet":
      return `${line.indent}• ${renderNodes(line.nodes, { inLink: false, open: new Set() })}`;
    case "text":
      return renderNodes(line.nodes, { inLink: false, open: new Set() });
  }
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
  return renderMarkdown(markdown, {
    codeBlock: renderCodeBlock,
    quote: (lines) => `<blockquote>${lines.join("\n")}</blockquote>`,
    line: renderLine,
  });
}

/**
 * What Telegram would show of the part, as plain text without formatting: sent when Telegram refuses the HTML, so
 * the person reads the words (mentions still defused) rather than Markdown marks.
 */
export function markdownToTelegramText(markdown: string): string {
  return telegramHtmlToText(markdownToTelegramHtml(markdown));
}

/**
 * Splits model Markdown into parts that each render (via {@link markdownToTelegramHtml}) to at most `limit`
 * visible UTF-16 code units, never cutting formatting open (see {@link splitMarkdown}).
 */
export function splitForTelegram(markdown: string, limit = TELEGRAM_TEXT_LIMIT): string[] {
  return splitMarkdown(markdown, {
    limit,
    length: (part) => visibleLength(markdownToTelegramHtml(part)),
    isBlank: (part) => telegramHtmlToText(markdownToTelegramHtml(part)).trim() === "",
  });
}
