import { Hono } from "hono";
import type { InboundPipeline, Logger } from "@patchbay/core";
import { leaveBodyUnread } from "./body-guard.ts";
import type { AppEnv } from "./context.ts";
import { withRequestContext } from "./request-context.ts";

export interface WebhookAppDeps {
  pipeline: Pick<InboundPipeline, "handleWebhook">;
  logger: Logger;
}

/**
 * The platform webhooks: POST /webhooks/{platform}/{integration_id}, all through core's one pipeline.
 * Plain Hono, without the API's schema machinery, so an ingress function stays small and starts fast.
 */
export function createWebhookApp({ pipeline, logger }: WebhookAppDeps) {
  const app = withRequestContext(new Hono<AppEnv>(), logger);
  app.post("/webhooks/:platform/:id", async (c) => {
    let response: Response;
    try {
      response = await pipeline.handleWebhook(c.req.raw, {
        platform: c.req.param("platform"),
        integrationId: c.req.param("id"),
        requestId: c.var.requestId,
      });
    } catch (error) {
      // A refusal may come before the body is read (unknown integration) or midway (over the cap).
      leaveBodyUnread(c);
      throw error;
    }
    response.headers.set("X-Request-Id", c.var.requestId);
    return response;
  });
  return app;
}
