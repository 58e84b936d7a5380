import type { Platform } from "@patchbay/core";
import { discordPlatform } from "./discord/index.ts";
import type { PlatformModule } from "./shared/platform-module.ts";
import { slackPlatform } from "./slack/index.ts";
import { telegramPlatform } from "./telegram/index.ts";

/** Every platform Patchbay speaks: what composition wires and what the HTTP layer routes. */
export const PLATFORM_MODULES: { readonly [P in Platform]: PlatformModule & { readonly platform: P } } = {
  telegram: telegramPlatform,
  slack: slackPlatform,
  discord: discordPlatform,
};
