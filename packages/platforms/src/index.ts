export type { PlatformDeps, PlatformModule } from "./shared/platform-module.ts";
export { PLATFORM_MODULES } from "./registry.ts";
