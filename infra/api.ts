import { CONSOLE_BUILD_DIR, CONSOLE_PACKAGE_DIR } from "./console";
import { bedrockPermissions } from "./models";

/** HTTP API integrations give up after 30 s: every route function must finish before that. */
export const API_TIMEOUT = "29 seconds";

/**
 * The HTTP API (API Gateway v2, payload format 2.0). CORS is off: the REST API is called
 * server-to-server with secret bearer keys and webhooks come from the platforms, and the docs page
 * fetches /openapi.json from its own origin, so no browser needs cross-origin access.
 */
export function createApi() {
  return new sst.aws.ApiGatewayV2("Api", {
    cors: false,
    accessLog: { retention: "1 month" },
  });
}

/**
 * One Lambda function serves the whole REST app (it routes internally with Hono). Each `api.route`
 * given a handler string would build its own copy of the same function, so the routes share this
 * one by ARN: one warm pool, one build. `$default` sends every path no other route matches to the
 * app as well, so unknown paths get its JSON 404 with an X-Request-Id instead of API Gateway's,
 * and the web console (/console and its two files) is served from there too. Call buildConsole()
 * (infra/console.ts) first: the function ships its files.
 */
export function addApiRoutes(api: sst.aws.ApiGatewayV2, link: sst.aws.FunctionArgs["link"]) {
  const fn = new sst.aws.Function("ApiHandler", {
    handler: "packages/functions/src/api.handler",
    timeout: API_TIMEOUT,
    link,
    // The preview of a bedrock/ replica is answered here.
    permissions: bedrockPermissions(),
    copyFiles: [{ from: CONSOLE_BUILD_DIR, to: CONSOLE_PACKAGE_DIR }],
  });
  // A greedy path does not match its bare prefix: /v1 needs its own route.
  api.route("ANY /v1/{proxy+}", fn.arn, { name: "V1Proxy" });
  api.route("ANY /v1", fn.arn, { name: "V1Root" });
  api.route("GET /health", fn.arn, { name: "Health" });
  api.route("GET /openapi.json", fn.arn, { name: "OpenApi" });
  api.route("GET /docs", fn.arn, { name: "Docs" });
  api.route("$default", fn.arn, { name: "Default" });
  return fn;
}
