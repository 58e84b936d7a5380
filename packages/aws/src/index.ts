export * from "./dynamo-client.ts";
export * from "./dynamo-store.ts";
export * from "./dynamo-idempotency-store.ts";
export * from "./table-schema.ts";
export * from "./sqs-queue.ts";
export * from "./secrets-manager-vault.ts";
export * from "./sqs-visibility.ts";
export * from "./dead-letters.ts";
