import type { IgnoreReason, InboundMessage } from "../model.ts";
import type { SeenChannel } from "../ports.ts";

/** Who wrote a message, as the platform tells it. */
export type Sender =
  /** A person: the only sender a replica answers. */
  | "person"
  /** This integration's own bot (its answers echoed back). */
  | "self"
  /** Another bot, an app or a webhook. */
  | "bot"
  /** The platform itself (Slackbot notices, Discord system messages, Telegram service messages). */
  | "system";

/** Something that happened in a chat that is not a new message to answer. */
export type ChatActivity = "edit" | "delete" | "member";

/** The fields of a platform message the activity log keeps, when there is no full message to answer. */
export type LoggedMessage = Pick<InboundMessage, "key" | "conversationId" | "chatId" | "userId" | "userName" | "text" | "sentAt">;

/**
 * One platform delivery, normalised by the platform's driver: what every transport (webhook, long polling,
 * Socket Mode, the Discord Gateway) hands to the one pipeline in core.
 */
export type PlatformEvent<Route = unknown> =
  /** A message someone wrote: it goes through the answering rules. */
  | {
      kind: "message";
      message: InboundMessage<Route>;
      sender: Sender;
      /** Mentions the bot, replies to it, or is a command for it. */
      addressed: boolean;
      /** Asks for the welcome message instead of a model answer (Telegram's /start). */
      greeting?: boolean;
      /** A chat worth remembering for the channel listing (platforms without a listing API). */
      chat?: SeenChannel;
    }
  /** An edit, a deletion or a membership change: logged, never answered. */
  | { kind: "activity"; activity: ChatActivity; logged: LoggedMessage; chat?: SeenChannel }
  /** A protocol handshake with a fixed answer (Slack url_verification, Discord PING): nothing is logged. */
  | { kind: "handshake"; body: unknown }
  /**
   * Well-formed, verified, but not something Patchbay handles (an update type it does not ask for, a field
   * of another type): acknowledged, so the platform never retries it, and logged with what was unexpected.
   */
  | {
      kind: "unsupported";
      /** Discord's refusals of an interaction it cannot or must not answer come as unsupported too. */
      reason: Extract<IgnoreReason, "unsupported_event" | "unexpected_payload" | "expired_interaction" | "guild_not_allowed">;
      detail: string;
      logged: LoggedMessage;
      /** The body the platform expects in answer, when it expects one (Discord's callback for each interaction type). */
      reply?: unknown;
    };
