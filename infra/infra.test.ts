/**
 * Evaluates sst.config.ts through SST 4.17's own components (infra/check/) for each deploy-time
 * shape that changes what is deployed, and runs every check of infra/expectations.ts on what SST
 * would create. Run with `npm run check:infra` (or `vitest run -c infra/vitest.config.ts`).
 */
import { describe, test } from "vitest";
import { Deployment } from "./check/deployment.ts";
import { evaluate, scenarioName } from "./check/evaluate.ts";
import type { Scenario } from "./check/report.ts";
import { CHECKS, runCheck } from "./expectations.ts";

const SCENARIOS: Scenario[] = [
  { stage: "dev" },
  // Production with Anthropic's key alone: replicas default to Claude, as locally.
  { stage: "production", env: { SST_SECRET_AnthropicApiKey: "sk-ant-check-anthropic-key" } },
  // Bedrock through the default model; no provider keys.
  { stage: "dev", env: { DEFAULT_MODEL: "bedrock/anthropic.claude-3-5-haiku-20241022-v1:0" } },
  // Both optional secrets set, as `sst secret set` would pass them.
  { stage: "dev", env: { SST_SECRET_OpenAiApiKey: "sk-check-openai-key", SST_SECRET_AnthropicApiKey: "sk-ant-check-anthropic-key" } },
  // Production with everything configured: Bedrock switched on, a key, a chosen model, a custom domain.
  {
    stage: "production",
    env: {
      ENABLE_BEDROCK: "1",
      SST_SECRET_OpenAiApiKey: "sk-check-openai-key",
      DEFAULT_MODEL: "anthropic/claude-sonnet-4-5",
      ANTHROPIC_BASE_URL: "https://anthropic-gateway.example.com",
      PUBLIC_URL: "https://patchbay.example.com/",
    },
  },
];

const deployments = (await Promise.all(SCENARIOS.map((scenario) => evaluate(scenario)))).map((e) => new Deployment(e));

for (const deployment of deployments) {
  describe(scenarioName(deployment.evaluation.scenario), () => {
    for (const check of CHECKS) test(check.name, () => runCheck(check, deployment));
  });
}
