export type { PlatformAdapters, PlatformDeps } from "./shared/platform-adapters.ts";
export * from "./telegram/index.ts";
export * from "./slack/index.ts";
export * from "./discord/index.ts";
