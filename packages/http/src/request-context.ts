import type { Hono, MiddlewareHandler } from "hono";
import { newId } from "@patchbay/core";
import type { Logger } from "@patchbay/core";
import type { AppEnv } from "./context.ts";
import { createErrorHandler, failureResponse } from "./http-errors.ts";

const REQUEST_ID_PATTERN = /^[A-Za-z0-9._-]{1,128}$/;

/** Every response carries X-Request-Id: the caller's when it is sane, else a new one. Nested apps share it. */
export const requestId: MiddlewareHandler<AppEnv> = async (c, next) => {
  const incoming = c.req.header("x-request-id");
  const id = c.get("requestId") ?? (incoming && REQUEST_ID_PATTERN.test(incoming) ? incoming : newId("req"));
  c.set("requestId", id);
  await next();
  c.res.headers.set("X-Request-Id", id);
};

/** Request ids, 405 with Allow for a known path, the 404 for unknown routes, and the one error mapping, on any Hono app. */
export function withRequestContext<T extends Hono<AppEnv>>(app: T, logger: Logger): T {
  const allowedOn = methodsByPath(app);
  app.use("*", requestId);
  // Before authentication and body parsing: which methods a path answers is public (see /openapi.json).
  app.use("*", async (c, next) => {
    const allowed = allowedOn(c.req.path);
    const method = c.req.method === "HEAD" ? "GET" : c.req.method;
    if (allowed.length === 0 || allowed.includes(method)) return next();
    const allow = [...allowed, ...(allowed.includes("GET") ? ["HEAD"] : []), "OPTIONS"].sort().join(", ");
    c.header("Allow", allow);
    if (method === "OPTIONS") return c.body(null, 204);
    return failureResponse(logger, c, "METHOD_NOT_ALLOWED", `${c.req.method} is not allowed on ${c.req.path}; use ${allow}.`, { allow: allow.split(", ") });
  });
  app.notFound((c) => failureResponse(logger, c, "NOT_FOUND", `No route for ${c.req.method} ${c.req.path}; see /docs.`));
  app.onError(createErrorHandler(logger));
  return app;
}

/**
 * The methods each path answers, read from the app's own routing table when a request comes (routes are
 * added after this is installed), so 405 and Allow cannot drift from the routes.
 */
function methodsByPath(app: Hono<AppEnv>): (path: string) => string[] {
  let compiled: { pattern: RegExp; method: string }[] = [];
  let compiledFrom = -1;
  return (path) => {
    if (compiledFrom !== app.routes.length) {
      // Middleware is registered as ALL; only method-bound routes are endpoints.
      compiled = app.routes.filter((r) => r.method !== "ALL").map((r) => ({ pattern: pathPattern(r.path), method: r.method }));
      compiledFrom = app.routes.length;
    }
    return [...new Set(compiled.filter((r) => r.pattern.test(path)).map((r) => r.method))];
  };
}

/** A Hono route path (`/v1/replicas/:id`) as an anchored pattern; a parameter is one path segment. */
function pathPattern(routePath: string): RegExp {
  const source = routePath
    .split("/")
    .map((segment) => (segment.startsWith(":") ? "[^/]+" : segment === "*" ? ".*" : segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")))
    .join("/");
  return new RegExp(`^${source}$`);
}
