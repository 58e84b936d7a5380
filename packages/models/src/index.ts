export * from "./echo-model.ts";
export * from "./openai-model.ts";
