import * as v from "valibot";
import type { Integration, PlatformEvent } from "@patchbay/core";
import { INTERACTION, PONG, withInteractionFacts } from "./acknowledge.ts";
import { interactionKey } from "./delivery-key.ts";
import { issueDetail } from "../shared/issue-detail.ts";
import { parseCommand } from "./parse-command.ts";
import type { DiscordRoute } from "./route.ts";
import { interactionEnvelopeSchema } from "./schemas.ts";
import { unsupported } from "./unsupported.ts";

type DiscordEvent = PlatformEvent<DiscordRoute>;

/** Why each interaction type Patchbay does not act on is logged as unsupported. */
const NOT_HANDLED: Record<number, string> = {
  [INTERACTION.component]: "a component interaction (MESSAGE_COMPONENT): Patchbay's messages have no components",
  [INTERACTION.autocomplete]: "an autocomplete interaction: Patchbay's command options have no autocomplete",
  [INTERACTION.modalSubmit]: "a modal submit (MODAL_SUBMIT): Patchbay opens no modals",
};

/** An interaction sent to the Interactions Endpoint URL, normalised; `body` is a JSON object. */
export function parseInteraction(body: Record<string, unknown>, integration: Integration, receivedAt: string): DiscordEvent {
  // PING is answered before anything else is read: Discord's endpoint check sends little more than the type.
  if (body.type === INTERACTION.ping) return { kind: "handshake", body: PONG };
  const facts = {
    type: Number.isSafeInteger(body.type) ? Number(body.type) : 0,
    fromComponent: typeof body.message === "object" && body.message !== null,
  };
  const envelope = v.safeParse(interactionEnvelopeSchema, body, { abortEarly: true });
  if (!envelope.success) {
    return withInteractionFacts(unsupported("unexpected_payload", issueDetail("", envelope.issues[0]), body, receivedAt, interactionKey), facts);
  }
  const { type } = envelope.output;
  if (type === INTERACTION.command) return parseCommand(body, integration, receivedAt);
  const detail = NOT_HANDLED[type] ?? `an interaction of type ${type}: not handled`;
  return withInteractionFacts(unsupported("unsupported_event", detail, body, receivedAt, interactionKey), facts);
}
