import type { PlatformAdapters, PlatformDeps } from "../shared/platform-adapters.ts";
import { createDiscordClient } from "./client.ts";
import { createDiscordConnector } from "./connector.ts";
import { createDiscordIngress } from "./ingress.ts";
import { createDiscordRest } from "./rest.ts";

export { createDiscordIngress };

/** Every REST call is bounded so a hung connection cannot hold a request or a worker. */
const DISCORD_TIMEOUT_MS = 15_000;

export function createDiscordPlatform(deps: PlatformDeps): PlatformAdapters {
  const rest = createDiscordRest({ apiUrl: deps.apiUrl, timeoutMs: DISCORD_TIMEOUT_MS });
  return {
    connector: createDiscordConnector(rest),
    client: createDiscordClient(rest, deps.clock, deps.logger),
    ingress: createDiscordIngress(deps),
  };
}
