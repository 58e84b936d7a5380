import { Hono } from "hono";
import { PLATFORMS } from "@patchbay/core";
import type { Logger, Platform, WebhookIngress } from "@patchbay/core";
import type { AppEnv } from "./context.ts";
import { errorResponse } from "./http-errors.ts";
import { withRequestContext } from "./request-context.ts";

export interface WebhookAppDeps {
  ingresses: Partial<Record<Platform, WebhookIngress>>;
  logger: Logger;
}

/**
 * The platform webhooks: POST /webhooks/{platform}/{integration_id}, verified by each platform's ingress.
 * Plain Hono, without the API's schema machinery, so an ingress function stays small and starts fast.
 */
export function createWebhookApp({ ingresses, logger }: WebhookAppDeps) {
  const app = withRequestContext(new Hono<AppEnv>(), logger);
  app.post("/webhooks/:platform/:id", async (c) => {
    const platform = c.req.param("platform") as Platform;
    const ingress = PLATFORMS.includes(platform) ? ingresses[platform] : undefined;
    if (!ingress) return errorResponse(c, "NOT_FOUND", `No webhook for platform "${platform}".`);
    const response = await ingress.handle(c.req.raw, c.req.param("id"));
    response.headers.set("X-Request-Id", c.var.requestId);
    return response;
  });
  return app;
}
