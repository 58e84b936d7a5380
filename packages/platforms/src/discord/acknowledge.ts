import type { Decision, IgnoreReason, PlatformEvent } from "@patchbay/core";
import type { DiscordRoute } from "./route.ts";

type DiscordEvent = PlatformEvent<DiscordRoute>;

/** Interaction types (receiving-and-responding.mdx, "Interaction Type"). */
export const INTERACTION = { ping: 1, command: 2, component: 3, autocomplete: 4, modalSubmit: 5 } as const;

/** Interaction callback types (receiving-and-responding.mdx, "Interaction Callback Type"). */
const CALLBACK = { pong: 1, message: 4, deferredMessage: 5, deferredUpdate: 6, autocompleteResult: 8 } as const;
const EPHEMERAL = 1 << 6;

/** What the answer to an interaction Patchbay does not act on depends on. */
export interface InteractionFacts {
  type: number;
  /** A modal opened from a component: only those may be answered with a deferred update. */
  fromComponent: boolean;
}

/** An unsupported event that carries the callback Discord accepts for the interaction it came from. */
export function withInteractionFacts<E extends Extract<DiscordEvent, { kind: "unsupported" }>>(event: E, facts: InteractionFacts): E {
  return { ...event, reply: declineInteraction(facts, event.reason) };
}

const REFUSALS: Partial<Record<IgnoreReason, string>> = {
  integration_inactive: "This assistant is switched off at the moment.",
  scope_none: "This assistant is not answering at the moment.",
  channel_not_allowed: "This assistant does not answer in this channel.",
  empty_message: "There is no text to answer in that message.",
  unsupported_event: "This assistant only answers /ask and its message command.",
  unexpected_payload: "This assistant could not read that command.",
  expired_interaction: "This question is too old to answer; ask again.",
  guild_not_allowed: "This assistant does not answer in this server.",
};

const ephemeral = (content: string) => ({ type: CALLBACK.message, data: { content, flags: EPHEMERAL } });
const refusalText = (reason: IgnoreReason | undefined) => (reason && REFUSALS[reason]) || "This assistant will not answer that.";
const refusal = (decision: Decision | null) => Response.json(ephemeral(refusalText(decision && !decision.answer ? decision.reason : undefined)));
/** Accepted, with nothing for Discord to show: Gateway dispatches, and interaction types Discord has not documented. */
const accepted = () => new Response(null, { status: 202 });

/** The callback for an interaction Patchbay does not answer, of a type Discord accepts for it; undefined → 202. */
function declineInteraction(facts: InteractionFacts, reason: IgnoreReason): unknown {
  switch (facts.type) {
    case INTERACTION.command:
      return ephemeral(refusalText(reason));
    case INTERACTION.component:
      return { type: CALLBACK.deferredUpdate };
    case INTERACTION.autocomplete:
      return { type: CALLBACK.autocompleteResult, data: { choices: [] } };
    case INTERACTION.modalSubmit:
      // Deferred updates are "only valid for component-based interactions": a modal opened by a command gets a message.
      return facts.fromComponent ? { type: CALLBACK.deferredUpdate } : ephemeral("This assistant does not handle forms.");
    default:
      return undefined;
  }
}

/**
 * Discord's answer to a verified delivery: PONG, a deferred answer the responder edits later, an ephemeral
 * refusal, or the response type each kind of interaction accepts (autocomplete refuses anything but 8).
 */
export function acknowledge(event: DiscordEvent, decision: Decision | null): Response {
  switch (event.kind) {
    case "handshake":
      return Response.json(event.body);
    case "message":
      if (event.message.route.via !== "interaction") return accepted();
      return decision?.answer ? Response.json({ type: CALLBACK.deferredMessage }) : refusal(decision);
    case "activity":
      return accepted();
    case "unsupported":
      return event.reply === undefined ? accepted() : Response.json(event.reply);
  }
}

/** PING's answer. */
export const PONG = { type: CALLBACK.pong };
