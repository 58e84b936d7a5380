import type { PlatformModule } from "../shared/platform-module.ts";
import { createSlackClient } from "./client.ts";
import { createSlackConnector } from "./connector.ts";
import { slackWebhookDriver } from "./driver.ts";
import { slackImageDownload } from "./image-download.ts";

export { slackWebhookDriver };
export type { SlackRoute } from "./route.ts";
export { openSocketModeUrl } from "./socket-mode.ts";

export const slackPlatform = {
  platform: "slack",
  driver: slackWebhookDriver,
  createClient: (deps) => ({ ...createSlackClient(deps.apiUrl, deps.logger), downloadImage: slackImageDownload(deps.apiUrl) }),
  createConnector: (deps) => createSlackConnector(deps.apiUrl),
} as const satisfies PlatformModule;
