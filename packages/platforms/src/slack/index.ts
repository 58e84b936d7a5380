import type { PlatformAdapters, PlatformDeps } from "../shared/platform-adapters.ts";
import { createSlackClient } from "./client.ts";
import { createSlackConnector } from "./connector.ts";
import { createSlackIngress } from "./ingress.ts";

export { createSlackIngress };

export function createSlackPlatform(deps: PlatformDeps): PlatformAdapters {
  return {
    connector: createSlackConnector(deps.apiUrl),
    client: createSlackClient(deps.apiUrl, deps.logger),
    ingress: createSlackIngress(deps),
  };
}
