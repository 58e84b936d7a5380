import { functionBundle, type NodeBundle } from "./defaults";

/** Platforms want a fast acknowledgement: ingress verifies, normalises, enqueues and returns. */
export const WEBHOOK_TIMEOUT = "10 seconds";
export const PLATFORMS = ["telegram", "slack", "discord"] as const;

/**
 * What an acknowledgement never loads, left out of the ingress bundles so that a cold start neither compiles
 * nor evaluates it (with them in, esbuild also wraps most of the SDK in lazy initialisers, slower to run): the
 * SDK's credential providers after the environment's, with the clients they use (Lambda sets AWS_ACCESS_KEY_ID
 * and its session token, read by the first link of the SDK's chain), and event streams (no ingress call
 * streams). The SDK reaches each only through `import()`, which the infra check asserts.
 */
export const ACK_PATH_NEVER_LOADS = [
  "@aws-sdk/credential-provider-http",
  "@aws-sdk/credential-provider-ini",
  "@aws-sdk/credential-provider-process",
  "@aws-sdk/credential-provider-sso",
  "@aws-sdk/credential-provider-web-identity",
  "@smithy/core/event-streams",
  "@smithy/credential-provider-imds",
];

/**
 * CommonJS, unlike the other functions: an ES module's `import` from node:http builds the module's whole
 * namespace, whose http.WebSocket getter loads undici (about 20 ms of a cold start); `require` does not.
 * mainFields as ESM's, so the SDK's ES builds are still the ones tree-shaken.
 */
function ingressBundle(): NodeBundle {
  const defaults = functionBundle();
  return { ...defaults, format: "cjs", esbuild: { ...defaults.esbuild, mainFields: ["module", "main"], external: ACK_PATH_NEVER_LOADS } };
}

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
        nodejs: ingressBundle(),
        link,
      },
      { name: routeNames[platform] },
    );
  }
}
