import type { InlineNode } from "./inline.ts";
import { renderMarkdown } from "./render.ts";

/**
 * The text a reader sees once Markdown is rendered, without its formatting: what a part must keep of the
 * answer, and how to tell a part that would show nothing.
 */
export function markdownToPlainText(markdown: string): string {
  return renderMarkdown(markdown, {
    codeBlock: (code) => code,
    quote: (lines) => lines.join("\n"),
    line: (syntax) => {
      switch (syntax.kind) {
        case "blank":
          return "";
        case "rule":
          return "———";
        case "bullet":
          return `${syntax.indent}• ${nodesToText(syntax.nodes)}`;
        default:
          return nodesToText(syntax.nodes);
      }
    },
  });
}

function nodesToText(nodes: readonly InlineNode[]): string {
  let text = "";
  for (const node of nodes) {
    if (node.kind === "text" || node.kind === "code") text += node.text;
    else if (node.kind === "delimiter") text += node.char.repeat(node.count);
    else if (node.kind === "emphasis") text += nodesToText(node.children);
    else {
      const shown = nodesToText(node.children);
      text += shown.trim() === "" ? node.href : shown;
    }
  }
  return text;
}

/** Whether a part of a Markdown answer shows nothing once rendered (only marks and spaces): never sent alone. */
export const isBlankMarkdown = (part: string): boolean => markdownToPlainText(part).trim() === "";
