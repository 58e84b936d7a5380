import type { Clock, InboundHandler, Logger, Store } from "@patchbay/core";
import type { PlatformAdapters } from "../shared/platform-adapters.ts";
import { createDiscordClient } from "./client.ts";
import { createDiscordConnector } from "./connector.ts";
import { createDiscordIngress } from "./ingress.ts";

export { createDiscordIngress };
import { createDiscordRest } from "./rest.ts";

export { replicaCommands } from "./commands.ts";

/** Every REST call is bounded so a hung connection cannot hold a request or a worker. */
const DISCORD_TIMEOUT_MS = 15_000;

export interface DiscordPlatformDeps {
  apiUrl: string;
  store: Store;
  inbound: InboundHandler;
  clock: Clock;
  logger: Logger;
}

export function createDiscordPlatform(deps: DiscordPlatformDeps): PlatformAdapters {
  const rest = createDiscordRest({ apiUrl: deps.apiUrl, timeoutMs: DISCORD_TIMEOUT_MS });
  return {
    connector: createDiscordConnector(rest),
    client: createDiscordClient(rest, deps.clock, deps.logger),
    ingress: createDiscordIngress(deps),
  };
}
