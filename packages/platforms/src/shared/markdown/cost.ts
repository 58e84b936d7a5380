/*
 * Characters examined by the Markdown scans, counted where they happen: every formatting and splitting step
 * is a counted loop, a bounded native search, or a regex of a shape that cannot backtrack, so this count is
 * their running cost, and the tests hold it linear in the input length.
 */
let examined = 0;

/** Adds `count` characters to the cost of the work running now. */
export function countExamined(count: number): void {
  examined += count;
}

/** How many characters the Markdown code examined while `work` ran (the cost measure the linearity tests use). */
export function measureFormatting(work: () => void): number {
  const before = examined;
  work();
  return examined - before;
}
