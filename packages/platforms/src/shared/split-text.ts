/**
 * Splits a model's answer into parts of at most `limit` UTF-16 units, preferring a paragraph break, then a
 * line break, then a sentence end, then a space; a hard cut never halves a surrogate pair. A ``` code
 * block cut in two is closed at the end of one part and reopened at the start of the next.
 */
export function splitText(text: string, limit: number): string[] {
  const parts: string[] = [];
  let rest = text.trim();
  let reopen = "";
  while (rest.length > 0) {
    if (reopen.length + rest.length <= limit) {
      parts.push(reopen + rest);
      break;
    }
    let cut = cutPoint(rest, limit - reopen.length);
    if (openFence(reopen + rest.slice(0, cut)) !== null) cut = cutPoint(rest, limit - reopen.length - FENCE_CLOSE_RESERVE);
    let part = reopen + rest.slice(0, cut).trimEnd();
    rest = rest.slice(cut).trimStart();
    const fence = openFence(part);
    if (fence !== null) {
      part += "\n```";
      reopen = `${fence}\n`;
    } else {
      reopen = "";
    }
    parts.push(part);
  }
  return parts.filter((p) => p.trim().length > 0);
}

/** Room kept for closing a code block at the end of a part. */
const FENCE_CLOSE_RESERVE = 4;

function cutPoint(text: string, budget: number): number {
  const window = text.slice(0, budget + 1);
  for (const boundary of [/\n\s*\n/g, /\n/g, /[.!?…](?=\s)/g, /\s/g]) {
    let best = -1;
    for (const match of window.matchAll(boundary)) {
      const end = match.index + (boundary.source.startsWith("[") ? 1 : 0);
      if (end > 0 && end <= budget) best = end;
    }
    if (best > budget / 3) return best;
  }
  // No boundary in reach: a hard cut, stepping back off a high surrogate.
  const code = text.charCodeAt(budget - 1);
  return code >= 0xd800 && code <= 0xdbff ? budget - 1 : budget;
}

/** The opening line (```lang) of a code block left open at the end of `text`, or null. */
function openFence(text: string): string | null {
  let open: string | null = null;
  for (const line of text.split("\n")) {
    const match = /^\s*(```[^`\s]*)/.exec(line);
    if (match) open = open === null ? match[1]! : null;
  }
  return open;
}
