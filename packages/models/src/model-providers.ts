import { ModelError } from "@patchbay/core";
import type { ProviderSetup, ReplicaModel } from "@patchbay/core";
import { createAnthropicModel } from "./anthropic-model.ts";
import { createBedrockModel } from "./bedrock-model.ts";
import { createEchoModel } from "./echo-model.ts";
import { createOpenAIModel } from "./openai-model.ts";
import { providerSetup } from "./provider-setup.ts";
import type { ModelRuntime } from "./provider-setup.ts";

/** Plain provider settings, read once by a composition root. */
export interface ModelSettings {
  runtime: ModelRuntime;
  openai: { baseUrl: string; apiKey: string | undefined };
  anthropic: { baseUrl: string; apiKey: string | undefined };
  /** The region for bedrock/ models; undefined when Bedrock is not available here. */
  bedrock: { region: string } | undefined;
  /** Keyed providers the deployment has but this process cannot read the key of (on AWS only the responder can). */
  keysElsewhere: readonly ("openai" | "anthropic")[];
  /** Longest a call or a whole stream may take. */
  timeoutMs: number;
}

/** The providers configured here, and for the others what to set (the model router takes both). */
export function createModelProviders(settings: ModelSettings): { providers: Record<string, ReplicaModel>; unconfigured: Record<string, ProviderSetup> } {
  const setup = providerSetup(settings.runtime);
  const providers: Record<string, ReplicaModel> = { echo: createEchoModel() };
  const unconfigured: Record<string, ProviderSetup> = {};
  const { openai, anthropic, bedrock, timeoutMs } = settings;

  const openaiModel = createOpenAIModel({ ...openai, timeoutMs, keySetting: setup.openai.setting });
  // A keyless OpenAI-compatible server (Ollama, vLLM on a laptop) is configured by its URL alone.
  const keylessServer = openai.baseUrl.replace(/\/+$/, "") !== "https://api.openai.com/v1";
  if (openai.apiKey || keylessServer) providers.openai = openaiModel;
  else if (settings.keysElsewhere.includes("openai")) providers.openai = keyElsewhere(openaiModel, "openai");
  else unconfigured.openai = setup.openai;

  const anthropicModel = createAnthropicModel({ baseUrl: anthropic.baseUrl, apiKey: anthropic.apiKey ?? "", timeoutMs, keySetting: setup.anthropic.setting });
  if (anthropic.apiKey) providers.anthropic = anthropicModel;
  else if (settings.keysElsewhere.includes("anthropic")) providers.anthropic = keyElsewhere(anthropicModel, "anthropic");
  else unconfigured.anthropic = setup.anthropic;

  if (bedrock) {
    const accessHint = settings.runtime === "aws" ? "the responder's IAM role and the account's Bedrock model access" : "the AWS credentials and the account's Bedrock model access";
    providers.bedrock = createBedrockModel({ region: bedrock.region, timeoutMs, accessHint });
  } else unconfigured.bedrock = setup.bedrock;

  return { providers, unconfigured };
}

/**
 * A provider whose key this process may not read: replicas may name it (the responder answers them), but
 * calling it here fails saying so instead of sending a request without a key.
 */
function keyElsewhere(model: ReplicaModel, provider: string): ReplicaModel {
  const refuse = () =>
    new ModelError("MODEL_ERROR", `${provider} models are answered by the responder; this function is not given the ${provider} key.`, false);
  return {
    acceptsImages: (name) => model.acceptsImages(name),
    complete: async () => {
      throw refuse();
    },
    async *stream() {
      throw refuse();
    },
  };
}
