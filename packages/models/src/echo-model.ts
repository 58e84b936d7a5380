import type { ReplicaModel } from "@patchbay/core";

export const ECHO_PREFIX = "[echo — development model, no AI]";

/** Development-only model: answers with the user's own text, clearly marked as an echo. */
export function createEchoModel(): ReplicaModel {
  return {
    async complete({ messages }) {
      const last = messages.findLast((m) => m.role === "user");
      return `${ECHO_PREFIX} ${last?.content ?? ""}`;
    },
  };
}
