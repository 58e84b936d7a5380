import { expect, test } from "vitest";
import { MAX_ANSWER_LENGTH, capAnswer } from "./answer-limit.ts";

test("an answer within the limit is kept whole; a longer one is cut with an ellipsis, never halving an emoji", () => {
  expect(capAnswer("short")).toBe("short");
  const exact = "a".repeat(MAX_ANSWER_LENGTH);
  expect(capAnswer(exact)).toBe(exact);
  const cut = capAnswer("a".repeat(MAX_ANSWER_LENGTH * 3));
  expect(cut.length).toBe(MAX_ANSWER_LENGTH);
  expect(cut.endsWith("…")).toBe(true);
  const emoji = capAnswer("😀".repeat(MAX_ANSWER_LENGTH));
  expect(emoji.length).toBeLessThanOrEqual(MAX_ANSWER_LENGTH);
  expect(emoji.slice(0, -1)).not.toMatch(/[\ud800-\udbff]$/);
});
