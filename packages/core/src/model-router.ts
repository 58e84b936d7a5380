import { PatchbayError } from "./errors.ts";
import type { ReplicaModel } from "./ports.ts";

const ECHO_MODEL = "echo";

/** Picks the provider for a model id such as `echo`, `openai/gpt-4o-mini` or `anthropic/claude-…`. */
export interface ModelRouter {
  /** The provider and provider-local model name; throws when the id names no configured provider. */
  resolve(modelId: string): { provider: ReplicaModel; model: string };
  /** Why a model id cannot be used, or null when it can. */
  problem(modelId: string): string | null;
}

export function createModelRouter(providers: Record<string, ReplicaModel>): ModelRouter {
  const split = (modelId: string) => {
    if (modelId === ECHO_MODEL) return { name: ECHO_MODEL, model: "" };
    const slash = modelId.indexOf("/");
    if (slash <= 0 || slash === modelId.length - 1) return undefined;
    return { name: modelId.slice(0, slash), model: modelId.slice(slash + 1) };
  };
  const problem = (modelId: string): string | null => {
    const parts = split(modelId);
    if (!parts) return `"${modelId}" is not a model id; use "echo" or "<provider>/<model>", e.g. "openai/gpt-4o-mini"`;
    if (!providers[parts.name]) {
      const known = Object.keys(providers).join(", ");
      return `provider "${parts.name}" is not configured here (available: ${known}); set its API key and restart`;
    }
    return null;
  };
  return {
    problem,
    resolve(modelId) {
      const issue = problem(modelId);
      const parts = split(modelId);
      if (issue || !parts) throw new PatchbayError("VALIDATION_ERROR", `Model ${issue}.`);
      return { provider: providers[parts.name]!, model: parts.model };
    },
  };
}
