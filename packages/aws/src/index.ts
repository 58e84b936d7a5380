export * from "./dynamo-client.ts";
export * from "./dynamo-store.ts";
export * from "./table-schema.ts";
