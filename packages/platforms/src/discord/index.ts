import type { PlatformModule } from "../shared/platform-module.ts";
import { createDiscordClient } from "./client.ts";
import { createDiscordConnector } from "./connector.ts";
import { discordWebhookDriver } from "./driver.ts";
import { discordImageDownload } from "./image-download.ts";
import { createDiscordRest } from "./rest.ts";

export { discordWebhookDriver };
export { isFatalCloseError, openGatewaySession } from "./gateway-session.ts";
export type { GatewayDispatch, GatewayResumeState, GatewaySession, GatewaySessionOptions } from "./gateway-session.ts";
export { gatewayIntents } from "./gateway-intents.ts";
export { runLeasedListener } from "./leased-listener.ts";
export type { LeasedListenerDeps, LeasedListenerOptions, ListenerReport } from "./leased-listener.ts";
export type { DiscordRoute } from "./route.ts";

/** Every REST call is bounded so a hung connection cannot hold a request or a worker. */
const DISCORD_TIMEOUT_MS = 15_000;

export const discordPlatform = {
  platform: "discord",
  driver: discordWebhookDriver,
  createClient: (deps) => ({
    ...createDiscordClient(createDiscordRest({ apiUrl: deps.apiUrl, timeoutMs: DISCORD_TIMEOUT_MS }), deps.clock, deps.logger),
    downloadImage: discordImageDownload(deps.apiUrl),
  }),
  createConnector: (deps) => createDiscordConnector(createDiscordRest({ apiUrl: deps.apiUrl, timeoutMs: DISCORD_TIMEOUT_MS })),
} as const satisfies PlatformModule;
