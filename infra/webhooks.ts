/** Platforms want a fast acknowledgement: ingress verifies, normalises, enqueues and returns. */
export const WEBHOOK_TIMEOUT = "10 seconds";
export const PLATFORMS = ["telegram", "slack", "discord"] as const;

const routeNames = { telegram: "TelegramWebhook", slack: "SlackWebhook", discord: "DiscordWebhook" } as const;

/** `POST /webhooks/{platform}/{integration_id}`, one function per platform. */
export function addWebhookRoutes(api: sst.aws.ApiGatewayV2, link: sst.aws.FunctionArgs["link"]) {
  for (const platform of PLATFORMS) {
    api.route(
      `POST /webhooks/${platform}/{id}`,
      {
        handler: `packages/functions/src/ingress/${platform}.handler`,
        timeout: WEBHOOK_TIMEOUT,
        memory: "512 MB",
        link,
      },
      { name: routeNames[platform] },
    );
  }
}
