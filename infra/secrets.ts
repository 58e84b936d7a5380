/**
 * Per-integration bot tokens and signing secrets live in Secrets Manager under a per-stage name
 * prefix; functions linked to `TenantSecrets` get the prefix and may touch nothing else.
 * The model provider keys are `sst.Secret`s, set with `npx sst secret set OpenAiApiKey sk-… --stage …`.
 */
export function secretPrefix() {
  return `${$app.name}/${$app.stage}/`;
}

export function createSecrets() {
  const prefix = secretPrefix();
  const partition = aws.getPartitionOutput().partition;
  const region = aws.getRegionOutput().region;
  const account = aws.getCallerIdentityOutput().accountId;

  const tenantSecrets = new sst.Linkable("TenantSecrets", {
    properties: { prefix },
    include: [
      sst.aws.permission({
        actions: [
          "secretsmanager:CreateSecret",
          "secretsmanager:GetSecretValue",
          "secretsmanager:PutSecretValue",
          "secretsmanager:DeleteSecret",
        ],
        // Secret ARNs end in a random "-XXXXXX", hence the trailing "*".
        resources: [$interpolate`arn:${partition}:secretsmanager:${region}:${account}:secret:${prefix}*`],
      }),
    ],
  });

  // Empty placeholders: a secret with neither a value nor a placeholder fails the deploy, and
  // both providers are optional. Functions treat "" as "not configured".
  const openAiApiKey = new sst.Secret("OpenAiApiKey", "");
  const anthropicApiKey = new sst.Secret("AnthropicApiKey", "");

  return { tenantSecrets, openAiApiKey, anthropicApiKey };
}
