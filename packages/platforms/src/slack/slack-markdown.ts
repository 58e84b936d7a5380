import { parseLine } from "../shared/markdown/inline.ts";
import type { InlineNode, LinkNode } from "../shared/markdown/inline.ts";
import { splitMarkdown } from "../shared/markdown/split.ts";
import { QUOTE_MARKERS, QUOTE_PREFIX, matchFenceOpening, isFenceClosing } from "../shared/markdown/syntax.ts";
import type { FenceOpening } from "../shared/markdown/syntax.ts";
import { isBlankMarkdown, markdownToPlainText } from "../shared/markdown/plain-text.ts";

/**
 * Slack renders standard Markdown itself when it arrives as `markdown_text` (chat.postMessage, chat.update and
 * the assistant streams alike, so a streamed and a posted answer look the same); `markdown_text` takes up to
 * 12,000 characters, but Slack turns it into blocks and has refused payloads of ~13k block characters, so a part
 * stays within the 4,000 Slack advises for message text.
 */
export const SLACK_PART_LIMIT = 4000;

/** A zero-width word joiner: invisible, and no Slack syntax reads across it. */
const WORD_JOINER = "\u2060";

/**
 * Model Markdown as sent to Slack in `markdown_text`: what the model writes must not ping anyone, so special
 * mentions (`<!channel>`, `<!here>`, `<!everyone>`, `<!subteam^…>`), user mentions (`<@U…>`) and the bare
 * `@channel`/`@here`/`@everyone` are shown as text; a link's destination has its parentheses percent-encoded
 * so that no Markdown reader can end the link early; a fenced block's language is dropped (Slack shows code
 * blocks without highlighting). Everything else is left for Slack to render.
 */
export function toSlackMarkdown(markdown: string): string {
  const out: string[] = [];
  let fence: FenceOpening | null = null;
  for (const line of markdown.split("\n")) {
    if (fence !== null) {
      if (isFenceClosing(line, fence)) fence = null;
      out.push(defuseMentions(line));
      continue;
    }
    fence = matchFenceOpening(line);
    if (fence !== null) {
      out.push(line.slice(0, fence.indent + fence.marker.length));
      continue;
    }
    out.push(defuseMentions(encodeLinkParentheses(line)));
  }
  return out.join("\n");
}

/**
 * A part as plain message `text` (with `mrkdwn: false`) for when Slack refuses its Markdown as blocks: the words as
 * rendered, mentions defused, and `&`, `<`, `>` escaped as Slack requires in message text.
 */
export function toSlackPlainText(markdown: string): string {
  return defuseMentions(markdownToPlainText(markdown)).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** Splits a model's answer into parts that stay within {@link SLACK_PART_LIMIT} once made Slack Markdown. */
export function splitForSlack(markdown: string, limit = SLACK_PART_LIMIT): string[] {
  return splitMarkdown(markdown, {
    limit,
    length: (part) => toSlackMarkdown(part).length,
    isBlank: isBlankMarkdown,
  });
}

/** Text in which no Slack mention pings anyone: `<!…>` and `<@…>` broken by an invisible joiner, and bare `@channel`. */
function defuseMentions(text: string): string {
  return text
    .replace(/<(?=[!@])/g, `<${WORD_JOINER}`)
    .replace(/(^|[\s([{"'«“‘,;:!?*_~])@(?=(?:channel|here|everyone)\b)/giu, `$1@${WORD_JOINER}`);
}

function encodeLinkParentheses(line: string): string {
  const offset = QUOTE_PREFIX.test(line) ? QUOTE_MARKERS.exec(line)![0].length : 0;
  const links: LinkNode[] = [];
  collectLinks(parseLine(line, offset).nodes, links);
  let out = line;
  // From the last link back, so earlier offsets stay right.
  for (const link of links.reverse()) {
    if (link.textStart === link.start || !/[()]/.test(link.href)) continue;
    const destination = link.href.replace(/\(/g, "%28").replace(/\)/g, "%29");
    out = `${out.slice(0, offset + link.textEnd)}](${destination})${out.slice(offset + link.end)}`;
  }
  return out;
}

function collectLinks(nodes: readonly InlineNode[], links: LinkNode[]): void {
  for (const node of nodes) {
    if (node.kind === "link") links.push(node);
    else if (node.kind === "emphasis") collectLinks(node.children, links);
  }
}
