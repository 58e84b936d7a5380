export * from "./queue-contract.ts";
export * from "./store-contract.ts";
export * from "./vault-contract.ts";
