import { OpenAPIHono, createRoute } from "@hono/zod-openapi";
import type { Logger } from "@patchbay/core";
import { jsonBodyGuard } from "./body-guard.ts";
import type { AppEnv, HttpDeps } from "./context.ts";
import { renderDocsPage } from "./docs-page.ts";
import { logFailure } from "./http-errors.ts";
import { integrationRoutes } from "./integration-routes.ts";
import { validationHook } from "./openapi.ts";
import { withRequestContext } from "./request-context.ts";
import { createWebhookApp } from "./webhook-app.ts";
import { replicaRoutes } from "./replica-routes.ts";
import { Health } from "./schemas.ts";

/** The REST API: /v1, /health, /openapi.json and /docs. */
export function createApiApp(deps: HttpDeps) {
  const app = base(deps.logger);

  app.openapi(
    createRoute({
      method: "get",
      path: "/health",
      tags: ["Health"],
      summary: "Store and queue reachability (no auth)",
      responses: {
        200: { content: { "application/json": { schema: Health } }, description: "Healthy" },
        503: { content: { "application/json": { schema: Health } }, description: "Store or queue unreachable" },
      },
    }),
    async (c) => {
      const [store, queue] = await Promise.all([reachable(() => deps.store.ping()), reachable(() => deps.queue.ping())]);
      const healthy = store && queue;
      if (!healthy) logFailure(deps.logger, c, 503, { store, queue });
      return c.json({ status: healthy ? ("ok" as const) : ("degraded" as const), store, queue }, healthy ? 200 : 503);
    },
  );

  app.use("/v1/*", jsonBodyGuard, async (c, next) => {
    const header = c.req.header("authorization") ?? "";
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    c.set("owner", await deps.apiKeys.authenticate(match?.[1]));
    await next();
  });
  app.route("/v1/replicas", replicaRoutes(deps));
  app.route("/v1", integrationRoutes(deps));

  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", { type: "http", scheme: "bearer" });
  const document = {
    openapi: "3.1.0",
    info: {
      title: "Patchbay",
      version: "1.0.0",
      description: "Connect AI replicas to Telegram, Slack and Discord. Every /v1 route needs a bearer API key.",
    },
    security: [{ bearer: [] }],
  };
  app.doc31("/openapi.json", document);
  app.get("/docs", (c) => c.html(renderDocsPage(app.getOpenAPI31Document(document) as never)));
  return app;
}

/** Both on one server, as the local runtime serves them. */
export function createApp(deps: HttpDeps) {
  const app = base(deps.logger);
  app.route("/", createWebhookApp(deps));
  app.route("/", createApiApp(deps));
  return app;
}

function base(logger: Logger) {
  return withRequestContext(new OpenAPIHono<AppEnv>({ defaultHook: validationHook }), logger);
}

async function reachable(check: () => Promise<void>): Promise<boolean> {
  try {
    await check();
    return true;
  } catch {
    return false;
  }
}
