import type { Ingested, PlatformEvent } from "@patchbay/core";
import { acknowledge } from "./acknowledge.ts";
import type { DiscordRest } from "./rest.ts";
import type { DiscordRoute } from "./route.ts";

/**
 * Answers an interaction that came over the Gateway (an application without an Interactions Endpoint URL):
 * the same answer the webhook would have sent as its HTTP response — a deferred message, an ephemeral
 * refusal, the type each interaction kind accepts — goes to `POST /interactions/{id}/{token}/callback`.
 * The responder then edits the deferred answer through the interaction's webhook, as it does for webhooks.
 */
export async function answerGatewayInteraction(rest: DiscordRest, interaction: unknown, ingested: Ingested): Promise<void> {
  const response = acknowledge(ingested.event as PlatformEvent<DiscordRoute>, ingested.decision);
  if (response.status !== 200) return; // accepted with nothing for Discord to show
  const { id, token } = (interaction ?? {}) as { id?: unknown; token?: unknown };
  if (typeof id !== "string" || typeof token !== "string") return;
  await rest("POST", `/interactions/${id}/${token}/callback`, { body: await response.json() });
}
