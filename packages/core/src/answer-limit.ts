/**
 * Longest model answer Patchbay formats and sends, in UTF-16 code units: the responder cuts an answer to
 * this before formatting. 16 000 is about 4 000 tokens, the usual ceiling of one model answer, and 4 to 5
 * Telegram messages (8 Discord messages); formatting and splitting are linear, so this bounds a reply's
 * CPU (a few milliseconds) as well as its length in a chat.
 */
export const MAX_ANSWER_LENGTH = 16_000;

/** The answer cut to MAX_ANSWER_LENGTH, never halving a surrogate pair, with an ellipsis where it was cut. */
export function capAnswer(answer: string): string {
  if (answer.length <= MAX_ANSWER_LENGTH) return answer;
  let end = MAX_ANSWER_LENGTH - 1;
  const code = answer.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return `${answer.slice(0, end)}…`;
}
