import { OpenAPIHono, createRoute } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { Logger } from "@patchbay/core";
import { jsonBodyGuard, leaveBodyUnread } from "./body-guard.ts";
import { consoleRoutes } from "./console-routes.ts";
import type { ConsoleAssets } from "./console-routes.ts";
import type { AppEnv, HttpDeps } from "./context.ts";
import { DOCS_CSP, DOCS_SCRIPT, DOCS_STYLE, renderDocsPage } from "./docs-page.ts";
import type { OpenApiDoc } from "./docs-page.ts";
import { degradedExample, healthExample } from "./examples.ts";
import { logFailure } from "./http-errors.ts";
import { securePage } from "./page-headers.ts";
import { idempotencyKeyParameter, idempotencyKeys } from "./idempotency.ts";
import { integrationRoutes } from "./integration-routes.ts";
import { documentMiddlewareAnswers, jsonResponse, validationHook } from "./openapi.ts";
import { withRequestContext } from "./request-context.ts";
import { createWebhookApp } from "./webhook-app.ts";
import { replicaRoutes } from "./replica-routes.ts";
import { ErrorBody, Health } from "./schemas.ts";

const API_DESCRIPTION = `Connect AI replicas to Telegram, Slack and Discord: create a replica (a persona answered by a language model), try it with \`POST /v1/replicas/{id}/preview\`, then connect a bot to it; from then on every message that reaches the bot is answered by the replica.

Every \`/v1\` operation needs \`Authorization: Bearer <api key>\`. A key belongs to one owner, and an owner sees only its own replicas and integrations: another owner's id answers 404, never 403. Every response carries \`X-Request-Id\`.

Errors are \`{"error": {"code", "message", ...details}, "request_id"}\` with a stable \`code\`: UNAUTHORIZED 401, NOT_FOUND 404, INVALID_JSON 400, VALIDATION_ERROR 400 (with \`fields\`), UNSUPPORTED_MEDIA_TYPE 415, PAYLOAD_TOO_LARGE 413, METHOD_NOT_ALLOWED 405 (with \`allow\`), CONFLICT 409, INVALID_CREDENTIALS, AUTH_EXPIRED and INSUFFICIENT_PERMISSIONS 422 (with \`required_scopes\` where known), IDEMPOTENCY_KEY_REUSED 422, MODEL_AUTH 422, RATE_LIMITED 429, NETWORK_ERROR, PLATFORM_ERROR and MODEL_ERROR 502, INTERNAL 500.

Lists page with \`limit\` and \`cursor\`: pass a page's \`next_cursor\` back as \`cursor\` until it is null.

Every POST under \`/v1\` takes an \`Idempotency-Key\` header: a retry with the same key and body within 24 hours gets the first answer again instead of doing the work twice.`;

/** An OpenAPI 3.1 license (SPDX `identifier`; the library's types know only 3.0's `name` and `url`). */
const LICENSE = { name: "Proprietary", identifier: "LicenseRef-Proprietary" };

const TAGS = [
  { name: "Replicas", description: "Personas answered by a language model: instructions, model and settings, and a preview without any platform." },
  { name: "Integrations", description: "Bots on Telegram, Slack and Discord connected to a replica: credentials, answering rules, channels and activity." },
  { name: "Health", description: "Whether this deployment can reach its store and queue." },
];

/** What the API serves besides its routes. */
export interface ApiAppOptions {
  /** The web console's built files, served at /console; without them /console is not a route. */
  console?: ConsoleAssets;
}

/** The REST API: /v1, /health, /openapi.json, /docs and the web console at /console. */
export function createApiApp(deps: HttpDeps, options: ApiAppOptions = {}) {
  const app = base(deps.logger);

  app.openapi(
    createRoute({
      method: "get",
      path: "/health",
      operationId: "getHealth",
      tags: ["Health"],
      summary: "Store and queue reachability",
      description: "Needs no API key. 200 when the store and the queue answer, 503 naming which one does not.",
      security: [],
      responses: {
        200: jsonResponse(Health, "Healthy", healthExample),
        503: jsonResponse(Health, "The store or the queue is unreachable", degradedExample),
        // Patchbay itself never refuses this request; listed so clients know a 4xx here is not Patchbay's.
        "4XX": { description: "Only from in front of Patchbay (a malformed HTTP request, headers over the server's limit, gateway throttling), not in Patchbay's error envelope." },
      },
    }),
    async (c) => {
      const [store, queue] = await Promise.all([reachable(() => deps.store.ping()), reachable(() => deps.queue.ping())]);
      const healthy = store && queue;
      if (!healthy) logFailure(deps.logger, c, 503, { store, queue });
      return c.json({ status: healthy ? ("ok" as const) : ("degraded" as const), store, queue }, healthy ? 200 : 503);
    },
  );

  // Who is asking before any body byte is read: an unauthenticated sender cannot make the process buffer.
  app.use("/v1/*", async (c, next) => {
    const header = c.req.header("authorization") ?? "";
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    try {
      c.set("owner", await deps.apiKeys.authenticate(match?.[1]));
    } catch (error) {
      leaveBodyUnread(c);
      throw error;
    }
    await next();
  }, jsonBodyGuard);
  app.use("/v1/*", idempotencyKeys(deps.idempotency, deps.logger));
  app.route("/v1/replicas", replicaRoutes(deps));
  app.route("/v1", integrationRoutes(deps));

  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
    type: "http",
    scheme: "bearer",
    description: "An API key (`pb_…`), created with `npm run keys` or seeded from API_KEYS.",
  });
  app.openAPIRegistry.registerComponent("parameters", "IdempotencyKey", idempotencyKeyParameter);
  app.openAPIRegistry.register("Error", ErrorBody);

  // Built once, on first use: the routes are fixed by then.
  let document: OpenApiDoc | undefined;
  const openApiDocument = (): OpenApiDoc => {
    if (document) return document;
    const generated = app.getOpenAPI31Document({
      openapi: "3.1.0",
      info: {
        title: "Patchbay",
        version: "1.0.0",
        description: API_DESCRIPTION,
        license: LICENSE,
      },
      // Relative: the API is wherever this document was fetched from (a laptop, an API Gateway URL).
      servers: [{ url: "/", description: "This deployment" }],
      tags: TAGS,
      security: [{ bearer: [] }],
    }) as unknown as OpenApiDoc;
    documentMiddlewareAnswers(generated.paths);
    document = generated;
    return document;
  };

  app.get("/openapi.json", (c) => c.json(openApiDocument()));
  app.get("/docs", (c) => {
    secureDocs(c);
    return c.html(renderDocsPage(openApiDocument(), c.req.query("q") ?? ""));
  });
  app.get("/docs/docs.css", (c) => {
    secureDocs(c);
    return c.body(DOCS_STYLE, 200, { "Content-Type": "text/css; charset=utf-8" });
  });
  app.get("/docs/docs.js", (c) => {
    secureDocs(c);
    return c.body(DOCS_SCRIPT, 200, { "Content-Type": "text/javascript; charset=utf-8" });
  });
  if (options.console) app.route("/console", consoleRoutes(options.console));
  return app;
}

/** The docs load nothing but their own stylesheet and script: no inline code, no other origin. */
function secureDocs(c: Context) {
  securePage(c, DOCS_CSP);
}

/** Both on one server, as the local runtime serves them. */
export function createApp(deps: HttpDeps, options: ApiAppOptions = {}) {
  const app = base(deps.logger);
  app.route("/", createWebhookApp(deps));
  app.route("/", createApiApp(deps, options));
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
