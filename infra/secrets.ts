/**
 * Per-integration bot tokens and signing secrets live in Secrets Manager under a per-stage name
 * prefix; functions linked to `TenantSecrets` get the prefix and may touch nothing else.
 * The model provider keys are `sst.Secret`s, set with `npx sst secret set OpenAiApiKey sk-… --stage …`
 * (and `AnthropicApiKey`); only the functions that call models are linked to them: the responder and
 * the API (replica previews). Settings publishes whether each is set, never its value.
 */
export function secretPrefix() {
  return `${$app.name}/${$app.stage}/`;
}

export function createSecrets() {
  const prefix = secretPrefix();
  const partition = aws.getPartitionOutput().partition;
  const region = aws.getRegionOutput().region;
  const account = aws.getCallerIdentityOutput().accountId;

  // Secret ARNs end in a random "-XXXXXX", hence the trailing "*".
  const resources = [$interpolate`arn:${partition}:secretsmanager:${region}:${account}:secret:${prefix}*`];

  // Every function reads tenants' secrets; only the API, which connects, rotates and deletes
  // integrations, may write them: a fault in a webhook function cannot overwrite a tenant's token.
  const tenantSecrets = new sst.Linkable("TenantSecrets", {
    properties: { prefix },
    include: [sst.aws.permission({ actions: ["secretsmanager:GetSecretValue"], resources })],
  });
  const tenantSecretsWriter = new sst.Linkable("TenantSecretsWriter", {
    properties: { prefix },
    include: [
      sst.aws.permission({
        actions: ["secretsmanager:CreateSecret", "secretsmanager:PutSecretValue", "secretsmanager:DeleteSecret"],
        resources,
      }),
    ],
  });

  // Empty placeholders: a secret with neither a value nor a placeholder fails the deploy, and
  // both providers are optional. Functions treat "" as "not configured".
  const openAiApiKey = new sst.Secret("OpenAiApiKey", "");
  const anthropicApiKey = new sst.Secret("AnthropicApiKey", "");

  return { tenantSecrets, tenantSecretsWriter, openAiApiKey, anthropicApiKey };
}
