/**
 * A fake Discord REST API (v10) on loopback for a webhook-only (HTTP interactions) bot. It models
 * applications (bot token, Ed25519 key pair → `verify_key`, interactions endpoint URL), guilds with
 * channels and threads, messages, guild application commands and interactions, and speaks the wire
 * format of discord.com: `Authorization: Bot <token>`, `{code, message[, errors]}` error bodies,
 * `X-RateLimit-*` headers, 429 bodies with `retry_after`.
 *
 * Sources: discord/discord-api-docs (`developers/resources/*.mdx`, `interactions/*.mdx`,
 * `topics/rate-limits.mdx`, `topics/opcodes-and-status-codes.mdx`) and issue threads cited next to
 * the behaviour they back. Error texts marked "approximate" are the fake's best guess.
 */
import { createHash, generateKeyPairSync, randomBytes, sign } from "node:crypto";
import type { KeyObject } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { startFakeDiscordGateway } from "./fake-discord-gateway.ts";
import type { FakeDiscordGateway, FakeDiscordGatewayOptions } from "./fake-discord-gateway.ts";
import { dropConnection, readBody, sendJson, sleep, startLoopbackServer } from "./http-helpers.ts";

/** A Discord snowflake id as sent on the wire. */
export type Snowflake = string;

/** A Discord user object (loosely typed; extra fields pass through). */
export interface DiscordUser {
  id: Snowflake;
  username: string;
  global_name: string | null;
  discriminator: string;
  avatar: string | null;
  public_flags?: number;
  bot?: boolean;
  [key: string]: unknown;
}

/** A Discord channel object (guild channel, thread or DM). */
export interface DiscordChannel {
  id: Snowflake;
  type: number;
  name?: string;
  guild_id?: Snowflake;
  parent_id?: Snowflake | null;
  position?: number;
  [key: string]: unknown;
}

/** A Discord message object. */
export interface DiscordMessage {
  id: Snowflake;
  channel_id: Snowflake;
  type: number;
  content: string;
  author: DiscordUser;
  timestamp: string;
  edited_timestamp: string | null;
  flags: number;
  [key: string]: unknown;
}

/** One option of an application command invocation. */
export interface CommandInteractionOption {
  name: string;
  type: number;
  value?: string | number | boolean;
  options?: CommandInteractionOption[];
  focused?: boolean;
}

/** `data` of an APPLICATION_COMMAND interaction. */
export interface ApplicationCommandData {
  id?: Snowflake;
  name: string;
  type: number;
  options?: CommandInteractionOption[];
  target_id?: Snowflake;
  resolved?: Record<string, unknown>;
  guild_id?: Snowflake;
  [key: string]: unknown;
}

/** An interaction payload exactly as the fake sends it to the interactions endpoint. */
export interface DiscordInteraction {
  id: Snowflake;
  application_id: Snowflake;
  type: number;
  token: string;
  version: 1;
  data?: ApplicationCommandData | Record<string, unknown>;
  guild_id?: Snowflake;
  channel_id?: Snowflake;
  [key: string]: unknown;
}

/** A registered application command as returned by the commands routes. */
export interface DiscordApplicationCommand {
  id: Snowflake;
  application_id: Snowflake;
  guild_id?: Snowflake;
  version: Snowflake;
  type: number;
  name: string;
  description: string;
  [key: string]: unknown;
}

/** Input for {@link FakeDiscord.addApplication}. */
export interface FakeDiscordApplicationInit {
  /** Application id; generated when omitted. */
  id?: Snowflake;
  /** Application name. */
  name: string;
  /** Bot token (the part after `Bot `). */
  botToken: string;
  /** Bot user id; defaults to the application id (true for apps created in recent years). */
  botId?: Snowflake;
  /** Bot username; defaults to the application name. */
  botUsername?: string;
  /** Initial interactions endpoint URL, stored without verification. */
  interactionsEndpointUrl?: string | null;
  /** Application `flags`; default 0. */
  flags?: number;
  /** Use this Ed25519 key pair instead of generating one. */
  keyPair?: { publicKey: KeyObject; privateKey: KeyObject };
}

/** An application known to the fake (a snapshot; call {@link FakeDiscord.application} for fresh state). */
export interface FakeDiscordApplication {
  id: Snowflake;
  name: string;
  botToken: string;
  botId: Snowflake;
  botUsername: string;
  /** Raw 32-byte Ed25519 public key, hex: the app's `verify_key`. */
  verifyKey: string;
  publicKey: KeyObject;
  /** Private key the fake signs interaction requests with. */
  privateKey: KeyObject;
  interactionsEndpointUrl: string | null;
}

/** A channel to create with {@link FakeDiscord.addGuild}. */
export interface FakeDiscordChannelInit {
  id?: Snowflake;
  name: string;
  /** 0 text, 2 voice, 4 category, 5 announcement, 15 forum, 10/11/12 threads. */
  type: number;
  /** Category of a channel, or parent channel of a thread. */
  parentId?: Snowflake;
  position?: number;
  topic?: string | null;
}

/** Input for {@link FakeDiscord.addGuild}. */
export interface FakeDiscordGuildInit {
  id?: Snowflake;
  name: string;
  ownerId?: Snowflake;
  channels?: FakeDiscordChannelInit[];
  /** Application ids whose bot is a member (and which may register guild commands). */
  members?: Snowflake[];
  preferredLocale?: string;
}

/** A guild known to the fake (snapshot). */
export interface FakeDiscordGuild {
  id: Snowflake;
  name: string;
  ownerId: Snowflake;
  /** All channels including threads, in creation order. */
  channels: DiscordChannel[];
  members: Snowflake[];
}

/** Input for {@link FakeDiscord.createInteraction}; unknown keys are copied into the payload. */
export interface InteractionInit {
  /** Interaction type; default 2 (APPLICATION_COMMAND). */
  type?: number;
  data?: ApplicationCommandData | Record<string, unknown>;
  /** Guild; inferred from a known channel when omitted. `null` forces a DM. */
  guild_id?: Snowflake | null;
  /** Channel; defaults to the guild's first text channel (or a fresh DM channel). */
  channel_id?: Snowflake;
  /** Invoking member (guild); `user` inside it is filled in when missing. */
  member?: Record<string, unknown>;
  /** Invoking user; defaults to a fixed test user. */
  user?: Partial<DiscordUser>;
  locale?: string;
  guild_locale?: string;
  app_permissions?: string;
  context?: number;
  id?: Snowflake;
  token?: string;
  /** How long ago the user triggered it (moves `id`'s timestamp and the 15-minute token clock). */
  ageMs?: number;
  [key: string]: unknown;
}

/** Options for {@link FakeDiscord.deliverInteraction}. */
export interface DeliverInteractionOptions {
  /** Send a well-formed but wrong `X-Signature-Ed25519`. */
  badSignature?: boolean;
  /** Send no signature headers at all. */
  unsigned?: boolean;
  /** `X-Signature-Timestamp` value (unix seconds as a string); default now. */
  timestamp?: string;
  /** POST here instead of the app's interactions endpoint URL. */
  url?: string;
  /** Send this raw body instead of `JSON.stringify(interaction)`. */
  rawBody?: string;
  /** Abort after this many ms; default 10000 (Discord itself gives up after 3 s, see ackDeadlineMs). */
  timeoutMs?: number;
}

/** One request the fake made to an app's interactions endpoint. */
export interface InteractionDelivery {
  /** `interaction` from deliverInteraction; `verify_ping` / `verify_bad_signature` from PATCH /applications/@me. */
  kind: "interaction" | "verify_ping" | "verify_bad_signature";
  appId: Snowflake;
  url: string;
  interactionId: Snowflake;
  body: string;
  headers: Record<string, string>;
  at: number;
  status?: number;
  responseBody?: string;
  error?: string;
  /** For interactions: whether the inline HTTP response acknowledged the interaction. */
  acknowledged?: boolean;
  /** For interactions: why the inline response did not acknowledge it (Discord shows "interaction failed"). */
  ackError?: string;
}

/** One API call received by the fake (including failed and faulted ones). */
export interface DiscordRecordedCall {
  method: string;
  /** Path after the `/api/v10` prefix, e.g. `/channels/1/messages`. */
  path: string;
  /** Query string parameters. */
  query: Record<string, string>;
  /** Route name, e.g. `createMessage`; undefined for unknown routes. */
  route?: string;
  /** Decoded JSON body, or the raw text when it was not JSON, or undefined when empty. */
  body: unknown;
  rawBody: string;
  /** Request headers, lower-cased names. */
  headers: Record<string, string>;
  /** Application of the bot token (or of the interaction webhook). */
  appId?: Snowflake;
  at: number;
  status?: number;
  response?: unknown;
  dropped?: boolean;
  faulted?: boolean;
}

/** A step in the life of an interaction's messages, in order. */
export interface InteractionMessageEntry {
  /** response: initial callback created a message; edit / followup / delete as done through the webhook routes. */
  kind: "response" | "edit" | "followup" | "delete";
  /** Route that caused it (`createInteractionResponse`, `editOriginalInteractionResponse`, `createFollowupMessage`, …, or `inline` for the HTTP answer). */
  route: string;
  messageId: Snowflake;
  /** True when the message is the original response (incl. the deprecated POST-after-defer edit). */
  original: boolean;
  content: string;
  /** Snapshot of the message after this step. */
  message: DiscordMessage;
  at: number;
}

/** State of one interaction. */
export interface InteractionStatus {
  id: Snowflake;
  token: string;
  appId: Snowflake;
  createdAt: number;
  acknowledged: boolean;
  responseType?: number;
  originalMessageId?: Snowflake;
  expired: boolean;
}

/** A programmable fault. */
export type DiscordFailure =
  | { kind: "rate_limit"; retryAfter?: number; global?: boolean; scope?: "user" | "global" | "shared"; bucket?: string; limit?: number }
  | { kind: "error"; status: number; code?: number; message?: string; errors?: unknown }
  | { kind: "drop" }
  | { kind: "delay"; ms: number };

/** Which calls a fault applies to: route name (case-insensitive, "*" = any), a RegExp tested against `"METHOD /path"`, or a predicate. */
export type RouteMatcher = string | RegExp | ((call: DiscordRecordedCall) => boolean);

/** Options for {@link startFakeDiscord}. */
export interface FakeDiscordOptions {
  applications?: FakeDiscordApplicationInit[];
  guilds?: FakeDiscordGuildInit[];
  /** Version in `url`; default 10. Any `/api/vN` prefix (and bare `/api`) is served. */
  apiVersion?: number;
  /** Initial-response deadline; default 3000 ms. */
  ackDeadlineMs?: number;
  /** Interaction token lifetime; default 15 minutes. */
  tokenLifetimeMs?: number;
  /** `enforce_nonce` window; default 5 minutes (Discord documents "the past few minutes"). */
  nonceWindowMs?: number;
  /**
   * Answer for webhook calls with an expired interaction token: "invalid_webhook_token" (default,
   * 401 `{"message":"Invalid Webhook Token","code":50027}` as reported in discord-api-docs#6851,
   * discordjs/discord.js#8335) or "unknown_webhook" (404 10015).
   */
  expiredTokenError?: "invalid_webhook_token" | "unknown_webhook";
  /** Timeout of each interactions-endpoint verification request; default 5000 ms. */
  verifyTimeoutMs?: number;
  /** Reject non-https interactions endpoint URLs (Discord does); default false so loopback works. */
  requireHttps?: boolean;
  /** Unit for the 2000 limit: "codepoint" (default; Discord's backend counts characters) or "utf16". */
  contentLengthUnit?: "codepoint" | "utf16";
  /** Per-route buckets reported in X-RateLimit-* headers; `enforce` answers 429 when exhausted. */
  rateLimit?: { limit?: number; windowMs?: number; enforce?: boolean };
  /** The Gateway's timings (heartbeat interval, session timeout…). */
  gateway?: FakeDiscordGatewayOptions;
}

/** Handle to a running fake Discord API. */
export interface FakeDiscord {
  /** Base URL to use instead of `https://discord.com/api/v10`. */
  url: string;
  /** `http://127.0.0.1:<port>`. */
  origin: string;
  addApplication(init: FakeDiscordApplicationInit): FakeDiscordApplication;
  /** Fresh snapshot of an application. */
  application(appId: Snowflake): FakeDiscordApplication;
  addGuild(init: FakeDiscordGuildInit): FakeDiscordGuild;
  /** Add or remove an application's bot from a guild. */
  setGuildMember(guildId: Snowflake, appId: Snowflake, member: boolean): void;
  /** Current state of a channel or thread. */
  channel(channelId: Snowflake): DiscordChannel | undefined;
  /** Put a message (e.g. from a user) into a channel; returns it. */
  addMessage(channelId: Snowflake, init: Partial<DiscordMessage> & { content: string }): DiscordMessage;
  /**
   * A person (or `init.author`) writes a message: stored like {@link addMessage} and dispatched as
   * MESSAGE_CREATE over the Gateway to every bot that sees the channel (guild members; the DM's bot).
   */
  sendMessage(channelId: Snowflake, init: Partial<DiscordMessage> & { content: string }): DiscordMessage;
  /** The DM channel between an application's bot and a user (default the test user), created on first use. */
  openDirectMessage(appId: Snowflake, user?: Partial<DiscordUser>): DiscordChannel;
  /** The Gateway (GET /gateway/bot answers its URL); messages bots post through REST are dispatched on it too. */
  gateway: FakeDiscordGateway;
  /** Current guild commands of an application. */
  commands(appId: Snowflake, guildId: Snowflake): DiscordApplicationCommand[];
  /** The managed role Discord gives an application's bot in a guild it is a member of (`<@&id>` mentions it). */
  botRole(guildId: Snowflake, appId: Snowflake): Snowflake;
  /** Build (and remember) an interaction like Discord sends it. */
  createInteraction(appId: Snowflake, init: InteractionInit): DiscordInteraction;
  /** Acknowledge an interaction as if the app had answered in time (default `{type: 5}`), bypassing the deadline. */
  acknowledgeInteraction(token: string, response?: { type: number; data?: Record<string, unknown> }): DiscordMessage | undefined;
  /**
   * Send an interaction as INTERACTION_CREATE over the Gateway, as Discord does for an application without
   * an Interactions Endpoint URL; the app answers with POST /interactions/{id}/{token}/callback. Throws if
   * the application has an endpoint URL (Discord would POST it there).
   */
  dispatchInteraction(appId: Snowflake, interaction: DiscordInteraction): void;
  /** POST an interaction to the app's endpoint, signed; applies an inline 200 answer like Discord. */
  deliverInteraction(appId: Snowflake, interaction: DiscordInteraction, opts?: DeliverInteractionOptions): Promise<Response>;
  /** Make an interaction token older than its 15-minute lifetime. */
  expireInteraction(token: string): void;
  interactionStatus(token: string): InteractionStatus;
  /** Every call received, in order. */
  calls: DiscordRecordedCall[];
  /** Calls of one route name (case-insensitive). */
  callsTo(route: string): DiscordRecordedCall[];
  /** Every request the fake made to interactions endpoints. */
  deliveries: InteractionDelivery[];
  /** Current non-ephemeral messages, in creation order, optionally of one channel. */
  messages(channelId?: Snowflake): DiscordMessage[];
  /** The response, @original edits, follow-ups and deletes of one interaction, in order. */
  interactionMessages(token: string): InteractionMessageEntry[];
  /** Make the next `times` (default 1) matching calls fail. */
  failNext(matcher: RouteMatcher, failure: DiscordFailure, times?: number): void;
  clearFailures(): void;
  /**
   * Uploads a file to a channel as a user's attachment: the attachment object to put in a message's
   * `attachments`, with a signed CDN `url` this server serves (the fake's origin stands in for cdn.discordapp.com).
   */
  addAttachment(channelId: Snowflake, init: { filename: string; content_type: string; bytes: Uint8Array; width?: number; height?: number }): DiscordAttachment;
  /** Every CDN request for an attachment, in order. */
  cdnDownloads: { path: string; status: number }[];
  /** Forget calls, deliveries and faults (the model stays). */
  reset(): void;
  close(): Promise<void>;
}

/** An attachment object (https://discord.com/developers/docs/resources/message#attachment-object). */
export interface DiscordAttachment {
  id: Snowflake;
  filename: string;
  size: number;
  url: string;
  proxy_url: string;
  content_type: string;
  width?: number;
  height?: number;
}

const DISCORD_EPOCH = 1_420_070_400_000n;
const LOADING = 1 << 7;
const EPHEMERAL = 1 << 6;
const HAS_THREAD = 1 << 5;
const INTERACTIONS_UA = "Discord-Interactions/1.0 (+https://discord.com)";
const ARCHIVE_DURATIONS = [60, 1440, 4320, 10080];
const THREAD_TYPES = new Set([10, 11, 12]);
/** CHAT_INPUT command/option names (application-commands.mdx "Application Command Naming"). */
const CHAT_INPUT_NAME = /^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$/u;

/** Permission bits (topics/permissions.mdx). */
const PERM = {
  CREATE_INSTANT_INVITE: 1n << 0n,
  ADD_REACTIONS: 1n << 6n,
  VIEW_CHANNEL: 1n << 10n,
  SEND_MESSAGES: 1n << 11n,
  EMBED_LINKS: 1n << 14n,
  ATTACH_FILES: 1n << 15n,
  READ_MESSAGE_HISTORY: 1n << 16n,
  USE_EXTERNAL_EMOJIS: 1n << 18n,
  CHANGE_NICKNAME: 1n << 26n,
  USE_APPLICATION_COMMANDS: 1n << 31n,
  CREATE_PUBLIC_THREADS: 1n << 35n,
  SEND_MESSAGES_IN_THREADS: 1n << 38n,
};
const DEFAULT_APP_PERMISSIONS = String(
  PERM.VIEW_CHANNEL |
    PERM.SEND_MESSAGES |
    PERM.EMBED_LINKS |
    PERM.ATTACH_FILES |
    PERM.READ_MESSAGE_HISTORY |
    PERM.ADD_REACTIONS |
    PERM.USE_EXTERNAL_EMOJIS |
    PERM.USE_APPLICATION_COMMANDS |
    PERM.CREATE_PUBLIC_THREADS |
    PERM.SEND_MESSAGES_IN_THREADS,
);
const DEFAULT_MEMBER_PERMISSIONS = String(
  BigInt(DEFAULT_APP_PERMISSIONS) | PERM.CREATE_INSTANT_INVITE | PERM.CHANGE_NICKNAME,
);

let sequence = 0n;

/** A snowflake for `ms` (worker/process 0, increasing sequence). */
function snowflake(ms: number = Date.now()): Snowflake {
  sequence = (sequence + 1n) & 0xfffn;
  return String(((BigInt(Math.floor(ms)) - DISCORD_EPOCH) << 22n) | sequence);
}

/** Discord's ISO 8601 style: microseconds and `+00:00`. */
function isoTime(ms: number): string {
  return new Date(ms).toISOString().replace("Z", "000+00:00");
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function clone<T>(value: T): T {
  return structuredClone(value);
}

/** `{code: 50035, errors, message: "Invalid Form Body"}` with one error at a dotted path ("" = request root). */
function formError(path: string, code: string, message: string): Answer {
  return { status: 400, body: { code: 50035, errors: nestErrors([[path, code, message]]), message: "Invalid Form Body" } };
}

function formErrors(list: [string, string, string][]): Answer {
  return { status: 400, body: { code: 50035, errors: nestErrors(list), message: "Invalid Form Body" } };
}

function nestErrors(list: [string, string, string][]): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [path, code, message] of list) {
    let node = root;
    for (const key of path === "" ? [] : path.split(".")) {
      const next = node[key];
      if (isPlainObject(next)) {
        node = next;
      } else {
        const created: Record<string, unknown> = {};
        node[key] = created;
        node = created;
      }
    }
    const errors = Array.isArray(node._errors) ? (node._errors as unknown[]) : [];
    errors.push({ code, message });
    node._errors = errors;
  }
  return root;
}

function jsonError(status: number, code: number, message: string): Answer {
  return { status, body: { message, code } };
}

const UNAUTHORIZED = (): Answer => jsonError(401, 0, "401: Unauthorized");
const NOT_FOUND = (): Answer => jsonError(404, 0, "404: Not Found");
const UNKNOWN_GUILD = (): Answer => jsonError(404, 10004, "Unknown Guild");
const UNKNOWN_CHANNEL = (): Answer => jsonError(404, 10003, "Unknown Channel");
const UNKNOWN_MESSAGE = (): Answer => jsonError(404, 10008, "Unknown Message");
const UNKNOWN_WEBHOOK = (): Answer => jsonError(404, 10015, "Unknown Webhook");
const UNKNOWN_INTERACTION = (): Answer => jsonError(404, 10062, "Unknown interaction");
const MISSING_ACCESS = (): Answer => jsonError(403, 50001, "Missing Access");
const EMPTY_MESSAGE = (): Answer => jsonError(400, 50006, "Cannot send an empty message");

interface Answer {
  status: number;
  /** JSON body; undefined for 204. */
  body?: unknown;
  headers?: Record<string, string>;
}

interface AppState {
  id: Snowflake;
  name: string;
  botToken: string;
  botId: Snowflake;
  botUser: DiscordUser;
  owner: DiscordUser;
  publicKey: KeyObject;
  privateKey: KeyObject;
  verifyKey: string;
  interactionsEndpointUrl: string | null;
  flags: number;
  description: string;
  tags: string[];
  extra: Record<string, unknown>;
}

interface GuildState {
  id: Snowflake;
  name: string;
  ownerId: Snowflake;
  preferredLocale: string;
  channelIds: Snowflake[];
  members: Set<Snowflake>;
  commands: Map<Snowflake, DiscordApplicationCommand[]>;
}

interface StoredMessage {
  message: DiscordMessage;
  /** "app:<id>" for bots, "user:<id>" otherwise. */
  authorKey: string;
  ephemeral: boolean;
  createdAt: number;
  interactionToken?: string;
  nonce?: string;
}

interface InteractionState {
  payload: DiscordInteraction;
  appId: Snowflake;
  createdAt: number;
  deliveredAt?: number;
  acknowledged: boolean;
  responseType?: number;
  originalMessageId?: Snowflake;
  /** The deferred (loading) original has not been edited yet. */
  loadingOriginal: boolean;
  followupIds: Set<Snowflake>;
  entries: InteractionMessageEntry[];
  commandName?: string;
  commandType?: number;
  targetMessageId?: Snowflake;
}

interface RouteContext {
  call: DiscordRecordedCall;
  params: Record<string, string>;
  body: unknown;
  query: URLSearchParams;
  app?: AppState;
}

interface RouteDef {
  name: string;
  method: string;
  pattern: RegExp;
  keys: string[];
  /** Bot-token routes need `Authorization: Bot <token>`. */
  auth: boolean;
  /** Route parameter that makes a separate rate limit bucket ("top-level resource"). */
  major?: string;
  handler: (ctx: RouteContext) => Answer | Promise<Answer>;
}

function compileRoute(template: string): { pattern: RegExp; keys: string[] } {
  const keys: string[] = [];
  const source = template
    .split("/")
    .map((segment) => {
      const m = /^\{(\w+)\}$/.exec(segment);
      if (!m) return segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      keys.push(m[1] ?? "");
      return "([^/]+)";
    })
    .join("/");
  return { pattern: new RegExp(`^${source}/?$`), keys };
}

function textLength(text: string, unit: "codepoint" | "utf16"): number {
  return unit === "utf16" ? text.length : [...text].length;
}

function userObject(id: Snowflake, username: string, extra: Partial<DiscordUser> = {}): DiscordUser {
  return {
    id,
    username,
    avatar: null,
    discriminator: "0",
    public_flags: 0,
    flags: 0,
    banner: null,
    accent_color: null,
    global_name: null,
    avatar_decoration_data: null,
    banner_color: null,
    ...extra,
  };
}

/** Build the `data` of a `/ask question:<text>` CHAT_INPUT invocation. */
export function slashCommand(
  question: string,
  options: { name?: string; optionName?: string; id?: Snowflake; guildId?: Snowflake } = {},
): ApplicationCommandData {
  const data: ApplicationCommandData = {
    id: options.id ?? snowflake(),
    name: options.name ?? "ask",
    type: 1,
    options: [{ name: options.optionName ?? "question", type: 3, value: question }],
  };
  if (options.guildId !== undefined) data.guild_id = options.guildId;
  return data;
}

/** Build the `data` of a MESSAGE context-menu invocation on `target` (a message, or the id of one the fake knows). */
export function messageCommand(
  target: DiscordMessage | Snowflake,
  options: { name?: string; id?: Snowflake; guildId?: Snowflake } = {},
): ApplicationCommandData {
  const targetId = typeof target === "string" ? target : target.id;
  const data: ApplicationCommandData = {
    id: options.id ?? snowflake(),
    name: options.name ?? "Ask about this",
    type: 3,
    target_id: targetId,
  };
  if (typeof target !== "string") data.resolved = { messages: { [targetId]: clone(target) } };
  if (options.guildId !== undefined) data.guild_id = options.guildId;
  return data;
}

/** Hex Ed25519 signature of `timestamp + body`, as in `X-Signature-Ed25519`. */
export function signDiscordRequest(privateKey: KeyObject, timestamp: string, body: string): string {
  return sign(null, Buffer.from(timestamp + body, "utf8"), privateKey).toString("hex");
}

/** Raw 32-byte Ed25519 public key as hex (Discord's `verify_key` format). */
export function ed25519PublicKeyHex(publicKey: KeyObject): string {
  const jwk = publicKey.export({ format: "jwk" });
  if (typeof jwk.x !== "string") throw new Error("not an Ed25519 public key");
  return Buffer.from(jwk.x, "base64url").toString("hex");
}

/** Start a fake Discord REST API on 127.0.0.1 with an ephemeral port. */
export async function startFakeDiscord(options: FakeDiscordOptions = {}): Promise<FakeDiscord> {
  const apiVersion = options.apiVersion ?? 10;
  const ackDeadlineMs = options.ackDeadlineMs ?? 3000;
  const tokenLifetimeMs = options.tokenLifetimeMs ?? 15 * 60_000;
  const nonceWindowMs = options.nonceWindowMs ?? 5 * 60_000;
  const verifyTimeoutMs = options.verifyTimeoutMs ?? 5000;
  const lengthUnit = options.contentLengthUnit ?? "codepoint";
  const bucketLimit = options.rateLimit?.limit ?? 5;
  const bucketWindowMs = options.rateLimit?.windowMs ?? 5000;
  const enforceRateLimit = options.rateLimit?.enforce ?? false;

  const apps = new Map<Snowflake, AppState>();
  const appsByToken = new Map<string, AppState>();
  const guilds = new Map<Snowflake, GuildState>();
  const channels = new Map<Snowflake, DiscordChannel>();
  const messagesById = new Map<Snowflake, StoredMessage>();
  const interactions = new Map<string, InteractionState>();
  const interactionsById = new Map<Snowflake, InteractionState>();
  const users = new Map<Snowflake, DiscordUser>();
  const buckets = new Map<string, { remaining: number; resetAt: number }>();
  const calls: DiscordRecordedCall[] = [];
  const deliveries: InteractionDelivery[] = [];
  const faults: { matcher: RouteMatcher; failure: DiscordFailure; remaining: number }[] = [];

  const defaultUser = userObject("1100000000000000001", "tester", { global_name: "Tester" });
  users.set(defaultUser.id, defaultUser);
  /** DM channel id → the application whose bot is in it. */
  const dmApps = new Map<Snowflake, Snowflake>();
  /** `${guildId}:${appId}` → the bot's managed role in that guild. */
  const botRoles = new Map<string, Snowflake>();
  const gateway = await startFakeDiscordGateway(
    {
      appByToken: (token) => {
        const app = appsByToken.get(token);
        return app ? { id: app.id, flags: app.flags, botUser: clone(app.botUser) } : undefined;
      },
      guildsOf: (appId) => [...guilds.values()].filter((guild) => guild.members.has(appId)).map(gatewayGuild),
    },
    options.gateway,
  );

  // ---------------------------------------------------------------- model

  function requireApp(appId: Snowflake): AppState {
    const app = apps.get(appId);
    if (!app) throw new Error(`fake Discord: unknown application ${appId}`);
    return app;
  }

  function snapshotApp(app: AppState): FakeDiscordApplication {
    return {
      id: app.id,
      name: app.name,
      botToken: app.botToken,
      botId: app.botId,
      botUsername: app.botUser.username,
      verifyKey: app.verifyKey,
      publicKey: app.publicKey,
      privateKey: app.privateKey,
      interactionsEndpointUrl: app.interactionsEndpointUrl,
    };
  }

  function addApplication(init: FakeDiscordApplicationInit): FakeDiscordApplication {
    if (init.botToken === "") throw new Error("fake Discord: botToken must not be empty");
    if (appsByToken.has(init.botToken)) throw new Error(`fake Discord: bot token already registered`);
    const id = init.id ?? snowflake();
    if (apps.has(id)) throw new Error(`fake Discord: application ${id} already exists`);
    const { publicKey, privateKey } = init.keyPair ?? generateKeyPairSync("ed25519");
    const botId = init.botId ?? id;
    const discriminator = String(Number(BigInt(botId) % 10000n)).padStart(4, "0");
    const app: AppState = {
      id,
      name: init.name,
      botToken: init.botToken,
      botId,
      botUser: userObject(botId, init.botUsername ?? init.name, { discriminator, bot: true }),
      owner: userObject(snowflake(), `${init.name.toLowerCase().replace(/[^a-z0-9_.]/g, "")}_owner`),
      publicKey,
      privateKey,
      verifyKey: ed25519PublicKeyHex(publicKey),
      interactionsEndpointUrl: init.interactionsEndpointUrl ?? null,
      flags: init.flags ?? 0,
      description: "",
      tags: [],
      extra: { event_webhooks_url: null, event_webhooks_status: 1, event_webhooks_types: [], role_connections_verification_url: null },
    };
    apps.set(id, app);
    appsByToken.set(app.botToken, app);
    return snapshotApp(app);
  }

  function channelObject(init: FakeDiscordChannelInit, guildId: Snowflake, position: number, ownerId: Snowflake): DiscordChannel {
    const id = init.id ?? snowflake();
    const base: DiscordChannel = {
      id,
      type: init.type,
      guild_id: guildId,
      name: init.name,
      parent_id: init.parentId ?? null,
      flags: 0,
    };
    if (THREAD_TYPES.has(init.type)) {
      if (init.parentId === undefined) throw new Error(`fake Discord: thread ${init.name} needs parentId`);
      const now = Date.now();
      return {
        ...base,
        owner_id: ownerId,
        last_message_id: null,
        message_count: 0,
        member_count: 1,
        total_message_sent: 0,
        rate_limit_per_user: 0,
        thread_metadata: {
          archived: false,
          auto_archive_duration: 1440,
          archive_timestamp: isoTime(now),
          locked: false,
          create_timestamp: isoTime(now),
          ...(init.type === 12 ? { invitable: true } : {}),
        },
      };
    }
    const positioned = { ...base, position: init.position ?? position, permission_overwrites: [] };
    switch (init.type) {
      case 4:
        return positioned;
      case 2:
      case 13:
        return { ...positioned, bitrate: 64000, user_limit: 0, rtc_region: null, last_message_id: null, rate_limit_per_user: 0, nsfw: false };
      case 15:
      case 16:
        return {
          ...positioned,
          topic: init.topic ?? null,
          nsfw: false,
          rate_limit_per_user: 0,
          last_message_id: null,
          available_tags: [],
          default_reaction_emoji: null,
          default_sort_order: null,
          default_forum_layout: 0,
          default_thread_rate_limit_per_user: 0,
          template: "",
        };
      default:
        return { ...positioned, topic: init.topic ?? null, nsfw: false, last_message_id: null, rate_limit_per_user: 0 };
    }
  }

  function addGuild(init: FakeDiscordGuildInit): FakeDiscordGuild {
    const id = init.id ?? snowflake();
    if (guilds.has(id)) throw new Error(`fake Discord: guild ${id} already exists`);
    for (const appId of init.members ?? []) requireApp(appId);
    const guild: GuildState = {
      id,
      name: init.name,
      ownerId: init.ownerId ?? defaultUser.id,
      preferredLocale: init.preferredLocale ?? "en-US",
      channelIds: [],
      members: new Set(init.members ?? []),
      commands: new Map(),
    };
    guilds.set(id, guild);
    let position = 0;
    for (const c of init.channels ?? []) {
      const channel = channelObject(c, id, THREAD_TYPES.has(c.type) ? 0 : position++, guild.ownerId);
      if (channels.has(channel.id)) throw new Error(`fake Discord: channel ${channel.id} already exists`);
      channels.set(channel.id, channel);
      guild.channelIds.push(channel.id);
    }
    return snapshotGuild(guild);
  }

  function snapshotGuild(guild: GuildState): FakeDiscordGuild {
    return {
      id: guild.id,
      name: guild.name,
      ownerId: guild.ownerId,
      channels: guild.channelIds.map((cid) => clone(channels.get(cid) as DiscordChannel)),
      members: [...guild.members],
    };
  }

  function botRole(guildId: Snowflake, appId: Snowflake): Snowflake {
    const key = `${guildId}:${appId}`;
    const known = botRoles.get(key) ?? snowflake();
    botRoles.set(key, known);
    return known;
  }

  /** The role Discord creates for a bot when it joins a guild (permissions.mdx "Role Tags": `tags.bot_id`). */
  function managedRole(guild: GuildState, app: AppState, position: number): Record<string, unknown> {
    return {
      id: botRole(guild.id, app.id),
      name: app.botUser.username,
      description: null,
      permissions: DEFAULT_APP_PERMISSIONS,
      position,
      color: 0,
      colors: { primary_color: 0, secondary_color: null, tertiary_color: null },
      hoist: false,
      managed: true,
      mentionable: false,
      icon: null,
      unicode_emoji: null,
      flags: 0,
      tags: { bot_id: app.botId },
    };
  }

  function guildObject(guild: GuildState): Record<string, unknown> {
    const systemChannel = guild.channelIds.map((c) => channels.get(c)).find((c) => c?.type === 0);
    const members = [...guild.members].flatMap((appId) => (apps.has(appId) ? [apps.get(appId) as AppState] : []));
    return {
      id: guild.id,
      name: guild.name,
      icon: null,
      icon_hash: null,
      splash: null,
      discovery_splash: null,
      owner_id: guild.ownerId,
      afk_channel_id: null,
      afk_timeout: 300,
      widget_enabled: false,
      widget_channel_id: null,
      verification_level: 0,
      default_message_notifications: 0,
      explicit_content_filter: 0,
      roles: [
        {
          id: guild.id,
          name: "@everyone",
          description: null,
          permissions: DEFAULT_MEMBER_PERMISSIONS,
          position: 0,
          color: 0,
          colors: { primary_color: 0, secondary_color: null, tertiary_color: null },
          hoist: false,
          managed: false,
          mentionable: false,
          icon: null,
          unicode_emoji: null,
          flags: 0,
        },
        ...members.map((app, i) => managedRole(guild, app, i + 1)),
      ],
      emojis: [],
      features: [],
      mfa_level: 0,
      application_id: null,
      system_channel_id: systemChannel?.id ?? null,
      system_channel_flags: 0,
      rules_channel_id: null,
      max_presences: null,
      max_members: 500000,
      vanity_url_code: null,
      description: null,
      banner: null,
      premium_tier: 0,
      premium_subscription_count: 0,
      preferred_locale: guild.preferredLocale,
      public_updates_channel_id: null,
      max_video_channel_users: 25,
      max_stage_video_channel_users: 50,
      nsfw: false,
      nsfw_level: 0,
      stickers: [],
      premium_progress_bar_enabled: false,
      safety_alerts_channel_id: null,
      incidents_data: null,
    };
  }

  function guildOfChannel(channel: DiscordChannel): GuildState | undefined {
    return channel.guild_id === undefined ? undefined : guilds.get(channel.guild_id);
  }

  /** GUILD_CREATE's guild: the REST guild with its channels and active threads (gateway-events.mdx "Guild Create"). */
  function gatewayGuild(guild: GuildState): Record<string, unknown> {
    const all = guild.channelIds.map((id) => clone(channels.get(id) as DiscordChannel));
    return {
      ...guildObject(guild),
      large: false,
      member_count: guild.members.size + 1,
      members: [],
      voice_states: [],
      presences: [],
      stage_instances: [],
      guild_scheduled_events: [],
      soundboard_sounds: [],
      channels: all.filter((c) => !THREAD_TYPES.has(c.type)),
      threads: all.filter((c) => THREAD_TYPES.has(c.type) && !(c.thread_metadata as { archived?: boolean } | undefined)?.archived),
    };
  }

  /** Applications whose bot sees a channel: the guild's members, or the DM's bot. */
  function watchersOf(channel: DiscordChannel): Snowflake[] {
    const guild = guildOfChannel(channel);
    if (guild) return [...guild.members];
    const dmApp = dmApps.get(channel.id);
    return dmApp ? [dmApp] : [];
  }

  /** MESSAGE_CREATE/UPDATE's message: the message with the extra fields of gateway-events.mdx "Message Create". */
  function gatewayMessage(message: DiscordMessage): Record<string, unknown> {
    const channel = channels.get(message.channel_id);
    const guildId = channel?.guild_id;
    const member = { roles: [], joined_at: isoTime(Date.now()), deaf: false, mute: false, flags: 0, pending: false, premium_since: null, nick: null, avatar: null, banner: null, communication_disabled_until: null };
    return {
      ...clone(message),
      ...(channel ? { channel_type: channel.type } : {}),
      ...(guildId !== undefined ? { guild_id: guildId, ...(message.webhook_id === undefined ? { member } : {}) } : {}),
    };
  }

  function dispatchToWatchers(channelId: Snowflake, t: string, d: unknown): void {
    const channel = channels.get(channelId);
    if (!channel) return;
    for (const appId of watchersOf(channel)) gateway.dispatch(appId, t, d);
  }

  function openDirectMessage(appId: Snowflake, init: Partial<DiscordUser> = {}): DiscordChannel {
    requireApp(appId);
    const user = init.id ? { ...userObject(init.id, init.username ?? `user${init.id.slice(-4)}`), ...init } : clone(defaultUser);
    rememberUser(user);
    const existing = [...dmApps.entries()].find(([channelId, owner]) => owner === appId && (channels.get(channelId)?.recipients as DiscordUser[] | undefined)?.[0]?.id === user.id);
    if (existing) return clone(channels.get(existing[0]) as DiscordChannel);
    const channel: DiscordChannel = { id: snowflake(), type: 1, flags: 0, last_message_id: null, recipients: [clone(user)] };
    channels.set(channel.id, channel);
    dmApps.set(channel.id, appId);
    return clone(channel);
  }

  function rememberUser(user: DiscordUser): void {
    if (!user.bot) users.set(user.id, user);
  }

  function mentionedUser(id: Snowflake): DiscordUser {
    const known = users.get(id) ?? [...apps.values()].find((a) => a.botId === id)?.botUser;
    return clone(known ?? userObject(id, `user${id.slice(-4)}`));
  }

  /** `mentions`, `mention_roles`, `mention_everyone` after `allowed_mentions` (message.mdx "Allowed Mentions"). */
  function computeMentions(
    content: string,
    allowed: unknown,
    repliedAuthor?: DiscordUser,
  ): { mentions: DiscordUser[]; mention_roles: Snowflake[]; mention_everyone: boolean } {
    const rules = isPlainObject(allowed) ? allowed : undefined;
    const parse = rules ? (Array.isArray(rules.parse) ? (rules.parse as unknown[]) : []) : ["users", "roles", "everyone"];
    const allowedUsers = rules && Array.isArray(rules.users) ? (rules.users as unknown[]).map(String) : [];
    const allowedRoles = rules && Array.isArray(rules.roles) ? (rules.roles as unknown[]).map(String) : [];
    const userIds = [...content.matchAll(/<@!?(\d{15,21})>/g)].map((m) => m[1] ?? "");
    const roleIds = [...content.matchAll(/<@&(\d{15,21})>/g)].map((m) => m[1] ?? "");
    const mentionIds = [...new Set(userIds.filter((id) => parse.includes("users") || allowedUsers.includes(id)))];
    if (repliedAuthor && (!rules || rules.replied_user === true) && !mentionIds.includes(repliedAuthor.id)) {
      mentionIds.push(repliedAuthor.id);
    }
    return {
      mentions: mentionIds.map(mentionedUser),
      mention_roles: [...new Set(roleIds.filter((id) => parse.includes("roles") || allowedRoles.includes(id)))],
      // Real Discord also needs MENTION_EVERYONE for a ping; the fake reports what the text + rules would allow.
      mention_everyone: parse.includes("everyone") && /@(everyone|here)\b/.test(content),
    };
  }

  function storeMessage(stored: StoredMessage): void {
    messagesById.set(stored.message.id, stored);
    if (stored.ephemeral) return;
    const channel = channels.get(stored.message.channel_id);
    if (!channel) return;
    channel.last_message_id = stored.message.id;
    if (THREAD_TYPES.has(channel.type)) {
      channel.message_count = Number(channel.message_count ?? 0) + 1;
      channel.total_message_sent = Number(channel.total_message_sent ?? 0) + 1;
    }
  }

  function messageInChannel(channelId: Snowflake, messageId: Snowflake): StoredMessage | undefined {
    const stored = messagesById.get(messageId);
    return stored && !stored.ephemeral && stored.message.channel_id === channelId ? stored : undefined;
  }

  function threadPosition(channelId: Snowflake): Record<string, unknown> {
    const channel = channels.get(channelId);
    return channel && THREAD_TYPES.has(channel.type) ? { position: Number(channel.total_message_sent ?? 0) } : {};
  }

  function addMessage(channelId: Snowflake, init: Partial<DiscordMessage> & { content: string }): DiscordMessage {
    const now = Date.now();
    const author = init.author ? { ...userObject(init.author.id, init.author.username), ...init.author } : clone(defaultUser);
    rememberUser(author);
    const id = init.id ?? snowflake(now);
    const message: DiscordMessage = {
      type: 0,
      ...computeMentions(init.content, undefined),
      attachments: [],
      embeds: [],
      timestamp: isoTime(now),
      edited_timestamp: null,
      flags: 0,
      components: [],
      pinned: false,
      tts: false,
      ...threadPosition(channelId),
      ...init,
      id,
      channel_id: channelId,
      author,
    };
    storeMessage({ message, authorKey: author.bot ? `bot:${author.id}` : `user:${author.id}`, ephemeral: false, createdAt: now });
    return clone(message);
  }

  // ---------------------------------------------------------------- interactions

  function requireInteraction(token: string): InteractionState {
    const state = interactions.get(token);
    if (!state) throw new Error(`fake Discord: unknown interaction token ${token.slice(0, 12)}…`);
    return state;
  }

  function isExpired(state: InteractionState): boolean {
    return Date.now() - state.createdAt > tokenLifetimeMs;
  }

  function pastAckDeadline(state: InteractionState): boolean {
    return Date.now() - (state.deliveredAt ?? state.createdAt) > ackDeadlineMs;
  }

  function createInteraction(appId: Snowflake, init: InteractionInit): DiscordInteraction {
    const app = requireApp(appId);
    const createdAt = Date.now() - (init.ageMs ?? 0);
    const {
      ageMs: _age,
      member: memberInit,
      user: userInit,
      data: dataInit,
      type: _type,
      guild_id: _guild,
      channel_id: _channel,
      locale: _locale,
      guild_locale: _guildLocale,
      app_permissions: _permissions,
      context: _context,
      id: _id,
      token: _token,
      ...rest
    } = init;
    const type = init.type ?? 2;
    const id = init.id ?? snowflake(createdAt);
    const token =
      init.token ?? Buffer.from(`interaction:${id}:${randomBytes(48).toString("base64url")}`).toString("base64url");
    if (interactions.has(token)) throw new Error("fake Discord: interaction token already used");

    let channel = init.channel_id !== undefined ? channels.get(init.channel_id) : undefined;
    let guild: GuildState | undefined;
    if (init.guild_id === null) {
      guild = undefined;
    } else if (init.guild_id !== undefined) {
      guild = guilds.get(init.guild_id);
      if (!guild) throw new Error(`fake Discord: unknown guild ${init.guild_id}`);
    } else if (channel) {
      guild = guildOfChannel(channel);
    } else if (init.channel_id === undefined) {
      guild = [...guilds.values()].find((g) => g.members.has(appId));
    }
    if (!channel && init.channel_id === undefined && guild) {
      channel = guild.channelIds.map((c) => channels.get(c)).find((c) => c?.type === 0);
    }
    const channelId = channel?.id ?? init.channel_id ?? snowflake();

    const user: DiscordUser = {
      ...clone(defaultUser),
      ...(isPlainObject(memberInit?.user) ? (memberInit.user as Partial<DiscordUser>) : {}),
      ...userInit,
    } as DiscordUser;
    rememberUser(user);

    let data = dataInit ? clone(dataInit) : undefined;
    if (data && type === 2) {
      const cmd = data as ApplicationCommandData;
      const registered = guild?.commands.get(appId)?.find((c) => c.name === cmd.name && c.type === (cmd.type ?? 1));
      if (registered) {
        cmd.id = registered.id;
        cmd.guild_id = guild?.id;
      }
      cmd.id ??= snowflake();
      if (cmd.type === 3 && typeof cmd.target_id === "string" && cmd.resolved === undefined) {
        const target = messagesById.get(cmd.target_id);
        if (target) cmd.resolved = { messages: { [cmd.target_id]: clone(target.message) } };
      }
    }

    const context = init.context ?? (guild ? 0 : 1);
    const payload: DiscordInteraction = {
      app_permissions: init.app_permissions ?? DEFAULT_APP_PERMISSIONS,
      application_id: appId,
      attachment_size_limit: 10_485_760,
      authorizing_integration_owners: guild ? { "0": guild.id } : { "0": "0" },
      channel: channel
        ? { ...pickChannel(channel), permissions: DEFAULT_MEMBER_PERMISSIONS }
        : { id: channelId, type: 1, flags: 0, last_message_id: null, recipients: [clone(user)] },
      channel_id: channelId,
      context,
      ...(data ? { data } : {}),
      entitlement_sku_ids: [],
      entitlements: [],
      ...(guild
        ? {
            guild: { id: guild.id, locale: guild.preferredLocale, features: [] },
            guild_id: guild.id,
            guild_locale: init.guild_locale ?? guild.preferredLocale,
          }
        : {}),
      id,
      locale: init.locale ?? "en-US",
      ...(guild
        ? {
            member: {
              avatar: null,
              banner: null,
              communication_disabled_until: null,
              deaf: false,
              flags: 0,
              joined_at: isoTime(createdAt - 86_400_000),
              mute: false,
              nick: null,
              pending: false,
              permissions: DEFAULT_MEMBER_PERMISSIONS,
              premium_since: null,
              roles: [],
              unusual_dm_activity_until: null,
              ...memberInit,
              user,
            },
          }
        : { user }),
      token,
      type,
      version: 1,
      ...rest,
    };

    const state: InteractionState = {
      payload,
      appId: app.id,
      createdAt,
      acknowledged: false,
      loadingOriginal: false,
      followupIds: new Set(),
      entries: [],
    };
    if (data && isPlainObject(data)) {
      if (typeof data.name === "string") state.commandName = data.name;
      if (typeof data.type === "number") state.commandType = data.type;
      if (typeof data.target_id === "string") state.targetMessageId = data.target_id;
    }
    interactions.set(token, state);
    interactionsById.set(id, state);
    return clone(payload);
  }

  function pickChannel(channel: DiscordChannel): Record<string, unknown> {
    const keys = ["id", "name", "type", "last_message_id", "nsfw", "parent_id", "guild_id", "flags", "rate_limit_per_user", "topic", "position", "thread_metadata", "owner_id", "member_count", "message_count", "total_message_sent"];
    const out: Record<string, unknown> = {};
    for (const key of keys) if (channel[key] !== undefined) out[key] = clone(channel[key]);
    return out;
  }

  function interactionMetadata(state: InteractionState, original: boolean): Record<string, unknown> {
    const user = (isPlainObject(state.payload.member) ? state.payload.member.user : state.payload.user) as DiscordUser;
    const meta: Record<string, unknown> = {
      id: state.payload.id,
      type: state.payload.type,
      user: clone(user),
      authorizing_integration_owners: clone(state.payload.authorizing_integration_owners),
    };
    if (state.commandName !== undefined) meta.name = state.commandName;
    if (state.commandType !== undefined) meta.command_type = state.commandType;
    if (!original && state.originalMessageId !== undefined) meta.original_response_message_id = state.originalMessageId;
    if (state.commandType === 3 && state.targetMessageId !== undefined) meta.target_message_id = state.targetMessageId;
    return meta;
  }

  function validateMessageBody(body: Record<string, unknown>, prefix: string, requireSomething: boolean): Answer | undefined {
    const errors: [string, string, string][] = [];
    const at = (key: string): string => (prefix === "" ? key : `${prefix}.${key}`);
    if (body.content !== undefined && body.content !== null) {
      if (typeof body.content !== "string") errors.push([at("content"), "BASE_TYPE_STRING", "Must be a string."]);
      else if (textLength(body.content, lengthUnit) > 2000) {
        errors.push([at("content"), "BASE_TYPE_MAX_LENGTH", "Must be 2000 or fewer in length."]);
      }
    }
    if (Array.isArray(body.embeds) && body.embeds.length > 10) {
      errors.push([at("embeds"), "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length."]);
    }
    const allowed = body.allowed_mentions;
    if (allowed !== undefined && allowed !== null) {
      if (!isPlainObject(allowed)) {
        errors.push([at("allowed_mentions"), "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType"]);
      } else {
        const parse = Array.isArray(allowed.parse) ? (allowed.parse as unknown[]) : [];
        parse.forEach((value, i) => {
          if (!["roles", "users", "everyone"].includes(String(value))) {
            errors.push([at(`allowed_mentions.parse.${i}`), "BASE_TYPE_CHOICES", "Value must be one of {'roles', 'users', 'everyone'}."]);
          }
        });
        // approximate code/message
        for (const kind of ["users", "roles"]) {
          const list = allowed[kind];
          if (parse.includes(kind) && Array.isArray(list) && list.length > 0) {
            errors.push([
              at("allowed_mentions"),
              "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE",
              `parse:["${kind}"] and ${kind}: [ids...] are mutually exclusive.`,
            ]);
          }
        }
      }
    }
    if (errors.length > 0) return formErrors(errors);
    if (requireSomething) {
      const hasContent = typeof body.content === "string" && body.content.trim() !== "";
      const hasEmbeds = Array.isArray(body.embeds) && body.embeds.length > 0;
      const hasComponents = Array.isArray(body.components) && body.components.length > 0;
      const hasStickers = Array.isArray(body.sticker_ids) && body.sticker_ids.length > 0;
      if (!hasContent && !hasEmbeds && !hasComponents && !hasStickers && body.poll === undefined) return EMPTY_MESSAGE();
    }
    return undefined;
  }

  function interactionMessage(
    state: InteractionState,
    data: Record<string, unknown>,
    opts: { original: boolean; loading: boolean; ephemeral: boolean },
  ): DiscordMessage {
    const app = requireApp(state.appId);
    const now = Date.now();
    const content = typeof data.content === "string" ? data.content : "";
    const flags =
      (opts.ephemeral ? EPHEMERAL : 0) | (opts.loading ? LOADING : 0) | (Number(data.flags ?? 0) & (4 | 4096 | 32768));
    // Original response: CHAT_INPUT_COMMAND (20) or CONTEXT_MENU_COMMAND (23) for commands;
    // follow-ups: REPLY (19) to the original response (assumption, see interaction_metadata docs).
    let type = 19;
    if (opts.original) type = state.payload.type !== 2 ? 0 : (state.commandType ?? 1) === 1 ? 20 : 23;
    const metadata = interactionMetadata(state, opts.original);
    const message: DiscordMessage = {
      type,
      content,
      ...computeMentions(content, data.allowed_mentions),
      attachments: [],
      embeds: Array.isArray(data.embeds) ? clone(data.embeds) : [],
      timestamp: isoTime(now),
      edited_timestamp: null,
      flags,
      components: Array.isArray(data.components) ? clone(data.components) : [],
      id: snowflake(now),
      channel_id: String(state.payload.channel_id),
      author: clone(app.botUser),
      pinned: false,
      tts: data.tts === true,
      application_id: app.id,
      webhook_id: app.id,
      interaction_metadata: metadata,
      interaction: { id: state.payload.id, type: state.payload.type, name: state.commandName ?? "", user: clone(metadata.user) },
      ...threadPosition(String(state.payload.channel_id)),
    };
    const referenceId = opts.original ? (state.commandType === 3 ? state.targetMessageId : undefined) : state.originalMessageId;
    if (referenceId !== undefined) {
      const referenced = messagesById.get(referenceId);
      message.message_reference = {
        type: 0,
        channel_id: message.channel_id,
        message_id: referenceId,
        ...(state.payload.guild_id !== undefined ? { guild_id: state.payload.guild_id } : {}),
      };
      message.referenced_message = referenced ? clone(referenced.message) : null;
    }
    return message;
  }

  function recordEntry(state: InteractionState, kind: InteractionMessageEntry["kind"], route: string, message: DiscordMessage, original: boolean): void {
    state.entries.push({ kind, route, messageId: message.id, original, content: message.content, message: clone(message), at: Date.now() });
  }

  /** Apply an initial interaction response (inline HTTP answer or the callback route). */
  function applyResponse(state: InteractionState, response: unknown, route: string, bypassDeadline = false): Answer & { message?: DiscordMessage } {
    if (state.acknowledged) return jsonError(400, 40060, "Interaction has already been acknowledged.");
    if (isExpired(state) || (!bypassDeadline && pastAckDeadline(state))) return UNKNOWN_INTERACTION();
    if (!isPlainObject(response) || typeof response.type !== "number" || !Number.isInteger(response.type)) {
      return formError("type", "BASE_TYPE_REQUIRED", "This field is required");
    }
    const allowed: Record<number, number[]> = { 2: [4, 5, 9, 10, 12], 3: [4, 5, 6, 7, 9, 10, 12], 4: [8], 5: [4, 5, 6, 7, 10, 12] };
    const permitted = allowed[state.payload.type] ?? [1];
    if (!permitted.includes(response.type)) {
      // approximate: Discord rejects response types that do not fit the interaction type
      return formError("type", "INTERACTION_RESPONSE_TYPE_INVALID", "Interaction response type is invalid for this interaction.");
    }
    const data = isPlainObject(response.data) ? response.data : {};
    let message: DiscordMessage | undefined;
    if (response.type === 4) {
      const invalid = validateMessageBody(data, "data", true);
      if (invalid) return invalid;
      const ephemeral = (Number(data.flags ?? 0) & EPHEMERAL) !== 0;
      message = interactionMessage(state, data, { original: true, loading: false, ephemeral });
    } else if (response.type === 5) {
      const flags = Number(data.flags ?? 0);
      message = interactionMessage(state, {}, { original: true, loading: true, ephemeral: (flags & EPHEMERAL) !== 0 });
      state.loadingOriginal = true;
    }
    state.acknowledged = true;
    state.responseType = response.type;
    if (message) {
      state.originalMessageId = message.id;
      storeMessage({
        message,
        authorKey: `app:${state.appId}`,
        ephemeral: (message.flags & EPHEMERAL) !== 0,
        createdAt: Date.now(),
        interactionToken: state.payload.token,
      });
      recordEntry(state, "response", route, message, true);
    }
    return { status: 204, ...(message ? { message } : {}) };
  }

  function acknowledgeInteraction(token: string, response: { type: number; data?: Record<string, unknown> } = { type: 5 }): DiscordMessage | undefined {
    const state = requireInteraction(token);
    const answer = applyResponse(state, response, "acknowledgeInteraction", true);
    if (answer.status !== 204) throw new Error(`fake Discord: cannot acknowledge: ${JSON.stringify(answer.body)}`);
    return answer.message ? clone(answer.message) : undefined;
  }

  // ---------------------------------------------------------------- signing and outgoing requests

  function signedHeaders(app: AppState, body: string, timestamp: string, bad: boolean): Record<string, string> {
    const signature = bad
      ? signDiscordRequest(app.privateKey, timestamp, `${body} `) // a real signature, over other bytes
      : signDiscordRequest(app.privateKey, timestamp, body);
    return { "x-signature-ed25519": signature, "x-signature-timestamp": timestamp };
  }

  async function post(
    delivery: InteractionDelivery,
    timeoutMs: number,
  ): Promise<Response> {
    deliveries.push(delivery);
    try {
      const response = await fetch(delivery.url, {
        method: "POST",
        headers: delivery.headers,
        body: delivery.body,
        signal: AbortSignal.timeout(timeoutMs),
      });
      delivery.status = response.status;
      return response;
    } catch (error) {
      delivery.error = (error as Error).name === "TimeoutError" ? "timeout" : (error as Error).message;
      throw error;
    }
  }

  async function deliverInteraction(appId: Snowflake, interaction: DiscordInteraction, opts: DeliverInteractionOptions = {}): Promise<Response> {
    const app = requireApp(appId);
    const url = opts.url ?? app.interactionsEndpointUrl;
    if (!url) throw new Error(`fake Discord: application ${appId} has no interactions endpoint URL`);
    const state = interactions.get(interaction.token);
    const body = opts.rawBody ?? JSON.stringify(interaction);
    const timestamp = opts.timestamp ?? String(Math.floor(Date.now() / 1000));
    const headers: Record<string, string> = {
      "content-type": "application/json",
      "user-agent": INTERACTIONS_UA,
      ...(opts.unsigned ? {} : signedHeaders(app, body, timestamp, opts.badSignature === true)),
    };
    const delivery: InteractionDelivery = {
      kind: "interaction",
      appId,
      url,
      interactionId: interaction.id,
      body,
      headers,
      at: Date.now(),
    };
    if (state && state.deliveredAt === undefined) state.deliveredAt = Date.now();
    const response = await post(delivery, opts.timeoutMs ?? 10_000);
    const text = await response.clone().text();
    delivery.responseBody = text;
    delivery.acknowledged = false;
    if (!state) {
      delivery.ackError = "interaction unknown to the fake";
    } else if (response.status === 202) {
      delivery.acknowledged = state.acknowledged;
      if (!state.acknowledged) delivery.ackError = "202 without a callback";
    } else if (response.status !== 200) {
      delivery.ackError = `endpoint answered ${response.status}`;
    } else if (!(response.headers.get("content-type") ?? "").includes("application/json")) {
      delivery.ackError = "200 without a JSON content type";
    } else {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        delivery.ackError = "200 with a body that is not JSON";
      }
      if (delivery.ackError === undefined) {
        const applied = applyResponse(state, parsed, "inline");
        if (applied.status === 204) delivery.acknowledged = true;
        else delivery.ackError = JSON.stringify(applied.body);
      }
    }
    return response;
  }

  /** Discord's check before storing `interactions_endpoint_url`: a signed PING must get PONG, a bad signature 401. */
  async function verifyEndpoint(app: AppState, url: string): Promise<boolean> {
    const probe = async (kind: "verify_ping" | "verify_bad_signature"): Promise<{ status?: number; text: string; type?: string }> => {
      const id = snowflake();
      const body = JSON.stringify({
        application_id: app.id,
        entitlements: [],
        id,
        token: Buffer.from(`interaction:${id}:${randomBytes(24).toString("base64url")}`).toString("base64url"),
        type: 1,
        user: clone(app.owner),
        version: 1,
      });
      const timestamp = String(Math.floor(Date.now() / 1000));
      const delivery: InteractionDelivery = {
        kind,
        appId: app.id,
        url,
        interactionId: id,
        body,
        headers: {
          "content-type": "application/json",
          "user-agent": INTERACTIONS_UA,
          ...signedHeaders(app, body, timestamp, kind === "verify_bad_signature"),
        },
        at: Date.now(),
      };
      try {
        const response = await post(delivery, verifyTimeoutMs);
        const text = await response.text();
        delivery.responseBody = text;
        return { status: response.status, text, type: response.headers.get("content-type") ?? "" };
      } catch {
        return { text: "" };
      }
    };
    const ping = await probe("verify_ping");
    if (ping.status !== 200 || !(ping.type ?? "").includes("application/json")) return false;
    try {
      const pong: unknown = JSON.parse(ping.text);
      if (!isPlainObject(pong) || pong.type !== 1) return false;
    } catch {
      return false;
    }
    const bad = await probe("verify_bad_signature");
    return bad.status === 401;
  }

  // ---------------------------------------------------------------- route handlers

  function applicationObject(app: AppState): Record<string, unknown> {
    const guildCount = [...guilds.values()].filter((g) => g.members.has(app.id)).length;
    return {
      id: app.id,
      name: app.name,
      icon: null,
      description: app.description,
      summary: "",
      type: null,
      hook: true,
      bot_public: true,
      bot_require_code_grant: false,
      verify_key: app.verifyKey,
      flags: app.flags,
      owner: clone(app.owner),
      team: null,
      bot: clone(app.botUser),
      tags: [...app.tags],
      redirect_uris: [],
      interactions_endpoint_url: app.interactionsEndpointUrl,
      ...clone(app.extra),
      explicit_content_filter: 0,
      is_monetized: false,
      is_verified: false,
      is_discoverable: false,
      integration_types_config: {
        "0": { oauth2_install_params: { scopes: ["applications.commands", "bot"], permissions: "0" } },
        "1": {},
      },
      approximate_guild_count: guildCount,
      approximate_user_install_count: 0,
      approximate_user_authorization_count: 0,
    };
  }

  async function editCurrentApplication(ctx: RouteContext): Promise<Answer> {
    const app = ctx.app as AppState;
    if (!isPlainObject(ctx.body)) return formError("", "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType");
    const body = ctx.body;
    if (body.description !== undefined && body.description !== null) {
      if (typeof body.description !== "string" || textLength(body.description, lengthUnit) > 400) {
        return formError("description", "BASE_TYPE_MAX_LENGTH", "Must be 400 or fewer in length.");
      }
    }
    let newUrl: string | null | undefined;
    if ("interactions_endpoint_url" in body) {
      const raw = body.interactions_endpoint_url;
      if (raw === null || raw === "") {
        newUrl = null;
      } else if (typeof raw !== "string") {
        return formError("interactions_endpoint_url", "BASE_TYPE_STRING", "Must be a string.");
      } else {
        let parsed: URL | undefined;
        try {
          parsed = new URL(raw);
        } catch {
          parsed = undefined;
        }
        const okScheme = parsed && (parsed.protocol === "https:" || (!options.requireHttps && parsed.protocol === "http:"));
        if (!parsed || !okScheme || parsed.hostname === "") {
          // approximate code/message for a malformed URL
          return formError("interactions_endpoint_url", "URL_TYPE_INVALID_URL", "Not a well formed URL.");
        }
        if (!(await verifyEndpoint(app, raw))) {
          return formError(
            "interactions_endpoint_url",
            "APPLICATION_INTERACTIONS_ENDPOINT_URL_INVALID",
            "The specified interactions endpoint URL could not be verified.",
          );
        }
        newUrl = raw;
      }
    }
    if (newUrl !== undefined) app.interactionsEndpointUrl = newUrl;
    if (typeof body.description === "string") app.description = body.description;
    if (Array.isArray(body.tags)) app.tags = body.tags.map(String);
    if (typeof body.flags === "number") app.flags = body.flags;
    for (const key of ["event_webhooks_url", "event_webhooks_status", "event_webhooks_types", "role_connections_verification_url", "install_params", "custom_install_url"]) {
      if (key in body) app.extra[key] = clone(body[key]);
    }
    return { status: 200, body: applicationObject(app) };
  }

  function getGuild(ctx: RouteContext): Answer {
    const guild = guilds.get(ctx.params.guild_id ?? "");
    // Since 2023 Discord answers 404 Unknown Guild both for unknown guilds and for guilds the bot
    // is not in (discord/discord-api-docs#5840; previously 403 Missing Access 50001).
    if (!guild || !guild.members.has((ctx.app as AppState).id)) return UNKNOWN_GUILD();
    return { status: 200, body: guildObject(guild) };
  }

  function getGuildChannels(ctx: RouteContext): Answer {
    const guild = guilds.get(ctx.params.guild_id ?? "");
    if (!guild || !guild.members.has((ctx.app as AppState).id)) return UNKNOWN_GUILD();
    const list = guild.channelIds
      .map((id) => channels.get(id))
      .filter((c): c is DiscordChannel => c !== undefined && !THREAD_TYPES.has(c.type))
      .map((c) => clone(c));
    return { status: 200, body: list };
  }

  /** The channel if the bot can see it, else the error Discord gives. */
  function accessibleChannel(ctx: RouteContext): DiscordChannel | Answer {
    const channel = channels.get(ctx.params.channel_id ?? "");
    if (!channel) return UNKNOWN_CHANNEL();
    const guild = guildOfChannel(channel);
    if (guild && !guild.members.has((ctx.app as AppState).id)) return MISSING_ACCESS();
    return channel;
  }

  function isAnswer(value: unknown): value is Answer {
    return isPlainObject(value) && typeof value.status === "number" && !("id" in value);
  }

  function getChannel(ctx: RouteContext): Answer {
    const channel = accessibleChannel(ctx);
    if (isAnswer(channel)) return channel;
    return { status: 200, body: clone(channel) };
  }

  function validateCommands(body: unknown): Answer | undefined {
    if (!Array.isArray(body)) return formError("", "BASE_TYPE_ARRAY", "Must be an array."); // approximate
    const errors: [string, string, string][] = [];
    const counts = new Map<number, number>();
    const seen = new Set<string>();
    body.forEach((cmd: unknown, i) => {
      if (!isPlainObject(cmd)) {
        errors.push([String(i), "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType"]);
        return;
      }
      const type = cmd.type === undefined ? 1 : cmd.type;
      if (type !== 1 && type !== 2 && type !== 3) {
        errors.push([`${i}.type`, "BASE_TYPE_CHOICES", "Value must be one of {1, 2, 3}."]); // approximate
        return;
      }
      counts.set(type, (counts.get(type) ?? 0) + 1);
      const name = cmd.name;
      if (typeof name !== "string" || name === "") {
        errors.push([`${i}.name`, "BASE_TYPE_REQUIRED", "This field is required"]);
      } else if ([...name].length > 32) {
        errors.push([`${i}.name`, "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 32 in length."]);
      } else if (type === 1 && (!CHAT_INPUT_NAME.test(name) || name !== name.toLowerCase())) {
        errors.push([`${i}.name`, "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid"]);
      } else if (seen.has(`${type}:${name}`)) {
        errors.push([`${i}.name`, "APPLICATION_COMMANDS_DUPLICATE_NAME", `Application command names must be unique`]); // approximate
      } else {
        seen.add(`${type}:${name}`);
      }
      const description = cmd.description;
      if (type === 1) {
        if (typeof description !== "string" || description === "") {
          errors.push([`${i}.description`, "BASE_TYPE_REQUIRED", "This field is required"]);
        } else if ([...description].length > 100) {
          errors.push([`${i}.description`, "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length."]);
        }
      } else if (typeof description === "string" && description !== "") {
        // approximate code/message
        errors.push([`${i}.description`, "APPLICATION_COMMAND_INVALID_DESCRIPTION", "Context menu commands cannot have description"]);
      }
      if (cmd.options !== undefined) {
        if (type !== 1) {
          errors.push([`${i}.options`, "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID", "Context menu commands cannot have options"]); // approximate
        } else if (!Array.isArray(cmd.options)) {
          errors.push([`${i}.options`, "BASE_TYPE_ARRAY", "Must be an array."]);
        } else {
          if (cmd.options.length > 25) errors.push([`${i}.options`, "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length."]);
          cmd.options.forEach((opt: unknown, j) => {
            if (!isPlainObject(opt)) return;
            const optName = opt.name;
            if (typeof optName !== "string" || !CHAT_INPUT_NAME.test(optName) || optName !== optName.toLowerCase()) {
              errors.push([`${i}.options.${j}.name`, "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid"]);
            }
            if (typeof opt.description !== "string" || opt.description === "" || [...opt.description].length > 100) {
              errors.push([`${i}.options.${j}.description`, "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length."]);
            }
            if (typeof opt.type !== "number" || !Number.isInteger(opt.type) || opt.type < 1 || opt.type > 11) {
              errors.push([`${i}.options.${j}.type`, "BASE_TYPE_CHOICES", "Value must be one of {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}."]);
            }
          });
        }
      }
    });
    if (errors.length > 0) return formErrors(errors);
    const limits: [number, number][] = [[1, 100], [2, 15], [3, 15]];
    for (const [type, limit] of limits) {
      if ((counts.get(type) ?? 0) > limit) {
        return jsonError(400, 30032, `Maximum number of application commands reached (${limit})`); // approximate text
      }
    }
    return undefined;
  }

  function sameCommand(a: DiscordApplicationCommand, b: DiscordApplicationCommand): boolean {
    const strip = (c: DiscordApplicationCommand): string => {
      const { id: _id, version: _version, ...rest } = c;
      return JSON.stringify(rest);
    };
    return strip(a) === strip(b);
  }

  function commandsGuild(ctx: RouteContext): GuildState | Answer {
    const app = ctx.app as AppState;
    if (ctx.params.application_id !== app.id) return MISSING_ACCESS(); // approximate: token of another app
    const guild = guilds.get(ctx.params.guild_id ?? "");
    // The app must be authorized in the guild (applications.commands scope), else Missing Access.
    if (!guild || !guild.members.has(app.id)) return MISSING_ACCESS();
    return guild;
  }

  function bulkOverwriteGuildCommands(ctx: RouteContext): Answer {
    const guild = commandsGuild(ctx);
    if (!("commands" in guild)) return guild;
    const invalid = validateCommands(ctx.body);
    if (invalid) return invalid;
    const app = ctx.app as AppState;
    const existing = guild.commands.get(app.id) ?? [];
    const result: DiscordApplicationCommand[] = (ctx.body as Record<string, unknown>[]).map((cmd) => {
      const type = (cmd.type as number | undefined) ?? 1;
      const previous = existing.find((c) => c.name === cmd.name && c.type === type);
      const command: DiscordApplicationCommand = {
        id: previous?.id ?? snowflake(),
        application_id: app.id,
        version: "",
        default_member_permissions: (cmd.default_member_permissions as string | null | undefined) ?? null,
        type,
        name: String(cmd.name),
        name_localizations: (cmd.name_localizations as unknown) ?? null,
        description: typeof cmd.description === "string" ? cmd.description : "",
        description_localizations: (cmd.description_localizations as unknown) ?? null,
        guild_id: guild.id,
        nsfw: cmd.nsfw === true,
        ...(Array.isArray(cmd.options) && cmd.options.length > 0 ? { options: clone(cmd.options) } : {}),
      };
      const unchanged = previous !== undefined && sameCommand(previous, command);
      command.version = unchanged ? previous.version : snowflake();
      return command;
    });
    guild.commands.set(app.id, result);
    return { status: 200, body: clone(result) };
  }

  function getGuildCommands(ctx: RouteContext): Answer {
    const guild = commandsGuild(ctx);
    if (!("commands" in guild)) return guild;
    return { status: 200, body: clone(guild.commands.get((ctx.app as AppState).id) ?? []) };
  }

  function createMessage(ctx: RouteContext): Answer {
    const channel = accessibleChannel(ctx);
    if (isAnswer(channel)) return channel;
    const app = ctx.app as AppState;
    if (channel.type === 4 || channel.type === 15 || channel.type === 16) {
      return jsonError(400, 50008, "Cannot send messages in a non-text channel");
    }
    const body = isPlainObject(ctx.body) ? ctx.body : {};
    const invalid = validateMessageBody(body, "", false);
    if (invalid) return invalid;
    const nonce = body.nonce;
    if (nonce !== undefined && nonce !== null) {
      if (typeof nonce === "string" && textLength(nonce, "codepoint") > 25) {
        return formError("nonce", "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.");
      }
      if (typeof nonce !== "string" && typeof nonce !== "number") return formError("nonce", "BASE_TYPE_STRING", "Must be a string.");
    }
    const authorKey = `app:${app.id}`;
    if (body.enforce_nonce === true && nonce !== undefined && nonce !== null) {
      // "If another message was created by the same author with the same nonce, that message will
      // be returned and no new message will be created" (message.mdx, enforce_nonce).
      const now = Date.now();
      for (const stored of messagesById.values()) {
        if (stored.authorKey === authorKey && stored.nonce === String(nonce) && now - stored.createdAt <= nonceWindowMs) {
          return { status: 200, body: clone(stored.message) };
        }
      }
    }
    let referenced: StoredMessage | undefined;
    const reference = body.message_reference;
    if (reference !== undefined && reference !== null) {
      if (!isPlainObject(reference)) return formError("message_reference", "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType");
      const refType = reference.type ?? 0;
      if (refType === 0) {
        const refChannel = typeof reference.channel_id === "string" ? reference.channel_id : channel.id;
        referenced = typeof reference.message_id === "string" ? messageInChannel(refChannel, reference.message_id) : undefined;
        if (!referenced && reference.fail_if_not_exists !== false) {
          return formError("message_reference", "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", "Unknown message");
        }
      }
    }
    const somethingToSend =
      (typeof body.content === "string" && body.content.trim() !== "") ||
      (Array.isArray(body.embeds) && body.embeds.length > 0) ||
      (Array.isArray(body.components) && body.components.length > 0) ||
      (Array.isArray(body.sticker_ids) && body.sticker_ids.length > 0) ||
      body.poll !== undefined;
    if (!somethingToSend) return EMPTY_MESSAGE();
    const now = Date.now();
    const content = typeof body.content === "string" ? body.content : "";
    const message: DiscordMessage = {
      type: referenced ? 19 : 0,
      content,
      ...computeMentions(content, body.allowed_mentions, referenced?.message.author),
      attachments: [],
      embeds: Array.isArray(body.embeds) ? clone(body.embeds) : [],
      timestamp: isoTime(now),
      edited_timestamp: null,
      flags: Number(body.flags ?? 0) & (4 | 4096 | 32768),
      components: Array.isArray(body.components) ? clone(body.components) : [],
      id: snowflake(now),
      channel_id: channel.id,
      author: clone(app.botUser),
      pinned: false,
      tts: body.tts === true,
      ...(nonce !== undefined && nonce !== null ? { nonce } : {}),
      ...threadPosition(channel.id),
    };
    if (referenced) {
      message.message_reference = {
        type: 0,
        channel_id: referenced.message.channel_id,
        message_id: referenced.message.id,
        ...(channel.guild_id !== undefined ? { guild_id: channel.guild_id } : {}),
      };
      message.referenced_message = clone(referenced.message);
    }
    const stored: StoredMessage = { message, authorKey, ephemeral: false, createdAt: now };
    if (nonce !== undefined && nonce !== null) stored.nonce = String(nonce);
    storeMessage(stored);
    // Discord sends a bot its own messages too (gateway.mdx: they keep their content whatever the intents).
    dispatchToWatchers(channel.id, "MESSAGE_CREATE", gatewayMessage(message));
    return { status: 200, body: clone(message) };
  }

  function getChannelMessage(ctx: RouteContext): Answer {
    const channel = accessibleChannel(ctx);
    if (isAnswer(channel)) return channel;
    const stored = messageInChannel(channel.id, ctx.params.message_id ?? "");
    if (!stored) return UNKNOWN_MESSAGE();
    return { status: 200, body: clone(stored.message) };
  }

  /** PATCH /channels/{channel.id}/messages/{message.id}: the author edits content (message.mdx "Edit Message"). */
  function editChannelMessage(ctx: RouteContext): Answer {
    const channel = accessibleChannel(ctx);
    if (isAnswer(channel)) return channel;
    const stored = messageInChannel(channel.id, ctx.params.message_id ?? "");
    if (!stored) return UNKNOWN_MESSAGE();
    if (stored.authorKey !== `app:${(ctx.app as AppState).id}`) return jsonError(403, 50005, "Cannot edit a message authored by another user");
    const body = isPlainObject(ctx.body) ? ctx.body : {};
    const invalid = validateMessageBody(body, "", false);
    if (invalid) return invalid;
    const candidate = clone(stored);
    editStoredMessage(candidate, body);
    if (isEmpty(candidate.message)) return EMPTY_MESSAGE();
    editStoredMessage(stored, body);
    // Every edit reaches the Gateway as MESSAGE_UPDATE, the bot's own too (gateway-events.mdx "Message Update").
    dispatchToWatchers(channel.id, "MESSAGE_UPDATE", gatewayMessage(stored.message));
    return { status: 200, body: clone(stored.message) };
  }

  /** DELETE /channels/{channel.id}/messages/{message.id}: a bot deletes its own messages (others need MANAGE_MESSAGES, not modelled). */
  function deleteChannelMessage(ctx: RouteContext): Answer {
    const channel = accessibleChannel(ctx);
    if (isAnswer(channel)) return channel;
    const stored = messageInChannel(channel.id, ctx.params.message_id ?? "");
    if (!stored) return UNKNOWN_MESSAGE();
    if (stored.authorKey !== `app:${(ctx.app as AppState).id}`) return jsonError(403, 50013, "Missing Permissions");
    messagesById.delete(stored.message.id);
    dispatchToWatchers(channel.id, "MESSAGE_DELETE", { id: stored.message.id, channel_id: channel.id, ...(channel.guild_id !== undefined ? { guild_id: channel.guild_id } : {}) });
    return { status: 204 };
  }

  function startThreadFromMessage(ctx: RouteContext): Answer {
    const channel = accessibleChannel(ctx);
    if (isAnswer(channel)) return channel;
    const stored = messageInChannel(channel.id, ctx.params.message_id ?? "");
    if (!stored) return UNKNOWN_MESSAGE();
    if (channel.type !== 0 && channel.type !== 5) return jsonError(400, 50024, "Cannot execute action on this channel type");
    const body = isPlainObject(ctx.body) ? ctx.body : {};
    const errors: [string, string, string][] = [];
    if (typeof body.name !== "string" || body.name === "") {
      errors.push(["name", "BASE_TYPE_REQUIRED", "This field is required"]);
    } else if (textLength(body.name, "codepoint") > 100) {
      errors.push(["name", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length."]);
    }
    const duration = body.auto_archive_duration;
    if (duration !== undefined && duration !== null && !ARCHIVE_DURATIONS.includes(Number(duration))) {
      errors.push(["auto_archive_duration", "BASE_TYPE_CHOICES", "Value must be one of {60, 1440, 4320, 10080}."]);
    }
    const slowmode = body.rate_limit_per_user;
    if (slowmode !== undefined && slowmode !== null && (typeof slowmode !== "number" || slowmode < 0 || slowmode > 21600)) {
      errors.push(["rate_limit_per_user", "NUMBER_TYPE_MAX", "int value should be less than or equal to 21600."]);
    }
    if (errors.length > 0) return formErrors(errors);
    // The thread id equals the message id, so a message can only ever get one thread.
    if (channels.has(stored.message.id)) return jsonError(400, 160004, "A thread has already been created for this message");
    const now = Date.now();
    const app = ctx.app as AppState;
    const thread: DiscordChannel = {
      id: stored.message.id,
      type: channel.type === 5 ? 10 : 11,
      last_message_id: null,
      flags: 0,
      guild_id: channel.guild_id as Snowflake,
      name: body.name as string,
      parent_id: channel.id,
      rate_limit_per_user: typeof slowmode === "number" ? slowmode : 0,
      bitrate: 64000,
      user_limit: 0,
      rtc_region: null,
      owner_id: app.botId,
      thread_metadata: {
        archived: false,
        archive_timestamp: isoTime(now),
        auto_archive_duration: Number(duration ?? channel.default_auto_archive_duration ?? 4320),
        locked: false,
        create_timestamp: isoTime(now),
      },
      message_count: 0,
      member_count: 1,
      total_message_sent: 0,
      member: { id: stored.message.id, user_id: app.botId, join_timestamp: isoTime(now), flags: 1 },
    };
    channels.set(thread.id, thread);
    guildOfChannel(channel)?.channelIds.push(thread.id);
    stored.message.flags |= HAS_THREAD;
    const { member: _member, ...threadInMessage } = thread;
    stored.message.thread = clone(threadInMessage);
    // "fires a Thread Create and a Message Update Gateway event" (channel.mdx "Start Thread from Message").
    dispatchToWatchers(channel.id, "THREAD_CREATE", { ...clone(thread), newly_created: true });
    dispatchToWatchers(channel.id, "MESSAGE_UPDATE", gatewayMessage(stored.message));
    return { status: 201, body: clone(thread) };
  }

  function triggerTyping(ctx: RouteContext): Answer {
    const channel = accessibleChannel(ctx);
    if (isAnswer(channel)) return channel;
    return { status: 204 };
  }

  /** The interaction behind `/webhooks/{application_id}/{token}`, or Discord's error. */
  function webhookInteraction(ctx: RouteContext): InteractionState | Answer {
    const state = interactions.get(ctx.params.token ?? "");
    if (!state || state.appId !== ctx.params.application_id) return UNKNOWN_WEBHOOK();
    ctx.call.appId = state.appId;
    if (isExpired(state)) {
      return options.expiredTokenError === "unknown_webhook"
        ? UNKNOWN_WEBHOOK()
        : jsonError(401, 50027, "Invalid Webhook Token");
    }
    // The token only works after the initial response (slash-create#127, discord-api-docs#6851).
    if (!state.acknowledged) return UNKNOWN_WEBHOOK();
    return state;
  }

  function isState(value: InteractionState | Answer): value is InteractionState {
    return "payload" in value;
  }

  function interactionMessageId(state: InteractionState, raw: string): Snowflake | undefined {
    if (raw === "@original") return state.originalMessageId;
    return raw === state.originalMessageId || state.followupIds.has(raw) ? raw : undefined;
  }

  function getWebhookMessage(ctx: RouteContext): Answer {
    const state = webhookInteraction(ctx);
    if (!isState(state)) return state;
    const id = interactionMessageId(state, ctx.params.message_id ?? "@original");
    const stored = id === undefined ? undefined : messagesById.get(id);
    if (!stored) return UNKNOWN_MESSAGE();
    return { status: 200, body: clone(stored.message) };
  }

  function editStoredMessage(stored: StoredMessage, body: Record<string, unknown>): void {
    const message = stored.message;
    const wasLoading = (message.flags & LOADING) !== 0;
    if ("content" in body) message.content = typeof body.content === "string" ? body.content : "";
    if ("embeds" in body) message.embeds = Array.isArray(body.embeds) ? clone(body.embeds) : [];
    if ("components" in body) message.components = Array.isArray(body.components) ? clone(body.components) : [];
    if (typeof body.flags === "number") {
      message.flags = (message.flags & (EPHEMERAL | HAS_THREAD)) | (body.flags & (4 | 4096 | 32768));
    }
    message.flags &= ~LOADING;
    Object.assign(message, computeMentions(message.content, body.allowed_mentions));
    // Editing the "thinking…" placeholder is the first real content, not an edit (assumption).
    if (!wasLoading) message.edited_timestamp = isoTime(Date.now());
  }

  function isEmpty(message: DiscordMessage): boolean {
    return (
      message.content.trim() === "" &&
      (!Array.isArray(message.embeds) || message.embeds.length === 0) &&
      (!Array.isArray(message.components) || message.components.length === 0)
    );
  }

  function editWebhookMessage(ctx: RouteContext): Answer {
    const state = webhookInteraction(ctx);
    if (!isState(state)) return state;
    const id = interactionMessageId(state, ctx.params.message_id ?? "@original");
    const stored = id === undefined ? undefined : messagesById.get(id);
    if (!stored) return UNKNOWN_MESSAGE();
    const body = isPlainObject(ctx.body) ? ctx.body : {};
    const invalid = validateMessageBody(body, "", false);
    if (invalid) return invalid;
    const candidate = clone(stored);
    editStoredMessage(candidate, body);
    if (isEmpty(candidate.message)) return EMPTY_MESSAGE();
    editStoredMessage(stored, body);
    const original = stored.message.id === state.originalMessageId;
    if (original) state.loadingOriginal = false;
    recordEntry(state, "edit", ctx.call.route ?? "", stored.message, original);
    return { status: 200, body: clone(stored.message) };
  }

  function deleteWebhookMessage(ctx: RouteContext): Answer {
    const state = webhookInteraction(ctx);
    if (!isState(state)) return state;
    const id = interactionMessageId(state, ctx.params.message_id ?? "@original");
    const stored = id === undefined ? undefined : messagesById.get(id);
    if (!stored) return UNKNOWN_MESSAGE();
    messagesById.delete(stored.message.id);
    const original = stored.message.id === state.originalMessageId;
    if (original) state.loadingOriginal = false;
    state.followupIds.delete(stored.message.id);
    recordEntry(state, "delete", ctx.call.route ?? "", stored.message, original);
    return { status: 204 };
  }

  function createFollowup(ctx: RouteContext): Answer {
    const state = webhookInteraction(ctx);
    if (!isState(state)) return state;
    const body = isPlainObject(ctx.body) ? ctx.body : {};
    const invalid = validateMessageBody(body, "", true);
    if (invalid) return invalid;
    const originalStored = state.originalMessageId === undefined ? undefined : messagesById.get(state.originalMessageId);
    if (state.loadingOriginal && originalStored) {
      // Deprecated backwards-compatible behaviour: the first follow-up after a type-5 defer edits
      // the loading message; the ephemeral flag of the defer is kept (receiving-and-responding.mdx).
      const { flags: _ignored, ...rest } = body;
      editStoredMessage(originalStored, rest);
      state.loadingOriginal = false;
      recordEntry(state, "edit", ctx.call.route ?? "", originalStored.message, true);
      return { status: 200, body: clone(originalStored.message) };
    }
    const ephemeral = (Number(body.flags ?? 0) & EPHEMERAL) !== 0;
    const message = interactionMessage(state, body, { original: false, loading: false, ephemeral });
    storeMessage({ message, authorKey: `app:${state.appId}`, ephemeral, createdAt: Date.now(), interactionToken: state.payload.token });
    state.followupIds.add(message.id);
    recordEntry(state, "followup", ctx.call.route ?? "", message, false);
    return { status: 200, body: clone(message) };
  }

  function createInteractionResponse(ctx: RouteContext): Answer {
    const state = interactionsById.get(ctx.params.interaction_id ?? "");
    if (!state || state.payload.token !== ctx.params.token) return UNKNOWN_INTERACTION();
    ctx.call.appId = state.appId;
    const applied = applyResponse(state, ctx.body, "createInteractionResponse");
    if (applied.status !== 204) return { status: applied.status, body: applied.body };
    if (ctx.query.get("with_response") === "true") {
      const message = applied.message;
      return {
        status: 200,
        body: {
          interaction: {
            id: state.payload.id,
            type: state.payload.type,
            ...(message
              ? {
                  response_message_id: message.id,
                  response_message_loading: (message.flags & LOADING) !== 0,
                  response_message_ephemeral: (message.flags & EPHEMERAL) !== 0,
                }
              : {}),
          },
          resource: { type: state.responseType, ...(message && state.responseType === 4 ? { message: clone(message) } : {}) },
        },
      };
    }
    return { status: 204 };
  }

  const routes: RouteDef[] = [];
  function route(name: string, method: string, template: string, auth: boolean, handler: RouteDef["handler"], major?: string): void {
    routes.push({ name, method, ...compileRoute(template), auth, handler, ...(major ? { major } : {}) });
  }
  route("getGateway", "GET", "/gateway", false, () => ({ status: 200, body: { url: gateway.url } }));
  route("getGatewayBot", "GET", "/gateway/bot", true, (ctx) => ({
    status: 200,
    body: {
      url: gateway.url,
      shards: 1,
      session_start_limit: { total: 1000, remaining: Math.max(0, 1000 - gateway.identifies((ctx.app as AppState).id)), reset_after: 86_400_000, max_concurrency: 1 },
    },
  }));
  route("getCurrentApplication", "GET", "/applications/@me", true, (ctx) => ({ status: 200, body: applicationObject(ctx.app as AppState) }));
  route("editCurrentApplication", "PATCH", "/applications/@me", true, editCurrentApplication);
  route("getGuild", "GET", "/guilds/{guild_id}", true, getGuild, "guild_id");
  route("getGuildChannels", "GET", "/guilds/{guild_id}/channels", true, getGuildChannels, "guild_id");
  route("getGuildApplicationCommands", "GET", "/applications/{application_id}/guilds/{guild_id}/commands", true, getGuildCommands, "guild_id");
  route("bulkOverwriteGuildApplicationCommands", "PUT", "/applications/{application_id}/guilds/{guild_id}/commands", true, bulkOverwriteGuildCommands, "guild_id");
  route("getChannel", "GET", "/channels/{channel_id}", true, getChannel, "channel_id");
  route("createMessage", "POST", "/channels/{channel_id}/messages", true, createMessage, "channel_id");
  route("getChannelMessage", "GET", "/channels/{channel_id}/messages/{message_id}", true, getChannelMessage, "channel_id");
  route("editMessage", "PATCH", "/channels/{channel_id}/messages/{message_id}", true, editChannelMessage, "channel_id");
  route("deleteMessage", "DELETE", "/channels/{channel_id}/messages/{message_id}", true, deleteChannelMessage, "channel_id");
  route("startThreadFromMessage", "POST", "/channels/{channel_id}/messages/{message_id}/threads", true, startThreadFromMessage, "channel_id");
  route("triggerTypingIndicator", "POST", "/channels/{channel_id}/typing", true, triggerTyping, "channel_id");
  route("createInteractionResponse", "POST", "/interactions/{interaction_id}/{token}/callback", false, createInteractionResponse, "interaction_id");
  route("getOriginalInteractionResponse", "GET", "/webhooks/{application_id}/{token}/messages/@original", false, getWebhookMessage, "token");
  route("editOriginalInteractionResponse", "PATCH", "/webhooks/{application_id}/{token}/messages/@original", false, editWebhookMessage, "token");
  route("deleteOriginalInteractionResponse", "DELETE", "/webhooks/{application_id}/{token}/messages/@original", false, deleteWebhookMessage, "token");
  route("createFollowupMessage", "POST", "/webhooks/{application_id}/{token}", false, createFollowup, "token");
  route("getFollowupMessage", "GET", "/webhooks/{application_id}/{token}/messages/{message_id}", false, getWebhookMessage, "token");
  route("editFollowupMessage", "PATCH", "/webhooks/{application_id}/{token}/messages/{message_id}", false, editWebhookMessage, "token");
  route("deleteFollowupMessage", "DELETE", "/webhooks/{application_id}/{token}/messages/{message_id}", false, deleteWebhookMessage, "token");

  function matchRoute(method: string, path: string): { route: RouteDef; params: Record<string, string> } | "method" | undefined {
    let pathMatched = false;
    for (const r of routes) {
      const m = r.pattern.exec(path);
      if (!m) continue;
      pathMatched = true;
      if (r.method !== method) continue;
      const params: Record<string, string> = {};
      r.keys.forEach((key, i) => {
        params[key] = decodeURIComponent(m[i + 1] ?? "");
      });
      return { route: r, params };
    }
    return pathMatched ? "method" : undefined;
  }

  // ---------------------------------------------------------------- rate limits and faults

  function bucketHash(name: string): string {
    return createHash("sha1").update(name).digest("hex").slice(0, 32);
  }

  function rateLimitHeaders(limit: number, remaining: number, resetAfterMs: number, bucket: string): Record<string, string> {
    const resetAfter = Math.max(0, resetAfterMs) / 1000;
    return {
      "x-ratelimit-limit": String(limit),
      "x-ratelimit-remaining": String(remaining),
      "x-ratelimit-reset": ((Date.now() + resetAfterMs) / 1000).toFixed(3),
      "x-ratelimit-reset-after": resetAfter.toFixed(3),
      "x-ratelimit-bucket": bucket,
    };
  }

  /** Count the request in its bucket; returns headers, or a 429 answer when enforcing and exhausted. */
  function consumeBucket(r: RouteDef, params: Record<string, string>): { headers: Record<string, string>; limited?: Answer } {
    const key = `${r.name}:${r.major ? (params[r.major] ?? "") : ""}`;
    const now = Date.now();
    let state = buckets.get(key);
    if (!state || state.resetAt <= now) {
      state = { remaining: bucketLimit, resetAt: now + bucketWindowMs };
      buckets.set(key, state);
    }
    const bucket = bucketHash(r.name);
    if (state.remaining <= 0) {
      const headers = rateLimitHeaders(bucketLimit, 0, state.resetAt - now, bucket);
      if (enforceRateLimit) {
        const retryAfter = Math.max(0.001, (state.resetAt - now) / 1000);
        return { headers, limited: rateLimited(retryAfter, false, "user", bucket, bucketLimit) };
      }
      return { headers };
    }
    state.remaining -= 1;
    return { headers: rateLimitHeaders(bucketLimit, state.remaining, state.resetAt - now, bucket) };
  }

  function rateLimited(retryAfter: number, global: boolean, scope: "user" | "global" | "shared", bucket: string, limit: number): Answer {
    const headers: Record<string, string> = {
      "retry-after": String(Math.ceil(retryAfter)),
      ...(global ? {} : rateLimitHeaders(limit, 0, retryAfter * 1000, bucket)),
      "x-ratelimit-scope": scope,
    };
    if (global) headers["x-ratelimit-global"] = "true";
    return {
      status: 429,
      headers,
      body: {
        message: scope === "shared" ? "The resource is being rate limited." : "You are being rate limited.",
        retry_after: retryAfter,
        global,
      },
    };
  }

  function matches(matcher: RouteMatcher, call: DiscordRecordedCall): boolean {
    if (typeof matcher === "string") {
      return matcher === "*" || (call.route !== undefined && call.route.toLowerCase() === matcher.toLowerCase());
    }
    if (matcher instanceof RegExp) return matcher.test(`${call.method} ${call.path}`);
    return matcher(call);
  }

  function takeFault(call: DiscordRecordedCall): DiscordFailure | undefined {
    const index = faults.findIndex((f) => matches(f.matcher, call));
    const entry = faults[index];
    if (!entry) return undefined;
    entry.remaining -= 1;
    if (entry.remaining === 0) faults.splice(index, 1);
    return entry.failure;
  }

  function failureAnswer(failure: DiscordFailure, r: RouteDef | undefined): Answer | undefined {
    if (failure.kind === "rate_limit") {
      return rateLimited(
        failure.retryAfter ?? 1.5,
        failure.global === true,
        failure.scope ?? (failure.global ? "global" : "user"),
        failure.bucket ?? bucketHash(r?.name ?? "unknown"),
        failure.limit ?? bucketLimit,
      );
    }
    if (failure.kind === "error") {
      const reason = failure.status >= 500 ? { 500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout" }[failure.status] : undefined;
      const body: Record<string, unknown> = {
        message: failure.message ?? `${failure.status}: ${reason ?? "Error"}`,
        code: failure.code ?? 0,
      };
      if (failure.errors !== undefined) body.errors = failure.errors;
      return { status: failure.status, body };
    }
    return undefined;
  }

  // ---------------------------------------------------------------- HTTP

  function send(res: ServerResponse, call: DiscordRecordedCall, answer: Answer): void {
    call.status = answer.status;
    call.response = answer.body;
    if (answer.body === undefined) {
      if (res.destroyed || res.headersSent) return;
      res.writeHead(answer.status, answer.headers ?? {});
      res.end();
      return;
    }
    sendJson(res, answer.status, answer.body, answer.headers ?? {});
  }

  async function handleRequest(req: IncomingMessage, res: ServerResponse, signal: AbortSignal): Promise<void> {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const raw = await readBody(req);
    if (url.pathname.startsWith("/attachments/") && req.method === "GET") {
      serveAttachment(url, res);
      return;
    }
    const prefix = /^\/api(?:\/v\d+)?(?=\/|$)/.exec(url.pathname);
    const path = prefix ? url.pathname.slice(prefix[0].length) || "/" : url.pathname;
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers[key.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
    }
    const rawBody = raw.toString("utf8");
    const method = (req.method ?? "GET").toUpperCase();
    const call: DiscordRecordedCall = {
      method,
      path,
      query: Object.fromEntries(url.searchParams),
      body: undefined,
      rawBody,
      headers,
      at: Date.now(),
    };
    calls.push(call);
    const contentType = (headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
    let jsonOk = true;
    if (rawBody.trim() !== "") {
      try {
        call.body = JSON.parse(rawBody);
      } catch {
        call.body = rawBody;
        jsonOk = false;
      }
    }
    if (!prefix) {
      send(res, call, NOT_FOUND());
      return;
    }
    const matched = matchRoute(method, path);
    if (matched === undefined) {
      send(res, call, NOT_FOUND());
      return;
    }
    if (matched === "method") {
      send(res, call, jsonError(405, 0, "405: Method Not Allowed"));
      return;
    }
    const { route: r, params } = matched;
    call.route = r.name;
    let app: AppState | undefined;
    if (r.auth) {
      const m = /^Bot (.+)$/.exec(headers.authorization ?? "");
      app = m ? appsByToken.get(m[1] ?? "") : undefined;
      if (app) call.appId = app.id;
    }

    const failure = takeFault(call);
    if (failure) {
      call.faulted = true;
      if (failure.kind === "drop") {
        call.dropped = true;
        dropConnection(req, res);
        return;
      }
      if (failure.kind === "delay") {
        await sleep(failure.ms, signal);
        if (signal.aborted) return;
      } else {
        const answer = failureAnswer(failure, r);
        if (answer) {
          send(res, call, answer);
          return;
        }
      }
    }

    if (r.auth && !app) {
      send(res, call, UNAUTHORIZED());
      return;
    }
    const { headers: limitHeaders, limited } = consumeBucket(r, params);
    if (limited) {
      send(res, call, limited);
      return;
    }
    let answer: Answer;
    if (rawBody.trim() !== "" && contentType !== "application/json") {
      answer = formError("", "CONTENT_TYPE_INVALID", `Expected "Content-Type" header to be one of {'application/json'}.`);
    } else if (!jsonOk) {
      answer = jsonError(400, 50109, "The request body contains invalid JSON.");
    } else {
      const ctx: RouteContext = { call, params, body: call.body, query: url.searchParams };
      if (app) ctx.app = app;
      answer = await r.handler(ctx);
    }
    send(res, call, { ...answer, headers: { ...limitHeaders, ...answer.headers } });
  }

  const attachments = new Map<string, Uint8Array>();
  const cdnDownloads: FakeDiscord["cdnDownloads"] = [];

  /** CDN links carry ex (expiry, hex seconds), is (issued) and hm (signature); the fake's signature is the attachment id. */
  function addAttachment(channelId: Snowflake, init: { filename: string; content_type: string; bytes: Uint8Array; width?: number; height?: number }): DiscordAttachment {
    const id = snowflake();
    const path = `/attachments/${channelId}/${id}/${encodeURIComponent(init.filename)}`;
    const issued = Math.floor(Date.now() / 1000);
    const query = `?ex=${(issued + 86_400).toString(16)}&is=${issued.toString(16)}&hm=${id}&`;
    attachments.set(path, init.bytes);
    return {
      id,
      filename: init.filename,
      size: init.bytes.length,
      url: `${server.origin}${path}${query}`,
      proxy_url: `${server.origin}${path}${query}`,
      content_type: init.content_type,
      ...(init.width !== undefined ? { width: init.width } : {}),
      ...(init.height !== undefined ? { height: init.height } : {}),
    };
  }

  /** Like Discord's CDN, an attachment link without its valid signature or past its expiry is refused. */
  function serveAttachment(url: URL, res: ServerResponse): void {
    const bytes = attachments.get(url.pathname);
    const id = url.pathname.split("/")[3];
    const expired = Number.parseInt(url.searchParams.get("ex") ?? "0", 16) * 1000 < Date.now();
    const signed = bytes !== undefined && url.searchParams.get("hm") === id && !expired;
    cdnDownloads.push({ path: url.pathname, status: signed ? 200 : 404 });
    if (!signed) {
      res.writeHead(404, { "content-type": "text/plain" });
      res.end("This content is no longer available.");
      return;
    }
    res.writeHead(200, { "content-type": "application/octet-stream", "content-length": String(bytes.length) });
    res.end(Buffer.from(bytes));
  }

  const server = await startLoopbackServer(handleRequest);
  for (const app of options.applications ?? []) addApplication(app);
  for (const guild of options.guilds ?? []) addGuild(guild);

  return {
    url: `${server.origin}/api/v${apiVersion}`,
    origin: server.origin,
    addAttachment,
    cdnDownloads,
    addApplication,
    application(appId) {
      return snapshotApp(requireApp(appId));
    },
    addGuild,
    setGuildMember(guildId, appId, member) {
      const guild = guilds.get(guildId);
      if (!guild) throw new Error(`fake Discord: unknown guild ${guildId}`);
      requireApp(appId);
      if (member) guild.members.add(appId);
      else guild.members.delete(appId);
    },
    channel(channelId) {
      const channel = channels.get(channelId);
      return channel ? clone(channel) : undefined;
    },
    addMessage,
    sendMessage(channelId, init) {
      const message = addMessage(channelId, init);
      dispatchToWatchers(channelId, "MESSAGE_CREATE", gatewayMessage(message));
      return message;
    },
    openDirectMessage,
    gateway,
    commands(appId, guildId) {
      return clone(guilds.get(guildId)?.commands.get(appId) ?? []);
    },
    botRole,
    createInteraction,
    acknowledgeInteraction,
    deliverInteraction,
    dispatchInteraction(appId, interaction) {
      const app = requireApp(appId);
      if (app.interactionsEndpointUrl) throw new Error(`fake Discord: application ${appId} has an Interactions Endpoint URL; interactions go there`);
      const state = interactions.get(interaction.token);
      if (state && state.deliveredAt === undefined) state.deliveredAt = Date.now();
      gateway.dispatch(appId, "INTERACTION_CREATE", clone(interaction));
    },
    expireInteraction(token) {
      const state = requireInteraction(token);
      state.createdAt = Math.min(state.createdAt, Date.now() - tokenLifetimeMs - 1000);
    },
    interactionStatus(token) {
      const state = requireInteraction(token);
      const status: InteractionStatus = {
        id: state.payload.id,
        token,
        appId: state.appId,
        createdAt: state.createdAt,
        acknowledged: state.acknowledged,
        expired: isExpired(state),
      };
      if (state.responseType !== undefined) status.responseType = state.responseType;
      if (state.originalMessageId !== undefined) status.originalMessageId = state.originalMessageId;
      return status;
    },
    calls,
    callsTo(name) {
      const lower = name.toLowerCase();
      return calls.filter((c) => c.route?.toLowerCase() === lower);
    },
    deliveries,
    messages(channelId) {
      return [...messagesById.values()]
        .filter((m) => !m.ephemeral && (channelId === undefined || m.message.channel_id === channelId))
        .map((m) => clone(m.message));
    },
    interactionMessages(token) {
      return clone(requireInteraction(token).entries);
    },
    failNext(matcher, failure, times = 1) {
      if (!Number.isInteger(times) || times < 1) throw new Error(`times must be a positive integer, got ${times}`);
      faults.push({ matcher, failure, remaining: times });
    },
    clearFailures() {
      faults.length = 0;
    },
    reset() {
      calls.length = 0;
      deliveries.length = 0;
      faults.length = 0;
      buckets.clear();
    },
    async close() {
      await gateway.close();
      await server.close();
    },
  };
}
