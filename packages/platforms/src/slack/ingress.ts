import type { Clock, InboundHandler, Logger, Store, TokenVault, WebhookIngress } from "@patchbay/core";
import { acknowledged, webhookErrors } from "../shared/webhook-errors.ts";
import { isEnvelope, parseEvent } from "./parse-event.ts";
import { verifySlackSignature } from "./signature.ts";

export interface SlackIngressDeps {
  store: Store;
  vault: TokenVault;
  inbound: InboundHandler;
  clock: Clock;
  logger: Logger;
}

/**
 * POST /webhooks/slack/{id}: verifies the v0 signature over the raw body, answers url_verification, and
 * hands message events to the answering rules — acknowledging within Slack's 3 s without waiting for the model.
 * A retry (X-Slack-Retry-Num) is processed like a first delivery: the first may never have got in.
 */
export function createSlackIngress({ store, vault, inbound, clock, logger }: SlackIngressDeps): WebhookIngress {
  return {
    async handle(request, integrationId) {
      const integration = await store.getIntegration(integrationId);
      if (!integration || integration.platform !== "slack") throw webhookErrors.unknownIntegration(integrationId);
      const signingSecret = (await vault.get(integrationId))?.signing_secret;
      const raw = await request.text();
      const verified =
        signingSecret !== undefined &&
        verifySlackSignature(
          signingSecret,
          raw,
          request.headers.get("x-slack-request-timestamp"),
          request.headers.get("x-slack-signature"),
          clock.now(),
        );
      if (!verified) throw webhookErrors.unverified("signature or timestamp");

      let body: unknown;
      try {
        body = JSON.parse(raw);
      } catch {
        throw webhookErrors.malformed("JSON");
      }
      if (!isEnvelope(body)) throw webhookErrors.malformed("a Slack Events API payload");
      if (body.type === "url_verification") return Response.json({ challenge: body.challenge ?? "" });
      if (body.type !== "event_callback" || !body.event) return acknowledged();

      const parsed = parseEvent(body.event, integration);
      const retry = request.headers.get("x-slack-retry-num");
      if (parsed.kind === "skip") {
        logger.info("slack event skipped", { integration_id: integration.id, event_id: body.event_id, why: parsed.why });
      } else if (parsed.kind === "ignored") {
        await store.recordIgnored(integration.id, parsed.message, parsed.reason, new Date(clock.now()).toISOString());
      } else {
        await inbound.accept(integration, parsed.message, parsed.addressing);
        logger.info("slack event accepted", { integration_id: integration.id, event_id: body.event_id, retry: retry ?? "0" });
      }
      return acknowledged();
    },
  };
}
