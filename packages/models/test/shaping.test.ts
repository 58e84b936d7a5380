import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { alternatingTurns, speakerNote } from "../src/conversation.ts";
import { providerDetail, retryAfterMs } from "../src/provider-errors.ts";

describe("conversation shaping for Anthropic and Bedrock", () => {
  test("system messages join into one prompt; nobody named, no speaker note", () => {
    expect(alternatingTurns([
      { role: "system", content: "A" },
      { role: "system", content: "B" },
      { role: "user", content: "hi" },
    ])).toEqual({ system: "A\n\nB", turns: [{ role: "user", text: "hi", images: [] }] });
    expect(speakerNote([{ role: "user", content: "hi" }])).toBeNull();
  });

  test("the speakers of a group chat are listed oldest first, the unnamed ones as such", () => {
    expect(speakerNote([
      { role: "user", content: "a", name: "Ada" },
      { role: "assistant", content: "b" },
      { role: "user", content: "c" },
      { role: "user", content: "d", name: "Bob" },
    ])).toBe("The user messages come from people in a chat. Their senders, oldest first: Ada, someone unnamed, Bob. The latest message is from Bob.");
  });

  test("an image-only turn stays (with no empty text block); images never ride on assistant turns", () => {
    const image = { mediaType: "image/png", data: "AQID" };
    expect(alternatingTurns([
      { role: "user", content: "", images: [image] },
      { role: "assistant", content: "ok", images: [image] },
    ]).turns).toEqual([
      { role: "user", text: "", images: [image] },
      { role: "assistant", text: "ok", images: [] },
    ]);
  });
});

describe("provider error helpers", () => {
  test("retry-after-ms, retry-after in seconds or as an HTTP date, capped at five minutes", () => {
    const now = Date.parse("2026-12-02T10:00:00Z");
    expect(retryAfterMs(new Headers({ "retry-after-ms": "250", "retry-after": "9" }), now)).toBe(250);
    expect(retryAfterMs(new Headers({ "retry-after": "3" }), now)).toBe(3000);
    expect(retryAfterMs(new Headers({ "retry-after": "Wed, 02 Dec 2026 10:00:30 GMT" }), now)).toBe(30_000);
    expect(retryAfterMs(new Headers({ "retry-after": "86400" }), now)).toBe(300_000);
    expect(retryAfterMs(new Headers(), now)).toBeUndefined();
    expect(retryAfterMs(new Headers({ "retry-after": "soon" }), now)).toBeUndefined();
  });

  test("provider text that reaches last_error has keys masked and is short", () => {
    expect(providerDetail("bad key sk-ant-api03-abcdefghijklmnopqrstuvwxyz and AKIAABCDEFGHIJKLMNOP")).toBe("bad key [redacted] and [redacted]");
    expect(providerDetail("x".repeat(500))).toHaveLength(200);
  });
});

describe("bundles", () => {
  test("the AWS SDK is imported for types only, and loaded with import() where Bedrock is called", () => {
    const dir = join(import.meta.dirname, "../src");
    for (const file of readdirSync(dir)) {
      const source = readFileSync(join(dir, file), "utf8");
      expect(source, file).not.toMatch(/^import (?!type )[^;]*from "@aws-sdk\//m);
    }
    expect(readFileSync(join(dir, "bedrock-model.ts"), "utf8")).toContain('import("@aws-sdk/client-bedrock-runtime")');
  });
});
