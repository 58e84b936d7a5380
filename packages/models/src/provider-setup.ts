import type { ProviderSetup } from "@patchbay/core";

/** Where an operator configures model providers: environment variables locally, SST secrets and deploy settings on AWS. */
export type ModelRuntime = "local" | "aws";

/** The providers that need configuring, each with what to set in this runtime (named in 422s and last_error). */
export function providerSetup(runtime: ModelRuntime): Record<"openai" | "anthropic" | "bedrock", ProviderSetup> {
  if (runtime === "aws") {
    const secret = (name: string) => ({ setting: name, hint: `set the SST secret with \`npx sst secret set ${name} <key> --stage <stage>\`, then deploy again` });
    return {
      openai: secret("OpenAiApiKey"),
      anthropic: secret("AnthropicApiKey"),
      bedrock: {
        setting: "ENABLE_BEDROCK",
        hint: "deploy with ENABLE_BEDROCK=1 (or DEFAULT_MODEL=bedrock/<model-id>) so the responder's role may call Bedrock",
      },
    };
  }
  return {
    openai: { setting: "OPENAI_API_KEY", hint: "set OPENAI_API_KEY (or OPENAI_BASE_URL for a keyless OpenAI-compatible server) and restart" },
    anthropic: { setting: "ANTHROPIC_API_KEY", hint: "set ANTHROPIC_API_KEY and restart" },
    bedrock: {
      setting: "AWS_REGION",
      hint: "set AWS_REGION and AWS credentials (AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY) and restart",
    },
  };
}
