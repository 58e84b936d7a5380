import { describe, expect, test } from "vitest";
import { createModelRouter } from "./model-router.ts";
import type { ReplicaModel } from "./ports.ts";

const provider: ReplicaModel = { complete: async () => "ok" };

describe("model router", () => {
  const router = createModelRouter({ echo: provider, openai: provider });

  test("resolves echo and provider/model ids", () => {
    expect(router.resolve("echo")).toEqual({ provider, model: "" });
    expect(router.resolve("openai/gpt-4o-mini")).toEqual({ provider, model: "gpt-4o-mini" });
    expect(router.resolve("openai/org/model:v1").model).toBe("org/model:v1");
  });

  test("explains ids it cannot serve", () => {
    expect(router.problem("gpt-4")).toMatch(/not a model id/);
    expect(router.problem("openai/")).toMatch(/not a model id/);
    expect(router.problem("anthropic/claude")).toMatch(/provider "anthropic" is not configured/);
    expect(() => router.resolve("anthropic/claude")).toThrow(/not configured/);
    expect(router.problem("echo")).toBeNull();
  });
});
