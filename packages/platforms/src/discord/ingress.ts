import { verifyKey } from "discord-interactions";
import type { Clock, IgnoreReason, InboundHandler, Logger, Store, WebhookIngress } from "@patchbay/core";
import { webhookErrors } from "../shared/webhook-errors.ts";
import { INTERACTION, isInteraction, parseCommand } from "./parse-interaction.ts";

const RESPONSE = { pong: 1, message: 4, deferred: 5 } as const;
const EPHEMERAL = 1 << 6;

const REFUSALS: Partial<Record<IgnoreReason, string>> = {
  integration_inactive: "This assistant is switched off at the moment.",
  scope_none: "This assistant is not answering at the moment.",
  channel_not_allowed: "This assistant does not answer in this channel.",
};

export interface DiscordIngressDeps {
  store: Store;
  inbound: InboundHandler;
  clock: Clock;
  logger: Logger;
}

const ephemeral = (content: string) => Response.json({ type: RESPONSE.message, data: { content, flags: EPHEMERAL } });

/**
 * POST /webhooks/discord/{id}: the Ed25519 signature over timestamp + raw body is checked before the body
 * is even parsed (Discord probes with bad signatures and drops endpoints that accept them). Commands get a
 * deferred response at once and are answered by the responder; refusals are ephemeral and immediate.
 */
export function createDiscordIngress({ store, inbound, clock, logger }: DiscordIngressDeps): WebhookIngress {
  return {
    async handle(request, integrationId) {
      const integration = await store.getIntegration(integrationId);
      if (!integration || integration.platform !== "discord") throw webhookErrors.unknownIntegration(integrationId);
      const raw = await request.text();
      const signature = request.headers.get("x-signature-ed25519");
      const timestamp = request.headers.get("x-signature-timestamp");
      const publicKey = String(integration.bot.public_key ?? "");
      if (!signature || !timestamp || !publicKey || !(await verifyKey(raw, signature, timestamp, publicKey))) {
        throw webhookErrors.unverified("Ed25519 signature");
      }

      let body: unknown;
      try {
        body = JSON.parse(raw);
      } catch {
        throw webhookErrors.malformed("JSON");
      }
      if (!isInteraction(body)) throw webhookErrors.malformed("a Discord interaction");
      if (body.type === INTERACTION.ping) return Response.json({ type: RESPONSE.pong });

      const message = body.type === INTERACTION.command ? parseCommand(body) : null;
      if (!message) return ephemeral("This assistant only answers /ask and its message command.");
      if (message.text.trim() === "") {
        await store.recordIgnored(integration.id, message, "empty_message", new Date(clock.now()).toISOString());
        return ephemeral("There is no text to answer in that message.");
      }
      const decision = await inbound.accept(integration, message, { addressed: true });
      logger.info("discord interaction accepted", { integration_id: integration.id, key: message.key, answer: decision.answer });
      if (decision.answer) return Response.json({ type: RESPONSE.deferred });
      return ephemeral(REFUSALS[decision.reason] ?? "This assistant will not answer that.");
    },
  };
}
