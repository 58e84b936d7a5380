export * from "./echo-model.ts";
export * from "./openai-model.ts";
export * from "./anthropic-model.ts";
export * from "./bedrock-model.ts";
export * from "./provider-setup.ts";
export * from "./model-providers.ts";
