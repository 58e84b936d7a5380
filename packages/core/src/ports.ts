/**
 * The small interfaces the domain depends on. Adapters (DynamoDB, SQS, Secrets Manager, the local
 * runtime, the platforms, the model providers) implement them; the domain never sees their SDKs.
 */
import type {
  ActivityEvent,
  ChannelRef,
  ChatMessage,
  IgnoreReason,
  ImageReport,
  InboundImage,
  InboundMessage,
  Integration,
  LastError,
  Platform,
  Replica,
  ReplyJob,
  Scope,
} from "./model.ts";
import type { LoggedMessage } from "./pipeline/platform-event.ts";

/** Wall-clock time, injectable so tests control expiry and latency. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms` milliseconds (tests may make this instant). */
  sleep(ms: number): Promise<void>;
}

export interface Page<T> {
  items: T[];
  total: number;
  nextCursor: string | null;
}

export interface PageRequest {
  limit: number;
  cursor?: string | undefined;
}

export interface ReplicaStore {
  /** Stores a new replica. */
  createReplica(replica: Replica): Promise<void>;
  /** The owner's replica, or undefined when it does not exist or belongs to someone else. */
  getReplica(owner: string, id: string): Promise<Replica | undefined>;
  /** One page of an owner's replicas, oldest first, with the owner's total. */
  listReplicas(owner: string, page: PageRequest): Promise<Page<Replica>>;
  /** Overwrites an existing replica's settings; false when it no longer exists. */
  saveReplica(replica: Replica): Promise<boolean>;
  /** Deletes the replica; false when it did not exist; throws ConflictError while an integration is attached to it. */
  deleteReplica(owner: string, id: string): Promise<boolean>;
  /** Records that an integration points at the owner's replica (it then cannot be deleted); false when the replica is gone. */
  attachReplica(owner: string, replicaId: string, integrationId: string, at: string): Promise<boolean>;
  /** Forgets that an integration points at a replica (no-op when it did not). */
  detachReplica(replicaId: string, integrationId: string): Promise<void>;
}

export interface IntegrationFilter {
  platform?: Platform | undefined;
  replicaId?: string | undefined;
}

/** Outcome of a write conditional on the revision read: written, someone wrote in between, or the record is gone. */
export type WriteOutcome = "saved" | "conflict" | "missing";

/** Outcome of claiming a bot for an integration: one bot, one integration. */
export type BotClaim = { claimed: true } | { claimed: false; holder: string; claimedAt: string };

export interface IntegrationStore {
  /** Atomically reserves a platform bot for an integration, or names the integration holding it and since when. */
  claimBot(platform: Platform, botId: string, integrationId: string, at: string): Promise<BotClaim>;
  /** Frees a bot claim held by this integration (no-op if someone else holds it). */
  releaseBot(platform: Platform, botId: string, integrationId: string): Promise<void>;
  /** Stores a new integration. */
  createIntegration(integration: Integration): Promise<void>;
  /** The integration with this id, whoever owns it (ingress has no owner). */
  getIntegration(id: string): Promise<Integration | undefined>;
  /** One page of an owner's integrations, oldest first, with the filtered total. */
  listIntegrations(owner: string, filter: IntegrationFilter, page: PageRequest): Promise<Page<Integration>>;
  /** Every integration (for the reconciler), page by page. */
  scanIntegrations(page: PageRequest): Promise<Page<Integration>>;
  /** Where the reconciler's walk over every integration stopped (a scanIntegrations cursor); null at the start. */
  reconcilerCursor(): Promise<string | null>;
  /** Keeps where the reconciler stopped for its next run; null starts the next walk from the beginning. */
  saveReconcilerCursor(cursor: string | null): Promise<void>;
  /** Overwrites the mutable settings if the record is still at `integration.revision` (then one higher). */
  saveIntegration(integration: Integration): Promise<WriteOutcome>;
  /** Counts a reply: message_count + 1 and last_message_at, without touching other fields. */
  recordReply(id: string, at: string): Promise<void>;
  /** Sets or clears last_error and the registration state, without touching other fields; false when gone or retired. */
  setRegistration(id: string, registration: Integration["registration"], lastError: LastError | null, at: string): Promise<boolean>;
  /** Sets last_error alone (a failure the user must fix, seen while answering), without touching other fields. */
  recordError(id: string, lastError: LastError): Promise<void>;
  /**
   * First step of a delete: the integration disappears from lookups and lists and every later write to it
   * fails, while scans still return it until deleteIntegration; the record as retired, undefined when gone.
   */
  retireIntegration(id: string, at: string): Promise<Integration | undefined>;
  /** Deletes an integration and everything kept for it: seen chats, its messages' texts and answers. */
  deleteIntegration(id: string): Promise<void>;
  /** Remembers a chat the bot was seen in (platforms with no listing API). */
  rememberChannel(integrationId: string, channel: SeenChannel): Promise<void>;
  /** Chats the bot was seen in, most recent first. */
  seenChannels(integrationId: string): Promise<SeenChannel[]>;
}

export interface SeenChannel extends ChannelRef {
  isPrivate: boolean;
  memberCount?: number | undefined;
  lastSeenAt: string;
}

/** What the responder learns when it claims a message. */
export type DeliveryClaim =
  | {
      state: "claimed";
      answer: string | null;
      partsSent: number;
      messageIds: string[];
      /** Names this claim's hold on the message: every lease operation is refused to another token. */
      lease: string;
      /**
       * Patchbay's own count of attempts at the message, this one included (a queue's receive count also
       * counts deliveries nobody started); 1 again once a message that failed for good is redriven.
       */
      attempt: number;
    }
  | { state: "done" }
  | { state: "busy"; retryInMs: number };

/** Addresses one platform message's record: its integration, its identity, and when it was sent. */
export interface DeliveryRef {
  integrationId: string;
  key: string;
  /** The platform's own time of the message (the same on every redelivery). */
  sentAt: string;
  /** Where its exchange joins the history once answered. */
  conversationId: string;
}

/** A claimed message's record, with the token of the claim: only its holder renews, releases or records. */
export interface LeasedRef extends DeliveryRef {
  lease: string;
}

export function deliveryRef(integrationId: string, message: Pick<InboundMessage, "key" | "sentAt" | "conversationId">): DeliveryRef {
  return { integrationId, key: message.key, sentAt: message.sentAt, conversationId: message.conversationId };
}

/**
 * A message's identity at its platform, the same under any integration: the platform, the bot (Discord
 * application, Slack bot of one workspace, Telegram bot) and the message's key for that bot.
 */
export function platformMessageId(integration: Pick<Integration, "platform" | "bot">, key: string): string {
  return `${integration.platform}:${integration.bot.id}:${key}`;
}

export interface DeliveryStore {
  /** Logs a delivery ingress chose not to answer, with what was unexpected if anything (first record of that message wins). */
  recordIgnored(integrationId: string, message: LoggedMessage, reason: IgnoreReason, at: string, detail?: string): Promise<void>;
  /**
   * Takes a platform message for an integration by the platform's own identity (see platformMessageId),
   * remembered for days whatever becomes of the integration: null when it is this integration's (first
   * delivery, or a redelivery to it), else the integration that took it first.
   */
  claimPlatformMessage(identity: string, integrationId: string, now: number): Promise<string | null>;
  /** Takes a message for answering exactly once; a finished or leased message is reported as such. */
  claimDelivery(job: ReplyJob, now: number, leaseMs: number): Promise<DeliveryClaim>;
  /** Keeps the generated answer before a multi-part send, so a redelivery resumes with the same text; LeaseLostError when not the holder. */
  saveAnswer(ref: LeasedRef, answer: string): Promise<void>;
  /** Records a sent part; the last one also marks the message done, with its answer and latency. LeaseLostError when not the holder. */
  recordPartSent(ref: LeasedRef, messageId: string, done: { latencyMs: number; answer: string } | null): Promise<void>;
  /**
   * Marks the message done when its last part was posted earlier (a streamed answer, then edited to its final
   * text), with the ids of the messages that hold the answer now; LeaseLostError when not the holder.
   */
  recordAnswered(ref: LeasedRef, done: { latencyMs: number; answer: string }, messageIds: string[]): Promise<void>;
  /** Extends the lease of a message still being answered (a heartbeat while the model works); false when this claim no longer holds it. */
  renewLease(ref: LeasedRef, until: number): Promise<boolean>;
  /** Gives a claimed message back after a failed attempt, so the next delivery can take it at once (no-op unless this claim holds it). */
  releaseDelivery(ref: LeasedRef): Promise<void>;
  /**
   * Marks a message failed for good (after the last attempt). With the failed attempt's lease, only if no other
   * claim took the message since; without one (the attempt failed before claiming), whatever claimed it.
   */
  recordFailure(ref: DeliveryRef | LeasedRef, error: LastError): Promise<void>;
  /** Logs what became of the pictures of a message being answered (how many came, how many the model got, why not); LeaseLostError once taken over. */
  recordImages(ref: LeasedRef, report: ImageReport): Promise<void>;
  /** The integration's activity, newest first. */
  listEvents(integrationId: string, page: PageRequest, now: number): Promise<Page<ActivityEvent>>;
  /** The last answered exchanges of a conversation, oldest first, as chat turns. */
  recentTurns(integrationId: string, conversationId: string, maxExchanges: number, now: number): Promise<ChatMessage[]>;
}

export interface ApiKeyRecord {
  /** SHA-256 of the key, hex. The key itself is never stored. */
  hash: string;
  owner: string;
  /** First characters of the key, to tell keys apart in listings. */
  prefix: string;
  createdAt: string;
  revokedAt: string | null;
}

export interface ApiKeyStore {
  /** Stores a key record; false when that hash already exists. */
  putApiKey(record: ApiKeyRecord): Promise<boolean>;
  /** The record for a key hash, revoked or not. */
  findApiKey(hash: string): Promise<ApiKeyRecord | undefined>;
  /** Keys of an owner. */
  listApiKeys(owner: string): Promise<ApiKeyRecord[]>;
  /** Whether any key exists at all (first start generates one). */
  hasAnyApiKey(): Promise<boolean>;
  /** Marks a key revoked; false when no such key. */
  revokeApiKey(hash: string, at: string): Promise<boolean>;
}

/** The answer a request gave, as replayed to a retry with the same Idempotency-Key. */
export interface RecordedResponse {
  /** The HTTP status it was answered with. */
  status: number;
  /** The response body, exactly as first sent. */
  body: string;
}

/** What a claimed Idempotency-Key holds: a request still running, or the answer it gave. */
export type IdempotencyRecord =
  | { state: "in_progress"; fingerprint: string }
  | { state: "completed"; fingerprint: string; response: RecordedResponse };

/** Claiming a key: taken for this request, or held by an earlier one. */
export type IdempotencyClaim = { claimed: true } | { claimed: false; record: IdempotencyRecord };

export interface IdempotencyClaimRequest {
  /** Keys are the owner's: another owner's same key is another key. */
  owner: string;
  key: string;
  /** Hash of the request (route and body); the same key with another request is refused. */
  fingerprint: string;
  /** Names this claim: only its holder completes or releases it. */
  token: string;
  /** Until when (ms since the epoch) an unanswered request holds the key; then a retry may take it over. */
  leaseUntil: number;
  /** When (ms since the epoch) the key and its answer are forgotten. */
  expiresAt: number;
}

/** Idempotency-Key records: at most one request runs per key, and its answer is kept for replays. */
export interface IdempotencyStore {
  /** Takes the key unless a live record holds it (an answer not yet expired, a request within its lease): then that record. */
  claim(request: IdempotencyClaimRequest, now: number): Promise<IdempotencyClaim>;
  /** Keeps the answer of the request holding `token`; false when that claim no longer holds the key. */
  complete(owner: string, key: string, token: string, response: RecordedResponse): Promise<boolean>;
  /** Frees the key while `token` holds it unanswered (no-op otherwise), so a retry runs afresh. */
  release(owner: string, key: string, token: string): Promise<void>;
}

/** A Discord Gateway session the next holder RESUMEs (Discord replays what it missed) instead of identifying again. */
export interface GatewayResume {
  sessionId: string;
  /** The last sequence number handed on; the replay starts after it. */
  sequence: number;
  resumeUrl: string;
  /** When (ms since the epoch) its holder saved it: if the session can no longer be resumed, what came after is lost. */
  savedAt: number;
}

/** Who holds an integration's Gateway connection, when another listener instance does. */
export interface GatewayLease {
  holder: string;
  /** Until when (ms since the epoch) its holder renewed itself; after that any instance may take the lease. */
  until: number;
  /** The holder's hard deadline (its function's time limit): it hands its leases over before then. */
  endsBy: number;
}

export type GatewayLeaseClaim = { taken: true; resume: GatewayResume | null } | { taken: false; lease: GatewayLease };

/**
 * One listener instance at a time holds an integration's Gateway connection: a lease taken by conditional
 * writes. A lease lasts as long as its holder keeps renewing itself — one write per renewal however many bots
 * it holds — so a crashed holder's leases run out together, soon.
 */
export interface GatewayLeaseStore {
  /** `holder` is alive until `until` (ms since the epoch), and gone by `endsBy`: every lease it holds lasts until `until`. */
  renewGatewayHolder(holder: string, until: number, endsBy: number): Promise<void>;
  /**
   * Takes the lease for `holder` (renewed first) unless another holder is alive at `now`: taken, with the
   * session the last holder left (handed over, or saved as it went before it crashed); else who holds it.
   */
  takeGatewayLease(integrationId: string, holder: string, now: number): Promise<GatewayLeaseClaim>;
  /** Saves where `holder`'s session stands, for the next holder should this one crash; false when it no longer holds the lease. */
  saveGatewayResume(integrationId: string, holder: string, resume: GatewayResume): Promise<boolean>;
  /** Gives the lease up at once, leaving `resume` for the next holder; false when `holder` no longer held it. */
  releaseGatewayLease(integrationId: string, holder: string, resume: GatewayResume | null): Promise<boolean>;
  /** The leases held now, with their holder's time, alive or run out, in one go (a lease handed over is free and not listed). */
  heldGatewayLeases(): Promise<(GatewayLease & { integrationId: string })[]>;
}

/** Everything Patchbay keeps, one single-table store. */
export interface Store extends ReplicaStore, IntegrationStore, DeliveryStore, ApiKeyStore, GatewayLeaseStore {
  /** Cheap round trip for /health. */
  ping(): Promise<void>;
}

export interface EnqueueOptions {
  /** Messages with the same group are delivered in order, one at a time (one chat = one group). */
  groupId: string;
  /** Same id within the dedupe window is accepted once. */
  dedupeId: string;
}

/** Durable hand-off from ingress to the responder. */
export interface MessageQueue {
  /** Durably accepts a job; resolves only once it will survive a crash. */
  enqueue(job: ReplyJob, options: EnqueueOptions): Promise<void>;
  /** Cheap reachability check for /health. */
  ping(): Promise<void>;
}

/** Secrets of one integration: bot tokens, signing secrets, webhook secrets. */
export type SecretBundle = Record<string, string>;

/** Encrypted storage for secrets; the only place they exist outside memory. */
export interface TokenVault {
  /** Creates or replaces the secrets of an integration. */
  put(integrationId: string, secrets: SecretBundle): Promise<void>;
  /** The secrets of an integration, or undefined if none. */
  get(integrationId: string): Promise<SecretBundle | undefined>;
  /** Removes the secrets for good. */
  delete(integrationId: string): Promise<void>;
}

export interface CompletionRequest {
  /** Provider-local model name (after the `provider/` prefix). */
  model: string;
  /** The conversation: system instructions first, the person's message last. */
  messages: ChatMessage[];
  /** Sampling temperature 0–2; the provider's default when absent. */
  temperature?: number | undefined;
  /** Longest answer in tokens; the provider's default when absent. */
  maxOutputTokens?: number | undefined;
  /** Cancels the call (a deadline, a shutdown): it then fails with a retryable ModelError. */
  signal?: AbortSignal | undefined;
}

/** A language-model provider that answers a conversation. */
export interface ReplicaModel {
  /** Returns the whole answer once the provider says it is finished; throws ModelError. */
  complete(request: CompletionRequest): Promise<string>;
  /**
   * Yields the answer's text as the model writes it, in order; ends only when the provider says the
   * answer is finished. A failure, a cut or an abort mid-answer throws ModelError, never ends early.
   */
  stream(request: CompletionRequest): AsyncIterable<string>;
  /** Whether `model` (provider-local name) accepts images on user turns. */
  acceptsImages(model: string): boolean;
}

/** Where and how a reply goes out on a platform. */
export interface OutboundContext {
  integration: Integration;
  secrets: SecretBundle;
  /** Its `route` came through the queue: each platform client checks it against its own route type. */
  message: InboundMessage;
}

export interface SentPart {
  messageId: string;
}

/** The responder's side of a platform: typing, formatting and sending. */
export interface PlatformClient {
  /** Shows a typing/thinking signal; returns a function that stops it. Never throws. */
  startTyping(context: OutboundContext): () => void;
  /** Splits an answer into the parts the platform accepts, in order. */
  split(answer: string): string[];
  /** Sends one part; `index` 0 is the first part. Throws PlatformCallError. */
  sendPart(context: OutboundContext, part: string, index: number): Promise<SentPart>;
  /** Runs once every part is out and recorded (Discord starts a thread from the answer); best effort. */
  finish?(context: OutboundContext, messageIds: string[]): Promise<void>;
  /**
   * The first direct message from someone (no earlier exchange in that DM) is answered with the welcome
   * message before the answer: platforms without a /start of their own (Discord).
   */
  greetsFirstDirectMessage?: boolean;
  /**
   * Downloads a picture of the message with the bot's credentials, reading no more than `maxBytes` (then it
   * throws PAYLOAD_TOO_LARGE); other failures throw PlatformCallError. The bytes live for one model call.
   */
  downloadImage?(context: OutboundContext, image: InboundImage, maxBytes: number): Promise<Uint8Array>;
  /** How the platform shows an answer while the model writes it; without it, answers arrive whole. */
  streaming?: PartStreaming;
}

/**
 * Showing an answer as it is written: a draft where the chat has drafts, else a posted part that is edited.
 * Parts are split and formatted as `split`/`sendPart` do; only their text changes as the answer grows.
 */
export interface PartStreaming {
  /** Least time between two updates of one answer in this chat: what the platform tolerates there. */
  updateIntervalMs(context: OutboundContext): number;
  /** Whether this chat shows unfinished text as a draft, posting no message until the text is final (Telegram private chats); absent: never. */
  drafts?(context: OutboundContext): boolean;
  /** Shows the unfinished last part as a draft (where `drafts` says so). Throws PlatformCallError. */
  showDraft?(context: OutboundContext, part: string): Promise<void>;
  /** Posts part `index` while it is still being written (Slack opens a native stream); its message id. Throws PlatformCallError. */
  postPart(context: OutboundContext, part: string, index: number): Promise<SentPart>;
  /**
   * Replaces what a posted part shows; `final` once the text is that part's finished text (formatted like
   * `sendPart`). The same text again is no error. Throws PlatformCallError.
   */
  editPart(context: OutboundContext, messageId: string, part: string, index: number, final: boolean): Promise<void>;
  /**
   * Deletes a posted part the finished answer no longer needs (a redelivered answer, asked again, came out
   * shorter than the parts an earlier attempt had posted). One already gone is no error. Throws PlatformCallError.
   */
  removePart(context: OutboundContext, messageId: string, index: number): Promise<void>;
}

export interface ConnectRequest {
  botToken: string;
  /** The answering scope asked for (some platforms need more permissions for `all`). */
  scope: Scope;
  /** Platform-specific inputs (signing secret, guild or workspace id, ...). */
  options: Record<string, unknown>;
}

/** What the platform told us about a bot when its credentials were checked. */
export interface Connection {
  bot: Integration["bot"];
  /** Secrets to keep in the vault (the bot token included). */
  secrets: SecretBundle;
  /** Record fields the platform decides (guild name, workspace, channels...). */
  fields: Partial<Pick<Integration, "guildId" | "guildName" | "workspaceId" | "workspaceName" | "channels" | "mention">>;
  /** Non-fatal observations to show the user. */
  warnings: string[];
}

export interface ValidationReport {
  warnings: string[];
}

export interface TestDelivery {
  messageId: string;
}

/** The control-plane side of a platform: credentials, webhook registration, channels. */
export interface PlatformConnector {
  readonly platform: Platform;
  /** Checks credentials with the platform; throws PlatformCallError (nothing is stored on failure). */
  connect(request: ConnectRequest): Promise<Connection>;
  /**
   * Points the platform at our webhook (and sets up what it needs, e.g. Discord's commands named after the
   * replica); on a refusal it undoes its own partial work. Throws PlatformCallError (retryable ones leave
   * the integration pending).
   */
  register(integration: Integration, secrets: SecretBundle, webhookUrl: string, replica: Replica): Promise<void>;
  /** Whether the platform still delivers to our webhook (false when it drifted); throws PlatformCallError. */
  isRegistered(integration: Integration, secrets: SecretBundle, webhookUrl: string): Promise<boolean>;
  /** Re-checks credentials and registration; throws PlatformCallError when invalid. */
  validate(integration: Integration, secrets: SecretBundle, webhookUrl: string): Promise<ValidationReport>;
  /** Sends a real message to a chat. */
  sendTest(integration: Integration, secrets: SecretBundle, channelId: string | undefined, text: string): Promise<TestDelivery>;
  /** Channels the bot can answer in. */
  listChannels(integration: Integration, secrets: SecretBundle): Promise<SeenChannel[]>;
  /** Undoes registration at the platform (best effort is the caller's decision). */
  unregister(integration: Integration, secrets: SecretBundle): Promise<void>;
}

/** Logging that never sees secrets: callers pass ids and codes, not payloads. */
export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}
