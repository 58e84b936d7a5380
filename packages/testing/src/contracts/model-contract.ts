import { describe, expect, test } from "vitest";
import { ModelError } from "@patchbay/core";
import type { ReplicaModel } from "@patchbay/core";

export interface ModelUnderTest {
  model: ReplicaModel;
  /** The provider-local model name to ask for. */
  name: string;
}

/**
 * What every ReplicaModel must do; run by each implementation's tests. Models behind a network pass
 * `failNextTransiently`, which makes the next call fail the way the provider does when overloaded.
 */
export function describeModelContract(name: string, make: () => Promise<ModelUnderTest>, failNextTransiently?: () => void) {
  describe(`ReplicaModel contract: ${name}`, () => {
    test("answers a conversation with non-empty text about its last user message", async () => {
      const { model, name: modelName } = await make();
      const answer = await model.complete({
        model: modelName,
        messages: [
          { role: "system", content: "You are terse." },
          { role: "user", content: "first question", name: "Ada" },
          { role: "assistant", content: "first answer" },
          { role: "user", content: "second question", name: "Ada" },
        ],
      });
      expect(typeof answer).toBe("string");
      expect(answer.trim().length).toBeGreaterThan(0);
      expect(answer).toContain("second question");
    });

    if (failNextTransiently) {
      test("a transient provider failure is a retryable ModelError", async () => {
        const { model, name: modelName } = await make();
        failNextTransiently();
        const failure = await model.complete({ model: modelName, messages: [{ role: "user", content: "hi" }] }).catch((e: unknown) => e);
        expect(failure).toBeInstanceOf(ModelError);
        expect((failure as ModelError).retryable).toBe(true);
      });
    }
  });
}
