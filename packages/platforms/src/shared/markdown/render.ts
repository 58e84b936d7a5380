import { parseLine } from "./inline.ts";
import type { LineSyntax } from "./inline.ts";
import { QUOTE_MARKERS, QUOTE_PREFIX, isFenceClosing, matchFenceOpening, splitLines, stripIndent } from "./syntax.ts";

/** What a target format makes of each kind of block; the walk over the Markdown is the same for all. */
export interface BlockRenderer {
  /** A fenced code block's content (never blank) and its language ("" when none). */
  codeBlock(code: string, language: string): string;
  /** A run of quote lines, each already rendered with {@link BlockRenderer.line}, blank ones collapsed. */
  quote(lines: readonly string[]): string;
  /** One line outside code blocks and quotes, or the inside of one quote line. */
  line(syntax: LineSyntax): string;
}

/**
 * Renders loose model Markdown block by block: fenced code blocks (an unclosed one runs to the end), runs of
 * quote lines, and single lines; blank lines are collapsed to one and trimmed at both ends.
 */
export function renderMarkdown(markdown: string, renderer: BlockRenderer): string {
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
      if (code.trim() !== "") blocks.push(renderer.codeBlock(code, opening.language));
      continue;
    }
    if (QUOTE_PREFIX.test(line.text)) {
      const quoted: string[] = [];
      while (index < lines.length && QUOTE_PREFIX.test(lines[index]!.text)) {
        const text = lines[index]!.text;
        quoted.push(renderer.line(parseLine(text, QUOTE_MARKERS.exec(text)![0].length)));
        index++;
      }
      while (quoted.length > 0 && quoted[0] === "") quoted.shift();
      while (quoted.length > 0 && quoted[quoted.length - 1] === "") quoted.pop();
      if (quoted.length > 0) blocks.push(renderer.quote(collapseBlankLines(quoted)));
      continue;
    }
    blocks.push(renderer.line(parseLine(line.text)));
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
