import type { WebhookDriver } from "@patchbay/core";
import { readSlackSecrets } from "./integration-views.ts";
import type { SlackSecrets } from "./integration-views.ts";
import { parseSlackBody } from "./parse-body.ts";
import type { SlackRoute } from "./route.ts";
import { verifySlackSignature } from "./signature.ts";

/**
 * A message is at most 40,000 characters (up to 160 KB of UTF-8), and Slack repeats it in `blocks`;
 * `message_changed` carries the message and its previous version, each with text and blocks, plus
 * attachments and files metadata: about 650 KB at the extreme. Nothing Slack sends comes near 1 MiB.
 */
const MAX_EVENT_BYTES = 1024 * 1024;

/**
 * Slack's part of the webhook pipeline: the v0 HMAC signature over the raw body (five minutes of clock skew
 * either way), the url_verification handshake, and 200 `{ ok: true }` for every other verified delivery.
 * A retry (X-Slack-Retry-Num) is parsed like a first delivery: the first may never have got in, and one
 * message key (channel + ts) keeps it, like the app_mention and message copies of a mention, to one answer.
 */
export const slackWebhookDriver: WebhookDriver<SlackSecrets, SlackRoute> = {
  platform: "slack",
  maxBodyBytes: MAX_EVENT_BYTES,
  readSecrets: readSlackSecrets,

  async verify(request, context) {
    const timestamp = request.headers.get("x-slack-request-timestamp");
    const signature = request.headers.get("x-slack-signature");
    if (!timestamp || !signature) return false;
    const secrets = await context.secrets();
    return secrets !== null && verifySlackSignature(secrets.signing_secret, request.body, timestamp, signature, context.nowMs);
  },

  parse: parseSlackBody,

  acknowledge: (event) => Response.json(event.kind === "handshake" ? event.body : { ok: true }),
};
