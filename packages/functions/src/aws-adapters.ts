import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SQSClient } from "@aws-sdk/client-sqs";
import { createDocumentClient, createDynamoIdempotencyStore, createDynamoStore, createEmfMetrics, createSecretsManagerVault, createSqsQueue } from "@patchbay/aws";
import type { Adapters } from "@patchbay/composition";
import { createJsonLogger } from "@patchbay/composition/logger";
import { systemClock } from "@patchbay/core";
import type { AwsConfig } from "./config.ts";

/**
 * A warm function re-reads a secret at most this often, so a rotated token reaches every instance within a
 * minute — before a message that failed on the old token runs out of retries.
 */
const SECRET_CACHE_TTL_MS = 60 * 1000;

/** The AWS adapters behind the ports, built once per cold start. */
export function createAwsAdapters(config: AwsConfig): Adapters & { sqs: SQSClient } {
  const sqs = new SQSClient({});
  const dynamo = createDocumentClient();
  return {
    store: createDynamoStore(dynamo, config.tableName),
    idempotency: createDynamoIdempotencyStore(dynamo, config.tableName),
    vault: createSecretsManagerVault(new SecretsManagerClient({}), { prefix: config.secretPrefix, cacheTtlMs: SECRET_CACHE_TTL_MS }),
    queue: createSqsQueue(sqs, config.queueUrl),
    clock: systemClock,
    logger: createJsonLogger(),
    metrics: createEmfMetrics(config.metricsService),
    sqs,
  };
}
