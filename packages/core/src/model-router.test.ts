import { describe, expect, test } from "vitest";
import { ModelError } from "./errors.ts";
import { createModelRouter } from "./model-router.ts";
import type { ReplicaModel } from "./ports.ts";

const provider: ReplicaModel = {
  complete: async () => "ok",
  async *stream() {
    yield "ok";
  },
  acceptsImages: () => false,
};

describe("model router", () => {
  const router = createModelRouter(
    { echo: provider, openai: provider },
    { anthropic: { setting: "ANTHROPIC_API_KEY", hint: "set ANTHROPIC_API_KEY and restart" } },
  );

  test("resolves echo and provider/model ids", () => {
    expect(router.resolve("echo")).toEqual({ provider, model: "" });
    expect(router.resolve("openai/gpt-4o-mini")).toEqual({ provider, model: "gpt-4o-mini" });
    expect(router.resolve("openai/org/model:v1").model).toBe("org/model:v1");
    expect(router.problem("echo")).toBeNull();
  });

  test("a malformed id or an unknown provider is a validation problem", () => {
    expect(router.problem("gpt-4")).toEqual({ code: "VALIDATION_ERROR", message: expect.stringMatching(/not a model id/) });
    expect(router.problem("openai/")?.code).toBe("VALIDATION_ERROR");
    expect(router.problem("mistral/large")).toEqual({
      code: "VALIDATION_ERROR",
      message: 'provider "mistral" is not known (known: echo, openai, anthropic)',
    });
  });

  test("a known provider without its configuration names what to set", () => {
    expect(router.problem("anthropic/claude-haiku-4-5")).toEqual({
      code: "MODEL_AUTH",
      setting: "ANTHROPIC_API_KEY",
      message: 'provider "anthropic" is not configured here: set ANTHROPIC_API_KEY and restart',
    });
  });

  test("resolving what cannot be served is a ModelError no retry fixes (the integration's last_error says why)", () => {
    const failure = (modelId: string) => {
      try {
        router.resolve(modelId);
      } catch (error) {
        return error;
      }
    };
    expect(failure("anthropic/claude")).toBeInstanceOf(ModelError);
    expect(failure("anthropic/claude")).toMatchObject({ code: "MODEL_AUTH", retryable: false, message: expect.stringMatching(/set ANTHROPIC_API_KEY/) });
    expect(failure("nope")).toMatchObject({ code: "MODEL_ERROR", retryable: false });
  });
});
