/** The records Patchbay keeps and the messages that move between ingress and responder. */
import type { Delivery } from "./delivery.ts";

export type Platform = "telegram" | "slack" | "discord";
export const PLATFORMS: readonly Platform[] = ["telegram", "slack", "discord"];

/** Which group/channel messages get an answer; direct messages are answered unless `none`. */
export type Scope = "all" | "mentions" | "none";

export type IntegrationStatus = "active" | "inactive" | "pending" | "error";

/** Whether the platform currently delivers to our webhook. */
export type Registration = "ok" | "pending" | "error";

export interface Replica {
  id: string;
  owner: string;
  name: string;
  instructions: string;
  model: string;
  greeting: string | null;
  /** Whether answers appear on the platform as the model writes them (default true). */
  stream: boolean;
  /** Sampling temperature 0–2; null leaves the provider's default. */
  temperature: number | null;
  /** Longest answer in tokens; null leaves the provider's default. */
  maxOutputTokens: number | null;
  createdAt: string;
  updatedAt: string;
}

export interface LastError {
  code: string;
  message: string;
  at: string;
}

export interface BotIdentity {
  id: string;
  username: string;
  /** Platform extras kept for the responder and validate (never secrets). */
  [extra: string]: unknown;
}

export interface ChannelRef {
  id: string;
  name: string;
}

export interface Integration {
  id: string;
  owner: string;
  platform: Platform;
  replicaId: string;
  name: string;
  active: boolean;
  registration: Registration;
  bot: BotIdentity;
  channelIds: string[];
  channels: ChannelRef[];
  guildId: string | null;
  guildName: string | null;
  workspaceId: string | null;
  workspaceName: string | null;
  mention: string | null;
  scope: Scope;
  threadAutoCreate: boolean;
  welcomeMessage: string | null;
  /** How messages reach it (webhooks, long polling, Socket Mode, the Gateway); chosen by `chooseDelivery`. */
  delivery: Delivery;
  /** Last four characters of the bot token, for the masked display. */
  tokenLast4: string;
  messageCount: number;
  connectedAt: string;
  lastMessageAt: string | null;
  lastError: LastError | null;
  validatedAt: string | null;
  createdAt: string;
  updatedAt: string;
  /** Bumped by the store on every write of the record; writes are conditional on the revision they read. */
  revision: number;
}

/** The status the API shows, derived from the switches that make it. */
export function integrationStatus(integration: Pick<Integration, "active" | "registration">): IntegrationStatus {
  if (integration.registration === "error") return "error";
  if (integration.registration === "pending") return "pending";
  return integration.active ? "active" : "inactive";
}

/** A platform message normalised by ingress: everything the responder needs, nothing secret. */
export interface InboundMessage<Route = unknown> {
  /** Identity of the platform message within the integration; one answer per key. */
  key: string;
  /** Where the conversation lives (chat, channel or thread), used for history and ordering. */
  conversationId: string;
  chatId: string;
  /** Direct messages bypass channel filters and mention rules. */
  isDirect: boolean;
  messageId: string;
  /** Thread the answer belongs in, if the platform has threads. */
  threadId: string | null;
  userId: string;
  userName: string;
  text: string;
  /** ISO time the platform says the message was sent. */
  sentAt: string;
  /** Where the platform's client sends the answer, typed and checked by that platform (never secrets). */
  route: Route;
  /** Pictures sent with (or as) the message, as references the platform client downloads when answering. */
  images?: InboundImage[];
}

/** A picture that came with a message: where the platform client finds it, never its bytes (nothing stores them). */
export interface InboundImage {
  /** What the platform client downloads it by: a Telegram file_id, a Slack url_private, a Discord attachment URL. */
  ref: string;
  /** The file name, for the activity log. */
  name: string;
  /** The media type the platform declares (the bytes decide once downloaded); null when it declares none. */
  mediaType: string | null;
  /** The size in bytes the platform declares; null when it declares none. */
  size: number | null;
}

/** What ingress enqueues for the responder. */
export interface ReplyJob {
  integrationId: string;
  platform: Platform;
  message: InboundMessage;
  /** Answer with the integration's welcome message or the replica's greeting instead of the model. */
  greeting?: boolean;
  receivedAt: string;
}

export type ChatRole = "system" | "user" | "assistant";

export interface ChatMessage {
  role: ChatRole;
  content: string;
  /** Speaker name for user messages, kept out of the text itself. */
  name?: string;
  /** Pictures a user sent with this turn (user turns only; send them to models that accept images). */
  images?: ChatImage[];
}

/** An image carried inline to the model: its bytes, never a URL (platform file URLs can hold bot tokens). */
export interface ChatImage {
  /** `image/png`, `image/jpeg`, `image/gif` or `image/webp`. */
  mediaType: string;
  /** The bytes, or the same bytes base64-encoded. */
  data: Uint8Array | string;
}

/** An entry of an integration's activity log. */
export type ActivityEvent =
  | (ActivityBase & { type: "replied"; latencyMs: number; messageIds: string[] })
  | (ActivityBase & { type: "ignored"; reason: IgnoreReason; detail?: string })
  | (ActivityBase & { type: "failed"; error: LastError })
  | (ActivityBase & { type: "processing" });

export interface ActivityBase {
  id: string;
  at: string;
  chatId: string;
  userId: string;
  text: string;
  /** What became of the pictures of a message being answered; absent when none came. */
  images?: ImageReport;
}

/** How many pictures came with a message, how many reached the model, and why each other one did not. */
export interface ImageReport {
  received: number;
  passed: number;
  notPassed: ImageLeftOut[];
}

export interface ImageLeftOut {
  /** The file name the platform gave. */
  name: string;
  reason: ImageLeftOutReason;
  /** What happened, in words a person can act on. */
  message: string;
}

/**
 * Why a picture did not reach the model: the replica's model reads text only; larger than the cap on one
 * image; not PNG, JPEG, GIF or WebP; more pictures than one message passes on; the platform did not hand
 * the file over.
 */
export const IMAGE_LEFT_OUT_REASONS = ["model_text_only", "too_large", "unsupported_type", "too_many", "download_failed"] as const;
export type ImageLeftOutReason = (typeof IMAGE_LEFT_OUT_REASONS)[number];

/** Why a delivery was not answered; `decide()` in core is the one place that picks one. */
export type IgnoreReason =
  | "integration_inactive"
  | "scope_none"
  | "channel_not_allowed"
  | "not_addressed"
  | "own_message"
  | "bot_message"
  | "system_message"
  | "empty_message"
  | "edited_message"
  | "deleted_message"
  | "member_event"
  /** A kind of event Patchbay does not act on (a Telegram callback query, a Slack app_home_opened). */
  | "unsupported_event"
  /** Verified JSON whose shape Patchbay does not expect (a field of another type); the detail names it. */
  | "unexpected_payload"
  /** A Discord interaction older than its token's 15 minutes: a replay, or one no answer can reach any more. */
  | "expired_interaction"
  /** A Discord interaction from a server other than the integration's (the application is installed in several). */
  | "guild_not_allowed"
  /** Delivered before to an earlier integration of the same bot (connected again): a message is answered once. */
  | "duplicate_delivery";
