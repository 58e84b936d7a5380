export * from "./create-patchbay.ts";
export * from "./json-logger.ts";
