import type { Clock, InboundHandler, Logger, Store, TokenVault } from "@patchbay/core";
import type { PlatformAdapters } from "../shared/platform-adapters.ts";
import { createSlackClient } from "./client.ts";
import { createSlackConnector } from "./connector.ts";
import { createSlackIngress } from "./ingress.ts";

export { createSlackIngress };

export { REQUIRED_SLACK_SCOPES, SCOPE_ALL_SLACK_SCOPES } from "./connector.ts";
export { markdownToMrkdwn } from "./mrkdwn.ts";

export interface SlackPlatformDeps {
  apiUrl: string;
  store: Store;
  vault: TokenVault;
  inbound: InboundHandler;
  clock: Clock;
  logger: Logger;
}

export function createSlackPlatform(deps: SlackPlatformDeps): PlatformAdapters {
  return {
    connector: createSlackConnector(deps.apiUrl),
    client: createSlackClient(deps.apiUrl, deps.logger),
    ingress: createSlackIngress(deps),
  };
}
