/**
 * Model Markdown to Slack mrkdwn: `&`, `<`, `>` escaped (Slack reads them as control characters),
 * `**bold**` → `*bold*`, `~~x~~` → `~x~`, `[text](url)` → `<url|text>`, headings → bold lines.
 * Code spans and blocks keep their content, escaped but otherwise untouched.
 */
export function markdownToMrkdwn(markdown: string): string {
  const out: string[] = [];
  let inFence = false;
  for (const line of markdown.split("\n")) {
    if (/^\s*```/.test(line)) {
      inFence = !inFence;
      out.push(line.replace(/^(\s*```)\S*/, "$1"));
      continue;
    }
    out.push(inFence ? escapeMrkdwn(line) : convertLine(line));
  }
  return out.join("\n");
}

export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function convertLine(line: string): string {
  const heading = /^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
  if (heading) return `*${convertInline(heading[1]!)}*`;
  const quote = /^(\s*)>\s?(.*)$/.exec(line);
  if (quote) return `${quote[1]}>${quote[2] ? ` ${convertInline(quote[2])}` : ""}`;
  return convertInline(line.replace(/^(\s*)[-*+]\s+/, "$1• "));
}

function convertInline(text: string): string {
  // Code spans are cut out first so nothing inside them is treated as formatting.
  return text
    .split(/(`[^`]+`)/)
    .map((piece, i) => {
      if (i % 2 === 1) return escapeMrkdwn(piece);
      return escapeMrkdwn(piece)
        .replace(/\[([^\]]+)\]\((https?:\/\/[^\s)]+)\)/g, (_, label: string, url: string) => `<${url}|${label.replace(/\|/g, "¦")}>`)
        .replace(/\*\*(?=\S)(.+?)(?<=\S)\*\*/g, "*$1*")
        .replace(/__(?=\S)(.+?)(?<=\S)__/g, "*$1*")
        .replace(/~~(?=\S)(.+?)(?<=\S)~~/g, "~$1~");
    })
    .join("");
}
