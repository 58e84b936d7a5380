import { describe, expect, test } from "vitest";
import { splitText } from "./split-text.ts";

describe("splitText", () => {
  test("short text is one part", () => {
    expect(splitText("  hello  ", 100)).toEqual(["hello"]);
  });

  test("prefers paragraph, then line, then sentence, then space boundaries", () => {
    expect(splitText("aaaa bbbb.\n\ncccc dddd", 15)).toEqual(["aaaa bbbb.", "cccc dddd"]);
    expect(splitText("aaaa bbbb.\ncccc dddd", 15)).toEqual(["aaaa bbbb.", "cccc dddd"]);
    expect(splitText("Aaaa bbbb. Cccc dddd", 15)).toEqual(["Aaaa bbbb.", "Cccc dddd"]);
    expect(splitText("aaaa bbbb cccc dddd", 12)).toEqual(["aaaa bbbb", "cccc dddd"]);
  });

  test("every part fits, order is kept, and nothing is lost", () => {
    const words = Array.from({ length: 2000 }, (_, i) => `word${i}${i % 17 === 0 ? "." : ""}${i % 50 === 0 ? "\n\n" : " "}`).join("");
    const parts = splitText(words, 2000);
    expect(parts.length).toBeGreaterThan(3);
    for (const part of parts) expect(part.length).toBeLessThanOrEqual(2000);
    expect(parts.join(" ").replace(/\s+/g, " ")).toBe(words.trim().replace(/\s+/g, " "));
  });

  test("a word longer than the limit is cut hard without halving an emoji", () => {
    const emoji = "😀".repeat(30);
    const parts = splitText(emoji, 11);
    for (const part of parts) {
      expect(part.length).toBeLessThanOrEqual(11);
      expect(part).not.toMatch(/[\ud800-\udbff]$/);
    }
    expect(parts.join("")).toBe(emoji);
  });

  test("a code block that is cut is closed and reopened with its language", () => {
    const code = "```ts\n" + Array.from({ length: 40 }, (_, i) => `const x${i} = ${i};`).join("\n") + "\n```";
    const parts = splitText(code, 200);
    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) {
      expect(part.length).toBeLessThanOrEqual(200);
      expect(part.startsWith("```ts\n")).toBe(true);
      expect(part.endsWith("```")).toBe(true);
    }
  });
});
