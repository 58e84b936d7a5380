import { ModelError } from "./errors.ts";
import type { ReplicaModel } from "./ports.ts";

const ECHO_MODEL = "echo";

/** What an operator sets to make a provider available in this runtime (the composition root knows which). */
export interface ProviderSetup {
  /** The variable or secret to set: `ANTHROPIC_API_KEY` locally, the SST secret `AnthropicApiKey` on AWS, ... */
  setting: string;
  /** The whole instruction, e.g. "set ANTHROPIC_API_KEY and restart". */
  hint: string;
}

/** Why a model id cannot be used: not a model id at all, or a provider that needs configuring first. */
export type ModelProblem =
  | { code: "VALIDATION_ERROR"; message: string }
  | { code: "MODEL_AUTH"; message: string; setting: string };

/** Picks the provider for a model id such as `echo`, `openai/gpt-4o-mini` or `anthropic/claude-…`. */
export interface ModelRouter {
  /** The provider and provider-local model name; throws a non-retryable ModelError when the id cannot be served. */
  resolve(modelId: string): { provider: ReplicaModel; model: string };
  /** Why a model id cannot be used (naming what to set when its provider is not configured), or null when it can. */
  problem(modelId: string): ModelProblem | null;
}

/**
 * A router over the configured providers; `unconfigured` names the providers this runtime knows but
 * cannot use yet, with what to set for each.
 */
export function createModelRouter(providers: Record<string, ReplicaModel>, unconfigured: Record<string, ProviderSetup> = {}): ModelRouter {
  const split = (modelId: string) => {
    if (modelId === ECHO_MODEL) return { name: ECHO_MODEL, model: "" };
    const slash = modelId.indexOf("/");
    if (slash <= 0 || slash === modelId.length - 1) return undefined;
    return { name: modelId.slice(0, slash), model: modelId.slice(slash + 1) };
  };
  const problem = (modelId: string): ModelProblem | null => {
    const parts = split(modelId);
    if (!parts) {
      return { code: "VALIDATION_ERROR", message: `"${modelId}" is not a model id; use "echo" or "<provider>/<model>", e.g. "openai/gpt-4o-mini"` };
    }
    if (providers[parts.name]) return null;
    const setup = unconfigured[parts.name];
    if (setup) {
      return { code: "MODEL_AUTH", setting: setup.setting, message: `provider "${parts.name}" is not configured here: ${setup.hint}` };
    }
    const known = [...Object.keys(providers), ...Object.keys(unconfigured)].join(", ");
    return { code: "VALIDATION_ERROR", message: `provider "${parts.name}" is not known (known: ${known})` };
  };
  return {
    problem,
    resolve(modelId) {
      const issue = problem(modelId);
      const parts = split(modelId);
      if (issue || !parts) {
        // A stored replica whose provider went away: no retry fixes it, the integration's last_error says what to set.
        throw new ModelError(issue?.code === "MODEL_AUTH" ? "MODEL_AUTH" : "MODEL_ERROR", `Model "${modelId}": ${issue?.message}.`, false);
      }
      return { provider: providers[parts.name]!, model: parts.model };
    },
  };
}
