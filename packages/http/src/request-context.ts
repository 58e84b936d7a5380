import type { Hono, MiddlewareHandler } from "hono";
import { newId } from "@patchbay/core";
import type { Logger } from "@patchbay/core";
import type { AppEnv } from "./context.ts";
import { createErrorHandler, errorResponse } from "./http-errors.ts";

const REQUEST_ID_PATTERN = /^[A-Za-z0-9._-]{1,128}$/;

/** Every response carries X-Request-Id: the caller's when it is sane, else a new one. Nested apps share it. */
export const requestId: MiddlewareHandler<AppEnv> = async (c, next) => {
  const incoming = c.req.header("x-request-id");
  const id = c.get("requestId") ?? (incoming && REQUEST_ID_PATTERN.test(incoming) ? incoming : newId("req"));
  c.set("requestId", id);
  await next();
  c.res.headers.set("X-Request-Id", id);
};

/** Request ids, the 404 for unknown routes, and the one error mapping, on any Hono app. */
export function withRequestContext<T extends Hono<AppEnv>>(app: T, logger: Logger): T {
  app.use("*", requestId);
  app.notFound((c) => errorResponse(c, "NOT_FOUND", `No route for ${c.req.method} ${c.req.path}; see /docs.`));
  app.onError(createErrorHandler(logger));
  return app;
}
