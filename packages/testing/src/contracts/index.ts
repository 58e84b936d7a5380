export * from "./queue-contract.ts";
export * from "./store-contract.ts";
export * from "./idempotency-store-contract.ts";
export * from "./vault-contract.ts";
export * from "./model-contract.ts";
export * from "./platform-client-contract.ts";
export * from "./webhook-driver-contract.ts";
