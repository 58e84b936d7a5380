/**
 * Which model providers this deployment can use. Bedrock needs IAM on the responder, granted
 * only when asked for: `DEFAULT_MODEL=bedrock/<model-id>` or `ENABLE_BEDROCK=1` at deploy time.
 */
export const DEFAULT_OPENAI_MODEL = "openai/gpt-4o-mini";
export const DEFAULT_ANTHROPIC_MODEL = "anthropic/claude-haiku-4-5";

export function bedrockEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.DEFAULT_MODEL?.startsWith("bedrock/")) || env.ENABLE_BEDROCK === "1" || env.ENABLE_BEDROCK === "true";
}

/** Invoke (and Converse, which is authorised by the same actions) foundation models and inference profiles. */
export function bedrockPermissions() {
  if (!bedrockEnabled()) return [];
  const partition = aws.getPartitionOutput().partition;
  const account = aws.getCallerIdentityOutput().accountId;
  return [
    {
      actions: ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"],
      resources: [
        $interpolate`arn:${partition}:bedrock:*::foundation-model/*`,
        $interpolate`arn:${partition}:bedrock:*:${account}:inference-profile/*`,
      ],
    },
  ];
}
