/**
 * A fake Telegram Bot API server on loopback. It speaks the real wire format
 * (`{url}/bot{token}/{method}`, JSON / urlencoded / multipart / query parameters, `{ok,result}` and
 * `{ok:false,error_code,description,parameters}` answers with matching HTTP status) and reproduces
 * the behaviour of the official server (tdlib/telegram-bot-api `Client.cpp`, TDLib's entity
 * parser) for the methods a webhook bot uses. Error texts are copied from that source; messages
 * marked "approximate" in comments are the fake's best guess.
 *
 * Updates reach a bot the two ways Telegram offers: POSTed to its webhook by {@link FakeTelegram.deliver},
 * or, while no webhook is set, queued for `getUpdates` with the official server's long-poll semantics
 * (`Client.cpp` `process_get_updates_query` / `do_get_updates`): `offset` confirms every update below it, a
 * request with nothing to return waits up to `timeout` seconds (at most 50) for one, a second waiting request
 * ends the first with 409 "terminated by other getUpdates request", and a set webhook makes it 409 too.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { FaultQueue, dropConnection, readBody, sendJson, sleep, startLoopbackServer } from "./http-helpers.ts";
import { parseTelegramText } from "./telegram-formatting.ts";
import type { TelegramEntity } from "./telegram-formatting.ts";

/** A bot known to the fake server. */
export interface FakeTelegramBot {
  /** Bot token, `<bot id>:<secret>`. */
  token: string;
  /** Bot user id; defaults to the number before the `:` in the token. */
  id?: number;
  /** Bot username without `@`. */
  username: string;
  /** Display name; defaults to the username. */
  first_name?: string;
  /** getMe `can_join_groups`; default true. */
  can_join_groups?: boolean;
  /** getMe `can_read_all_group_messages` (privacy mode off); default false. */
  can_read_all_group_messages?: boolean;
  /** getMe `supports_inline_queries`; default false. */
  supports_inline_queries?: boolean;
}

/** Options for {@link startFakeTelegram}. */
export interface FakeTelegramOptions {
  /** Bots to register right away. */
  bots?: FakeTelegramBot[];
  /** Enforce Telegram's webhook rule (https, ports 443/80/88/8443); default false so loopback http URLs work. */
  strictPorts?: boolean;
  /** Apply Telegram's "one non-empty setWebhook per second per bot" 429 rule; default true. */
  webhookRateLimit?: boolean;
  /** Answer `chat not found` for chats the fake never saw (via deliver/addChat); default false. */
  requireKnownChats?: boolean;
  /** Unit for the 4096 limit: "utf16" (default, what the brief and most libraries assume) or "codepoint" (TDLib's own check). */
  messageLengthUnit?: "utf16" | "codepoint";
  /** Reject unknown `&name;` references in HTML (real Telegram keeps them literally); default false. */
  rejectUnknownHtmlEntities?: boolean;
}

/** A Telegram User object. */
export interface TelegramUser {
  /** User id. */
  id: number;
  /** True for bots. */
  is_bot: boolean;
  /** First name. */
  first_name: string;
  /** Username without `@`. */
  username?: string;
  /** Other fields, passed through untouched. */
  [key: string]: unknown;
}

/** A Telegram Chat object (the subset the fake cares about, everything else passed through). */
export interface TelegramChat {
  /** Chat id (negative for groups, -100… for supergroups/channels). */
  id: number;
  /** Chat type. */
  type: "private" | "group" | "supergroup" | "channel";
  /** Title of groups/channels. */
  title?: string;
  /** Public username without `@`. */
  username?: string;
  /** First name for private chats. */
  first_name?: string;
  /** True for forum supergroups. */
  is_forum?: boolean;
  /** Other fields, passed through untouched. */
  [key: string]: unknown;
}

/** A Telegram Message object (loosely typed). */
export interface TelegramMessage {
  /** Message id, unique within the chat. */
  message_id: number;
  /** Unix time in seconds. */
  date: number;
  /** Chat the message belongs to. */
  chat: TelegramChat;
  /** Sender. */
  from?: TelegramUser;
  /** Text. */
  text?: string;
  /** Text entities. */
  entities?: TelegramEntity[];
  /** Forum topic / thread id. */
  message_thread_id?: number;
  /** True if the message was sent to a forum topic. */
  is_topic_message?: boolean;
  /** Replied-to message. */
  reply_to_message?: TelegramMessage;
  /** Unix time of the last edit. */
  edit_date?: number;
  /** Other fields, passed through untouched. */
  [key: string]: unknown;
}

/** A Bot API response body exactly as sent on the wire. */
export type TelegramResponse =
  | { ok: true; result: unknown; description?: string }
  | { ok: false; error_code: number; description: string; parameters?: { retry_after?: number; migrate_to_chat_id?: number } };

/** One API call received by the fake (including failed and faulted ones). */
export interface RecordedCall {
  /** Token from the URL path (may be unknown to the fake). */
  token: string;
  /** Canonical method name, e.g. "sendMessage" (as sent if the fake does not know the method). */
  method: string;
  /** Parameters as received: decoded JSON body values, or strings for query/form/multipart. */
  params: Record<string, unknown>;
  /** Parameters as the Bot API server sees them: strings, JSON-encoded for non-string JSON values. */
  args: Record<string, string>;
  /** HTTP method, or "WEBHOOK_REPLY" for a method returned in a webhook response body. */
  httpMethod: string;
  /** Date.now() when the call arrived. */
  at: number;
  /** What the fake answered; undefined while pending or when the connection was dropped. */
  response?: { status: number; body: TelegramResponse };
  /** True if a `drop` fault destroyed the connection. */
  dropped?: boolean;
}

/** A message successfully sent through sendMessage. */
export interface SentMessage {
  /** Bot token that sent it. */
  token: string;
  /** Numeric chat id. */
  chat_id: number;
  /** Assigned message id. */
  message_id: number;
  /** Visible text after entity parsing and trimming. */
  text: string;
  /** The `text` parameter exactly as sent. */
  source_text: string;
  /** `parse_mode` as sent. */
  parse_mode?: string;
  /** Entities produced by parsing (or passed in `entities`). */
  entities: TelegramEntity[];
  /** Thread the message went to, if any. */
  message_thread_id?: number;
  /** Decoded `reply_parameters` (or legacy reply_to_message_id) as sent. */
  reply_parameters?: Record<string, unknown>;
  /** Decoded `reply_markup` as sent. */
  reply_markup?: unknown;
  /** Decoded `link_preview_options` as sent. */
  link_preview_options?: unknown;
  /** `disable_notification` as sent. */
  disable_notification?: boolean;
  /** The Message object returned to the caller. */
  message: TelegramMessage;
}

/** A draft shown with sendMessageDraft, or a message text replaced with editMessageText. */
export interface TextUpdate {
  /** Bot token that made it. */
  token: string;
  /** Numeric chat id. */
  chat_id: number;
  /** The draft's `draft_id`, or the edited message's `message_id`. */
  id: number;
  /** Visible text after entity parsing. */
  text: string;
  /** Date.now(). */
  at: number;
}

/** Webhook registration of one bot, as the fake stores it. */
export interface WebhookState {
  /** Registered URL; "" when no webhook is set. */
  url: string;
  /** Secret echoed in X-Telegram-Bot-Api-Secret-Token (never returned by getWebhookInfo). */
  secret_token?: string;
  /** max_connections (1–100, default 40) while a webhook is set. */
  max_connections?: number;
  /** ip_address parameter, if given. */
  ip_address?: string;
  /** Explicit allowed_updates; undefined means Telegram's default set. */
  allowed_updates?: string[];
  /** Reported by getWebhookInfo. */
  pending_update_count: number;
  /** Unix time of the last failed delivery (set by deliver()). */
  last_error_date?: number;
  /** Text of the last delivery error, e.g. "Wrong response from the webhook: 500 Internal Server Error". */
  last_error_message?: string;
}

/** A programmable fault for the next call(s) of a method. */
export type FakeFailure =
  | { kind: "rate_limit"; retryAfter: number }
  | { kind: "error"; status: number; description: string; parameters?: { retry_after?: number; migrate_to_chat_id?: number } }
  | { kind: "drop" }
  | { kind: "delay"; ms: number };

/** Options for {@link FakeTelegram.deliver}. */
export interface DeliverOptions {
  /** Header value to send instead of the registered secret; null sends no header. */
  secretToken?: string | null;
  /** Deliver to this URL instead of the registered webhook. */
  url?: string;
  /** Abort the request after this many ms (Telegram waits 60 s); default 60000. Polling: how long to wait for the confirmation. */
  timeoutMs?: number;
  /** Deliver even if the update type is not in the bot's allowed_updates. */
  ignoreAllowedUpdates?: boolean;
  /** Execute a Bot API method returned in a 2xx webhook response body, like Telegram; default true. */
  executeWebhookReply?: boolean;
}

/** One webhook delivery attempt made by deliver(). */
export interface Delivery {
  /** Bot token. */
  token: string;
  /** The update sent (with update_id filled in). */
  update: Record<string, unknown>;
  /** Target URL. */
  url: string;
  /** Secret header sent, if any. */
  secretToken?: string;
  /** HTTP status received, if any. */
  status?: number;
  /** Network error text, if the request failed. */
  error?: string;
  /** Date.now() when sent. */
  at: number;
}

/** The life of one update queued for getUpdates. */
export interface PolledUpdate {
  /** The update as queued (with update_id). */
  update: Record<string, unknown>;
  /** update_id. */
  update_id: number;
  /** Date.now() when queued. */
  queuedAt: number;
  /** How many getUpdates answers carried it (more than one: the consumer asked again without confirming it). */
  timesReturned: number;
  /** Date.now() when a getUpdates offset confirmed it; undefined while pending. */
  confirmedAt?: number;
}

/** Custom method implementation: return the wire response to send. */
/** What a Telegram message carries of a file (a PhotoSize or a Document's file fields). */
export interface TelegramFileRef {
  file_id: string;
  file_unique_id: string;
  file_size: number;
}

export type FakeTelegramHandler = (call: RecordedCall) => TelegramResponse | Promise<TelegramResponse>;

/** Handle to a running fake Telegram Bot API server. */
export interface FakeTelegram {
  /** Base URL to use instead of https://api.telegram.org (no trailing slash). */
  url: string;
  /** Register a bot (token must be `<digits>:<secret>`). */
  addBot(bot: FakeTelegramBot): void;
  /** Make a chat known to a bot (e.g. for requireKnownChats or @username lookups). */
  addChat(token: string, chat: TelegramChat): void;
  /** Remember an existing message so replies to it are valid (deliver() does this automatically). */
  registerMessage(token: string, message: TelegramMessage): void;
  /** Every call received, in arrival order. */
  calls: RecordedCall[];
  /** Calls to `method` (case-insensitive), optionally only for one token. */
  callsTo(method: string, token?: string): RecordedCall[];
  /** Messages successfully sent via sendMessage, in order, optionally only for one token. */
  sentMessages(token?: string): SentMessage[];
  /** Drafts shown with sendMessageDraft, in order, optionally only for one token. */
  drafts(token?: string): TextUpdate[];
  /** Successful editMessageText calls, in order, optionally only for one token. */
  edits(token?: string): TextUpdate[];
  /** Current messages of a chat as the bot sees them (received + sent, after edits/deletes), by message_id. */
  chatHistory(token: string, chatId: number): TelegramMessage[];
  /** Every deliver() attempt, in order. */
  deliveries: Delivery[];
  /** Current webhook registration of a bot (a copy; includes the secret). */
  webhookOf(token: string): WebhookState;
  /** Overwrite parts of a bot's webhook registration (to simulate drift or delivery errors). */
  setWebhookState(token: string, partial: Partial<WebhookState>): void;
  /** Make the next `times` (default 1) calls of `method` (case-insensitive, "*" = any) fail as described. */
  failNext(method: string, failure: FakeFailure, times?: number): void;
  /** Forget all pending faults. */
  clearFailures(): void;
  /** Implement or override a method (name case-insensitive). */
  handle(method: string, handler: FakeTelegramHandler): void;
  /**
   * POST an update to the bot's webhook like Telegram does; returns the webhook's response. With no webhook
   * set (and no `opts.url`), the update is queued for getUpdates instead and the promise resolves, with a 200
   * Response, once a getUpdates call confirmed it (its `offset` went past it), or rejects after `timeoutMs`.
   */
  deliver(token: string, update: Record<string, unknown>, opts?: DeliverOptions): Promise<Response>;
  /** Queue an update for getUpdates (update_id filled in when absent) and return it; a waiting long poll answers at once. */
  queueUpdate(token: string, update: Record<string, unknown>): Record<string, unknown>;
  /** What happened to every update queued for getUpdates, in queue order. */
  polledUpdates(token: string): PolledUpdate[];
  /**
   * Stores a file a user sent to the bot, as Telegram keeps it: getFile answers its `file_path`, and
   * `GET /file/bot<token>/<file_path>` serves its bytes. Returns the ids and size a message carries.
   */
  addFile(token: string, bytes: Uint8Array, options?: { extension?: string }): TelegramFileRef;
  /** Every request to the file server, in order (token and path as requested). */
  fileDownloads: { token: string; filePath: string; status: number }[];
  /** Clear recorded calls, sent messages, deliveries and faults (bots, chats and webhooks stay). */
  reset(): void;
  /** Stop the server. */
  close(): Promise<void>;
}

const KNOWN_METHODS = [
  "getMe",
  "logOut",
  "close",
  "getUpdates",
  "setWebhook",
  "deleteWebhook",
  "getWebhookInfo",
  "sendMessage",
  "sendMessageDraft",
  "sendChatAction",
  "editMessageText",
  "deleteMessage",
  "getChat",
  "getFile",
  "setMyCommands",
  "deleteMyCommands",
  "getMyCommands",
  "answerCallbackQuery",
  "setMessageReaction",
];
const CANONICAL = new Map(KNOWN_METHODS.map((m) => [m.toLowerCase(), m]));

// telegram-bot-api Client.h UpdateType, in order (custom_event/custom_query are internal)
const UPDATE_TYPES = [
  "message",
  "edited_message",
  "channel_post",
  "edited_channel_post",
  "inline_query",
  "chosen_inline_result",
  "callback_query",
  "custom_event",
  "custom_query",
  "shipping_query",
  "pre_checkout_query",
  "poll",
  "poll_answer",
  "my_chat_member",
  "chat_member",
  "chat_join_request",
  "chat_boost",
  "removed_chat_boost",
  "message_reaction",
  "message_reaction_count",
  "business_connection",
  "business_message",
  "edited_business_message",
  "deleted_business_messages",
  "purchased_paid_media",
  "managed_bot",
  "guest_message",
];
const NOT_DEFAULT_UPDATE_TYPES = new Set(["chat_member", "message_reaction", "message_reaction_count"]);
const MESSAGE_UPDATE_FIELDS = [
  "message",
  "edited_message",
  "channel_post",
  "edited_channel_post",
  "business_message",
  "edited_business_message",
];
const CHAT_ACTIONS = new Set([
  "cancel",
  "typing",
  "record_video",
  "upload_video",
  "record_audio",
  "record_voice",
  "upload_audio",
  "upload_voice",
  "upload_photo",
  "upload_document",
  "choose_sticker",
  "pick_up_location",
  "find_location",
  "record_video_note",
  "upload_video_note",
]);
const NOT_MODIFIED =
  "message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message";
const MAX_MESSAGE_LENGTH = 4096;
/** The Bot API serves files up to 20 MB (getFile); larger ones are "file is too big". */
const MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024;

interface StoredFile {
  token: string;
  ref: TelegramFileRef;
  filePath: string;
  bytes: Uint8Array;
}

interface ChatState {
  chat: TelegramChat;
  messages: Map<number, TelegramMessage>;
  nextMessageId: number;
  threads: Set<number>;
}

interface BotState {
  token: string;
  user: TelegramUser;
  webhook: WebhookState;
  nextSetWebhookAt: number;
  chats: Map<number, ChatState>;
  nextUpdateId: number;
  /** Every update ever queued for getUpdates; the unconfirmed ones are the pending queue. */
  polled: PolledUpdate[];
  /** The getUpdates request waiting for an update, if any. */
  longPoll?: LongPoll;
  /** Resolvers of deliver() calls waiting for their update to be confirmed, by update_id. */
  confirmWaiters: Map<number, () => void>;
}

interface LongPoll {
  offset: number;
  limit: number;
  finish(answer: Answer): void;
}

/** telegram-bot-api Client.h LONG_POLL_MAX_TIMEOUT. */
const LONG_POLL_MAX_TIMEOUT_S = 50;

type Answer = TelegramResponse;

function ok(result: unknown, description?: string): Answer {
  return description === undefined ? { ok: true, result } : { ok: true, result, description };
}

function bad(description: string): Answer {
  return { ok: false, error_code: 400, description: `Bad Request: ${description}` };
}

function tooManyRequests(retryAfter: number): Answer {
  return {
    ok: false,
    error_code: 429,
    description: `Too Many Requests: retry after ${retryAfter}`,
    parameters: { retry_after: retryAfter },
  };
}

function toBool(value: string | undefined): boolean {
  const v = (value ?? "").trim().toLowerCase();
  return v === "true" || v === "yes" || v === "1";
}

/** td::to_integer: leading optional '-' and digits, 0 when there are none. */
function toInteger(value: string | undefined): number {
  const m = /^-?\d+/.exec(value ?? "");
  return m ? Number(m[0]) : 0;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function textLength(text: string, unit: "utf16" | "codepoint"): number {
  return unit === "utf16" ? text.length : [...text].length;
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

function parseMultipart(body: Buffer, boundary: string): { fields: Record<string, string>; files: Record<string, unknown> } {
  const fields: Record<string, string> = {};
  const files: Record<string, unknown> = {};
  const delimiter = Buffer.from(`--${boundary}`);
  let start = body.indexOf(delimiter);
  while (start !== -1) {
    const partStart = start + delimiter.length;
    if (body.subarray(partStart, partStart + 2).toString() === "--") break;
    const next = body.indexOf(delimiter, partStart);
    if (next === -1) break;
    const part = body.subarray(partStart + 2, next - 2); // skip CRLF after boundary and before next
    const headerEnd = part.indexOf("\r\n\r\n");
    if (headerEnd !== -1) {
      const headers = part.subarray(0, headerEnd).toString("utf8");
      const content = part.subarray(headerEnd + 4);
      const name = /name="([^"]*)"/i.exec(headers)?.[1];
      const filename = /filename="([^"]*)"/i.exec(headers)?.[1];
      const type = /content-type:\s*([^\r\n]+)/i.exec(headers)?.[1];
      if (name !== undefined) {
        if (filename !== undefined) files[name] = { filename, content_type: type, size: content.length };
        else fields[name] = content.toString("utf8");
      }
    }
    start = next;
  }
  return { fields, files };
}

type ParsedParams = { params: Record<string, unknown>; args: Record<string, string> };

/** Turn query string + body into Bot API arguments (first occurrence wins, query string first). */
function parseParams(url: URL, contentType: string, body: Buffer): ParsedParams | { error: string } {
  const params: Record<string, unknown> = {};
  const args: Record<string, string> = {};
  const put = (key: string, raw: unknown, arg: string): void => {
    if (Object.hasOwn(args, key)) return;
    params[key] = raw;
    args[key] = arg;
  };
  for (const [key, value] of url.searchParams) put(key, value, value);
  if (body.length === 0) return { params, args };
  const type = (contentType.split(";")[0] ?? "").trim().toLowerCase();
  if (type === "application/json") {
    const text = body.toString("utf8").trim();
    if (text === "") return { params, args };
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      if (!text.startsWith("{") && !text.startsWith('"')) return { error: "Bad Request: JSON object expected" };
      return { error: `Bad Request: can't parse parameter value: ${(error as Error).message}` };
    }
    if (typeof parsed === "string") {
      put("content", parsed, parsed);
      return { params, args };
    }
    if (!isPlainObject(parsed)) return { error: "Bad Request: JSON object expected" };
    for (const [key, value] of Object.entries(parsed)) {
      put(key, value, typeof value === "string" ? value : JSON.stringify(value));
    }
  } else if (type === "application/x-www-form-urlencoded") {
    for (const [key, value] of new URLSearchParams(body.toString("utf8"))) put(key, value, value);
  } else if (type === "multipart/form-data") {
    const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1];
    if (!boundary) return { error: "Bad Request: can't parse multipart/form-data: boundary not found" };
    const { fields, files } = parseMultipart(body, boundary);
    for (const [key, value] of Object.entries(fields)) put(key, value, value);
    for (const [key, value] of Object.entries(files)) {
      if (!Object.hasOwn(params, key)) params[key] = value;
    }
  }
  return { params, args };
}

function decodeJsonArg(value: string | undefined): { value: unknown } | undefined {
  if (value === undefined || value === "") return undefined;
  try {
    return { value: JSON.parse(value) };
  } catch {
    return undefined;
  }
}

/** td parse_url with default protocol https: http(s) only, non-empty host. */
function parseWebhookUrl(raw: string): URL | undefined {
  if (/[\s\x00-\x1f]/.test(raw)) return undefined;
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `https://${raw}`;
  try {
    const url = new URL(withScheme);
    if (url.protocol !== "http:" && url.protocol !== "https:") return undefined;
    if (url.hostname === "") return undefined;
    return url;
  } catch {
    return undefined;
  }
}

function updateType(update: Record<string, unknown>): string | undefined {
  return Object.keys(update).find((key) => key !== "update_id");
}

/** Start a fake Telegram Bot API server on 127.0.0.1 with an ephemeral port. */
export async function startFakeTelegram(options: FakeTelegramOptions = {}): Promise<FakeTelegram> {
  const bots = new Map<string, BotState>();
  const calls: RecordedCall[] = [];
  const sent: SentMessage[] = [];
  const draftLog: TextUpdate[] = [];
  const editLog: TextUpdate[] = [];
  const deliveries: Delivery[] = [];
  const faults = new FaultQueue<FakeFailure>();
  const handlers = new Map<string, FakeTelegramHandler>();
  const files = new Map<string, StoredFile>();
  const fileDownloads: FakeTelegram["fileDownloads"] = [];
  const lengthUnit = options.messageLengthUnit ?? "utf16";
  const webhookRateLimit = options.webhookRateLimit ?? true;

  function requireBot(token: string): BotState {
    const bot = bots.get(token);
    if (!bot) throw new Error(`fake Telegram: unknown bot token ${token}`);
    return bot;
  }

  function addBot(bot: FakeTelegramBot): void {
    const m = /^(\d+):[A-Za-z0-9_-]+$/.exec(bot.token);
    if (!m?.[1]) throw new Error(`fake Telegram: token must look like "<digits>:<secret>", got ${bot.token}`);
    const id = bot.id ?? Number(m[1]);
    bots.set(bot.token, {
      token: bot.token,
      user: {
        id,
        is_bot: true,
        first_name: bot.first_name ?? bot.username,
        username: bot.username,
        can_join_groups: bot.can_join_groups ?? true,
        can_read_all_group_messages: bot.can_read_all_group_messages ?? false,
        supports_inline_queries: bot.supports_inline_queries ?? false,
        supports_guest_queries: false,
        can_connect_to_business: false,
        has_main_web_app: false,
        has_topics_enabled: false,
        allows_users_to_create_topics: false,
        can_manage_bots: false,
      },
      webhook: { url: "", pending_update_count: 0 },
      nextSetWebhookAt: 0,
      chats: new Map(),
      nextUpdateId: 100_000_000 + Math.floor(Math.random() * 1_000_000),
      polled: [],
      confirmWaiters: new Map(),
    });
  }

  function shortUser(bot: BotState): TelegramUser {
    const { id, is_bot, first_name, username } = bot.user;
    return username === undefined ? { id, is_bot, first_name } : { id, is_bot, first_name, username };
  }

  function chatState(bot: BotState, chat: TelegramChat): ChatState {
    let state = bot.chats.get(chat.id);
    if (!state) {
      state = { chat: { ...chat }, messages: new Map(), nextMessageId: 1, threads: new Set() };
      bot.chats.set(chat.id, state);
    } else {
      state.chat = { ...state.chat, ...chat };
    }
    return state;
  }

  function registerMessage(bot: BotState, message: TelegramMessage): void {
    if (!isPlainObject(message) || !isPlainObject(message.chat) || typeof message.chat.id !== "number") return;
    const state = chatState(bot, message.chat);
    if (typeof message.message_id === "number") {
      state.messages.set(message.message_id, message);
      state.nextMessageId = Math.max(state.nextMessageId, message.message_id + 1);
    }
    if (message.is_topic_message === true && typeof message.message_thread_id === "number") {
      state.threads.add(message.message_thread_id);
    }
    if (isPlainObject(message.reply_to_message)) registerMessage(bot, message.reply_to_message as TelegramMessage);
  }

  function registerUpdate(bot: BotState, update: Record<string, unknown>): void {
    for (const field of MESSAGE_UPDATE_FIELDS) {
      const message = update[field];
      if (isPlainObject(message)) registerMessage(bot, message as TelegramMessage);
    }
    const callback = update.callback_query;
    if (isPlainObject(callback) && isPlainObject(callback.message)) {
      registerMessage(bot, callback.message as TelegramMessage);
    }
    for (const field of ["my_chat_member", "chat_member", "chat_join_request", "message_reaction"]) {
      const value = update[field];
      if (isPlainObject(value) && isPlainObject(value.chat) && typeof value.chat.id === "number") {
        chatState(bot, value.chat as TelegramChat);
      }
    }
  }

  function resolveChat(bot: BotState, chatIdArg: string | undefined): ChatState | Answer {
    const raw = chatIdArg ?? "";
    if (raw === "") return bad("chat_id is empty");
    if (raw.startsWith("@")) {
      const wanted = raw.slice(1).toLowerCase();
      for (const state of bot.chats.values()) {
        if (typeof state.chat.username === "string" && state.chat.username.toLowerCase() === wanted) return state;
      }
      return bad("chat not found");
    }
    const id = toInteger(raw);
    if (id === 0) return bad("chat not found");
    const known = bot.chats.get(id);
    if (known) return known;
    if (options.requireKnownChats) return bad("chat not found");
    const chat: TelegramChat =
      id > 0
        ? { id, first_name: `User ${id}`, type: "private" }
        : id <= -1_000_000_000_000
          ? { id, title: `Supergroup ${id}`, type: "supergroup" }
          : { id, title: `Group ${id}`, type: "group" };
    return chatState(bot, chat);
  }

  function isChatState(value: ChatState | Answer): value is ChatState {
    return "messages" in value;
  }

  function allowedUpdatesFromArg(raw: string | undefined): string[] | undefined | null {
    // null = leave unchanged (td: 0), undefined = default set, array = explicit set
    const decoded = decodeJsonArg(raw);
    if (!decoded || !Array.isArray(decoded.value)) return null;
    const wanted = new Set<string>();
    for (const name of decoded.value) {
      if (typeof name !== "string") return null;
      wanted.add(name.toLowerCase());
    }
    const result = UPDATE_TYPES.filter((t) => wanted.has(t) && t !== "custom_event" && t !== "custom_query");
    if (result.length === 0) return undefined;
    const isDefault =
      result.length === UPDATE_TYPES.length - 2 - NOT_DEFAULT_UPDATE_TYPES.size &&
      result.every((t) => !NOT_DEFAULT_UPDATE_TYPES.has(t));
    return isDefault ? undefined : result;
  }

  function applyAllowedUpdates(bot: BotState, raw: string | undefined): void {
    const value = allowedUpdatesFromArg(raw);
    if (value === null) return;
    if (value === undefined) delete bot.webhook.allowed_updates;
    else bot.webhook.allowed_updates = value;
  }

  function isUpdateAllowed(bot: BotState, type: string): boolean {
    const allowed = bot.webhook.allowed_updates;
    return allowed ? allowed.includes(type) : !NOT_DEFAULT_UPDATE_TYPES.has(type);
  }

  function clearWebhook(bot: BotState): void {
    const allowed = bot.webhook.allowed_updates;
    bot.webhook = { url: "", pending_update_count: bot.webhook.pending_update_count };
    if (allowed) bot.webhook.allowed_updates = allowed;
  }

  // ---------------------------------------------------------------- methods

  function setWebhook(bot: BotState, method: string, args: Record<string, string>): Answer {
    const newUrl = method === "setwebhook" ? (args.url ?? "") : "";
    const now = Date.now();
    if (newUrl !== "" && webhookRateLimit) {
      if (now < bot.nextSetWebhookAt) return tooManyRequests(1);
      bot.nextSetWebhookAt = now + 1000;
    }
    const maxConnections =
      newUrl === "" ? 0 : Math.min(100, Math.max(1, args.max_connections ? toInteger(args.max_connections) : 40));
    const secret = newUrl === "" ? "" : (args.secret_token ?? "");
    const ipAddress = newUrl === "" ? "" : (args.ip_address ?? "");
    const hasCertificate = newUrl !== "" && args.certificate !== undefined && args.certificate !== "";
    const dropPending = toBool(args.drop_pending_updates);
    const current = bot.webhook;
    if (
      current.url === newUrl &&
      !hasCertificate &&
      (current.max_connections ?? 0) === maxConnections &&
      (current.secret_token ?? "") === secret &&
      (current.ip_address ?? "") === ipAddress &&
      !dropPending
    ) {
      applyAllowedUpdates(bot, args.allowed_updates);
      return ok(true, newUrl === "" ? "Webhook is already deleted" : "Webhook is already set");
    }

    // The official server closes the old webhook first; a failing new one leaves none set.
    const wasSet = current.url !== "";
    clearWebhook(bot);
    if (dropPending) {
      bot.webhook.pending_update_count = 0;
      for (const entry of pendingUpdates(bot)) confirm(bot, entry);
    }
    if (newUrl !== "") abortLongPoll(bot, "Conflict: terminated by setWebhook request");
    if (newUrl === "") return ok(true, wasSet ? "Webhook was deleted" : "Webhook is already deleted");

    const url = parseWebhookUrl(newUrl);
    if (!url) return bad("invalid webhook URL specified");
    if (secret.length > 256) return bad("secret token is too long");
    if (!/^[A-Za-z0-9_-]*$/.test(secret)) return bad("secret token contains unallowed characters");
    if (options.strictPorts) {
      if (url.protocol !== "https:") return bad("bad webhook: An HTTPS URL must be provided for webhook");
      const port = url.port === "" ? 443 : Number(url.port);
      if (![443, 80, 88, 8443].includes(port)) {
        return bad("bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443");
      }
    }
    bot.webhook.url = newUrl;
    bot.webhook.max_connections = maxConnections;
    if (secret !== "") bot.webhook.secret_token = secret;
    if (ipAddress !== "") bot.webhook.ip_address = ipAddress;
    applyAllowedUpdates(bot, args.allowed_updates);
    return ok(true, "Webhook was set");
  }

  function getWebhookInfo(bot: BotState): Answer {
    const w = bot.webhook;
    const info: Record<string, unknown> = {
      url: w.url,
      has_custom_certificate: false,
      pending_update_count: w.pending_update_count + pendingUpdates(bot).length,
    };
    if (w.last_error_date !== undefined) {
      info.last_error_date = w.last_error_date;
      info.last_error_message = w.last_error_message ?? "";
    }
    if (w.url !== "" && w.max_connections) info.max_connections = w.max_connections;
    if (w.url !== "") {
      const host = parseWebhookUrl(w.url)?.hostname ?? "";
      info.ip_address = w.ip_address ?? (/^[\d.]+$/.test(host) ? host : "<unknown>");
    }
    if (w.allowed_updates) info.allowed_updates = [...w.allowed_updates];
    return ok(info);
  }

  interface ParsedText {
    text: string;
    entities: TelegramEntity[];
    /** Deferred TDLib error ("text must be non-empty"), reported after chat checks like the real server. */
    deferredError?: string;
  }

  function parseMessageText(args: Record<string, string>, allowEmpty: boolean): ParsedText | Answer {
    const source = args.text ?? "";
    if (source === "" && !allowEmpty) return bad("message text is empty");
    if (Buffer.byteLength(source, "utf8") > 1 << 15) return bad("text is too long");
    const parseMode = args.parse_mode ?? "";
    const mode = parseMode.toLowerCase();
    if (source !== "" && mode !== "" && mode !== "none") {
      const parsed = parseTelegramText(source, parseMode, {
        rejectUnknownHtmlEntities: options.rejectUnknownHtmlEntities ?? false,
      });
      if (parsed.ok) return { text: parsed.text, entities: parsed.entities };
      if (parsed.error === "text must be non-empty") return { text: "", entities: [], deferredError: parsed.error };
      return bad(parsed.error);
    }
    const decoded = decodeJsonArg(args.entities);
    const entities = decoded && Array.isArray(decoded.value) ? (decoded.value as TelegramEntity[]) : [];
    const plain = parseTelegramText(source, undefined);
    if (!plain.ok) return { text: "", entities: [], deferredError: plain.error };
    // keep caller-supplied entities when only trailing whitespace was trimmed
    const kept = source.startsWith(plain.text)
      ? entities.filter((e) => isPlainObject(e) && e.offset + e.length <= plain.text.length)
      : [];
    return { text: plain.text, entities: kept };
  }

  function isAnswer(value: unknown): value is Answer {
    return isPlainObject(value) && typeof value.ok === "boolean";
  }

  function checkSendable(parsed: ParsedText, allowEmpty: boolean): Answer | undefined {
    if (parsed.deferredError !== undefined && !allowEmpty) return bad(parsed.deferredError);
    if (textLength(parsed.text, lengthUnit) > MAX_MESSAGE_LENGTH) return bad("message is too long");
    return undefined;
  }

  interface ReplyRequest {
    messageId: number;
    chatId?: string;
    allowWithout: boolean;
    raw: Record<string, unknown>;
  }

  function parseReplyParameters(args: Record<string, string>): ReplyRequest | undefined | Answer {
    if (args.reply_parameters === undefined) {
      const messageId = Math.max(0, toInteger(args.reply_to_message_id));
      if (messageId === 0) return undefined;
      const allowWithout = toBool(args.allow_sending_without_reply);
      return { messageId, allowWithout, raw: { message_id: messageId, allow_sending_without_reply: allowWithout } };
    }
    if (args.reply_parameters === "") return undefined;
    const decoded = decodeJsonArg(args.reply_parameters);
    if (!decoded) return bad("can't parse reply parameters JSON object");
    if (!isPlainObject(decoded.value)) return bad("object expected as reply parameters");
    const raw = decoded.value;
    if (Object.keys(raw).length === 0) return undefined;
    const rawId = typeof raw.message_id === "string" && /^-?\d+$/.test(raw.message_id) ? Number(raw.message_id) : raw.message_id;
    // approximate texts (TDLib JsonObject field errors)
    if (rawId === undefined) return bad(`can't find field "message_id"`);
    if (typeof rawId !== "number" || !Number.isInteger(rawId)) return bad(`field "message_id" must be of type Number`);
    const chatId = raw.chat_id;
    const result: ReplyRequest = {
      messageId: Math.max(0, rawId),
      allowWithout: raw.allow_sending_without_reply === true,
      raw,
    };
    if (typeof chatId === "string" || typeof chatId === "number") result.chatId = String(chatId);
    return result;
  }

  function stripReply(message: TelegramMessage): TelegramMessage {
    const { reply_to_message: _ignored, ...rest } = message;
    return rest as TelegramMessage;
  }

  function sendMessage(bot: BotState, call: RecordedCall): Answer {
    const args = call.args;
    const parsed = parseMessageText(args, false);
    if (isAnswer(parsed)) return parsed;
    const reply = parseReplyParameters(args);
    if (isAnswer(reply)) return reply;
    let replyMarkup: unknown;
    if (args.reply_markup !== undefined && args.reply_markup !== "") {
      const decoded = decodeJsonArg(args.reply_markup);
      if (!decoded) return bad("can't parse reply keyboard markup JSON object");
      replyMarkup = decoded.value;
    }
    const chat = resolveChat(bot, args.chat_id);
    if (!isChatState(chat)) return chat;
    let threadId = Math.max(0, toInteger(args.message_thread_id));
    if (threadId > 0 && !chat.threads.has(threadId)) return bad("message thread not found");

    let replyTo: TelegramMessage | undefined;
    if (reply && reply.messageId > 0) {
      let target: ChatState = chat;
      if (reply.chatId !== undefined) {
        const other = resolveChat(bot, reply.chatId);
        if (!isChatState(other)) return other;
        target = other;
      }
      replyTo = target.messages.get(reply.messageId);
      const allowWithout = reply.allowWithout && target === chat;
      if (!replyTo && !allowWithout) return bad("message to be replied not found");
      if (replyTo && threadId === 0 && replyTo.is_topic_message === true && typeof replyTo.message_thread_id === "number") {
        threadId = replyTo.message_thread_id;
      }
    }
    const notSendable = checkSendable(parsed, false);
    if (notSendable) return notSendable;

    const messageId = chat.nextMessageId++;
    const message: TelegramMessage = {
      message_id: messageId,
      ...(threadId > 0 ? { message_thread_id: threadId } : {}),
      from: shortUser(bot),
      chat: { ...chat.chat },
      date: nowSeconds(),
      ...(threadId > 0 ? { is_topic_message: true } : {}),
      ...(replyTo ? { reply_to_message: stripReply(replyTo) } : {}),
      text: parsed.text,
      ...(parsed.entities.length > 0 ? { entities: parsed.entities } : {}),
      ...(isPlainObject(replyMarkup) && Array.isArray(replyMarkup.inline_keyboard) ? { reply_markup: replyMarkup } : {}),
    };
    chat.messages.set(messageId, message);

    const record: SentMessage = {
      token: bot.token,
      chat_id: chat.chat.id,
      message_id: messageId,
      text: parsed.text,
      source_text: args.text ?? "",
      entities: parsed.entities,
      message,
    };
    if (args.parse_mode !== undefined) record.parse_mode = args.parse_mode;
    if (threadId > 0) record.message_thread_id = threadId;
    if (reply) record.reply_parameters = reply.raw;
    if (replyMarkup !== undefined) record.reply_markup = replyMarkup;
    const linkPreview = decodeJsonArg(args.link_preview_options);
    if (linkPreview) record.link_preview_options = linkPreview.value;
    if (args.disable_notification !== undefined) record.disable_notification = toBool(args.disable_notification);
    sent.push(record);
    return ok(message);
  }

  function editMessageText(bot: BotState, call: RecordedCall): Answer {
    const args = call.args;
    const parsed = parseMessageText(args, false);
    if (isAnswer(parsed)) return parsed;
    const messageId = Math.max(0, toInteger(args.message_id));
    if ((args.chat_id ?? "") === "" && messageId === 0) {
      if ((args.inline_message_id ?? "") === "") return bad("message identifier is not specified");
      return bad("message to edit not found");
    }
    const chat = resolveChat(bot, args.chat_id);
    if (!isChatState(chat)) return chat;
    const message = chat.messages.get(messageId);
    if (!message) return bad("message to edit not found");
    if (message.from?.id !== bot.user.id || typeof message.text !== "string") return bad("message can't be edited");
    let replyMarkup: unknown = message.reply_markup;
    if (args.reply_markup !== undefined && args.reply_markup !== "") {
      const decoded = decodeJsonArg(args.reply_markup);
      if (!decoded) return bad("can't parse reply keyboard markup JSON object");
      replyMarkup = isPlainObject(decoded.value) && Array.isArray(decoded.value.inline_keyboard) ? decoded.value : undefined;
    } else {
      replyMarkup = undefined;
    }
    const notSendable = checkSendable(parsed, false);
    if (notSendable) return notSendable;
    if (
      message.text === parsed.text &&
      JSON.stringify(message.entities ?? []) === JSON.stringify(parsed.entities) &&
      JSON.stringify(message.reply_markup) === JSON.stringify(replyMarkup)
    ) {
      return bad(NOT_MODIFIED);
    }
    const edited: TelegramMessage = { ...message, edit_date: nowSeconds(), text: parsed.text };
    delete edited.entities;
    delete edited.reply_markup;
    if (parsed.entities.length > 0) edited.entities = parsed.entities;
    if (replyMarkup !== undefined) edited.reply_markup = replyMarkup;
    chat.messages.set(messageId, edited);
    editLog.push({ token: bot.token, chat_id: chat.chat.id, id: messageId, text: parsed.text, at: Date.now() });
    return ok(edited);
  }

  function deleteMessage(bot: BotState, call: RecordedCall): Answer {
    const args = call.args;
    if ((args.chat_id ?? "") === "") return bad("chat identifier is not specified");
    const messageId = Math.max(0, toInteger(args.message_id));
    if (messageId === 0) return bad("message identifier is not specified");
    const chat = resolveChat(bot, args.chat_id);
    if (!isChatState(chat)) return chat;
    if (!chat.messages.delete(messageId)) return bad("message to delete not found");
    return ok(true);
  }

  function sendChatAction(bot: BotState, call: RecordedCall): Answer {
    const args = call.args;
    if (!CHAT_ACTIONS.has((args.action ?? "").toLowerCase())) return bad("wrong parameter action in request");
    const chat = resolveChat(bot, args.chat_id);
    if (!isChatState(chat)) return chat;
    const threadId = Math.max(0, toInteger(args.message_thread_id));
    if (threadId > 0 && !chat.threads.has(threadId)) return bad("message thread not found");
    return ok(true);
  }

  function sendMessageDraft(bot: BotState, call: RecordedCall): Answer {
    const args = call.args;
    const parsed = parseMessageText(args, true);
    if (isAnswer(parsed)) return parsed;
    const chat = resolveChat(bot, args.chat_id);
    if (!isChatState(chat)) return chat;
    if (chat.chat.type !== "private") return bad("TEXTDRAFT_PEER_INVALID");
    if (toInteger(args.draft_id) === 0) return bad("draft_id must be non-zero"); // approximate text
    const threadId = Math.max(0, toInteger(args.message_thread_id));
    if (threadId > 0 && !chat.threads.has(threadId)) return bad("message thread not found");
    const notSendable = checkSendable(parsed, true);
    if (notSendable) return notSendable;
    draftLog.push({ token: bot.token, chat_id: chat.chat.id, id: toInteger(args.draft_id), text: parsed.text, at: Date.now() });
    return ok(true);
  }

  function getChat(bot: BotState, call: RecordedCall): Answer {
    const chat = resolveChat(bot, call.args.chat_id);
    if (!isChatState(chat)) return chat;
    // ChatFullInfo: the chat plus the always-present fields; everything optional is omitted
    return ok({ ...chat.chat, accent_color_id: 0, max_reaction_count: 11 });
  }

  // ---------------------------------------------------------------- getUpdates

  function pendingUpdates(bot: BotState): PolledUpdate[] {
    return bot.polled.filter((entry) => entry.confirmedAt === undefined);
  }

  function confirm(bot: BotState, entry: PolledUpdate): void {
    entry.confirmedAt = Date.now();
    const waiter = bot.confirmWaiters.get(entry.update_id);
    bot.confirmWaiters.delete(entry.update_id);
    waiter?.();
  }

  function conflict(description: string): Answer {
    return { ok: false, error_code: 409, description };
  }

  function abortLongPoll(bot: BotState, description: string): void {
    const held = bot.longPoll;
    bot.longPoll = undefined;
    held?.finish(conflict(description));
  }

  /** do_get_updates: confirm below `offset` (a negative one keeps only the last -offset), then up to `limit` updates. */
  function takeUpdates(bot: BotState, offset: number, limit: number): PolledUpdate[] {
    const pending = pendingUpdates(bot);
    if (offset < 0) {
      for (const entry of pending.slice(0, Math.max(0, pending.length + offset))) confirm(bot, entry);
    } else if (offset > 0) {
      for (const entry of pending) if (entry.update_id < offset) confirm(bot, entry);
    }
    const batch = pendingUpdates(bot).slice(0, limit);
    for (const entry of batch) entry.timesReturned++;
    return batch;
  }

  function getUpdates(bot: BotState, call: RecordedCall, closed: AbortSignal): Answer | Promise<Answer> {
    if (bot.webhook.url !== "") {
      return conflict("Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first");
    }
    const offset = toInteger(call.args.offset);
    const limit = Math.min(100, Math.max(1, call.args.limit ? toInteger(call.args.limit) : 100));
    const timeout = Math.min(LONG_POLL_MAX_TIMEOUT_S, Math.max(0, toInteger(call.args.timeout)));
    applyAllowedUpdates(bot, call.args.allowed_updates);
    const batch = takeUpdates(bot, offset, limit);
    if (batch.length > 0 || timeout === 0) return ok(batch.map((entry) => entry.update));

    // Nothing yet: this request waits, and ends the one that was waiting before it.
    abortLongPoll(bot, "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running");
    return new Promise<Answer>((resolve) => {
      const finish = (answer: Answer) => {
        clearTimeout(timer);
        closed.removeEventListener("abort", gone);
        if (bot.longPoll === poll) bot.longPoll = undefined;
        resolve(answer);
      };
      const poll: LongPoll = { offset, limit, finish };
      const timer = setTimeout(() => finish(ok([])), timeout * 1000);
      // A consumer that hung up (a killed process) stops waiting; its updates stay unconfirmed.
      const gone = () => finish(ok([]));
      closed.addEventListener("abort", gone, { once: true });
      bot.longPoll = poll;
    });
  }

  /** An update arrived: the waiting long poll, if any, answers with it. */
  function wakeLongPoll(bot: BotState): void {
    const held = bot.longPoll;
    if (!held) return;
    const batch = takeUpdates(bot, held.offset, held.limit);
    if (batch.length === 0) return;
    bot.longPoll = undefined;
    held.finish(ok(batch.map((entry) => entry.update)));
  }

  function withUpdateId(bot: BotState, update: Record<string, unknown>): Record<string, unknown> {
    const full: Record<string, unknown> = { ...update };
    if (typeof full.update_id === "number") {
      bot.nextUpdateId = Math.max(bot.nextUpdateId, full.update_id + 1);
    } else {
      full.update_id = bot.nextUpdateId++;
    }
    return full;
  }

  function queueUpdate(token: string, update: Record<string, unknown>, onConfirmed?: () => void): Record<string, unknown> {
    const bot = requireBot(token);
    const full = withUpdateId(bot, update);
    const type = updateType(full);
    if (type !== undefined && !isUpdateAllowed(bot, type)) {
      throw new Error(
        `fake Telegram: update type "${type}" is not in allowed_updates ${JSON.stringify(bot.webhook.allowed_updates ?? "default")}; Telegram would not queue it`,
      );
    }
    registerUpdate(bot, full);
    // Before waking a waiting poll: one whose offset is already past this update confirms it at once.
    if (onConfirmed) bot.confirmWaiters.set(full.update_id as number, onConfirmed);
    bot.polled.push({ update: full, update_id: full.update_id as number, queuedAt: Date.now(), timesReturned: 0 });
    wakeLongPoll(bot);
    return full;
  }

  function queueAndAwaitConfirmation(token: string, update: Record<string, unknown>, timeoutMs: number): Promise<Response> {
    const bot = requireBot(token);
    return new Promise<Response>((resolve, reject) => {
      let id = 0;
      const timer = setTimeout(() => {
        bot.confirmWaiters.delete(id);
        reject(new Error(`fake Telegram: update ${id} was not confirmed by a getUpdates offset within ${timeoutMs} ms`));
      }, timeoutMs);
      id = queueUpdate(token, update, () => {
        clearTimeout(timer);
        resolve(new Response(null, { status: 200 }));
      }).update_id as number;
    });
  }

  function addFile(token: string, bytes: Uint8Array, options: { extension?: string } = {}): TelegramFileRef {
    requireBot(token);
    const n = files.size + 1;
    const ref = { file_id: `AgACAgQAAxkBAAIB${String(n).padStart(4, "0")}FakeFileId`, file_unique_id: `AQADFake${n}`, file_size: bytes.length };
    files.set(ref.file_id, { token, ref, filePath: `photos/file_${n}.${options.extension ?? "jpg"}`, bytes });
    return ref;
  }

  /** File ids are the bot's own: another bot's id is as invalid as a made-up one. */
  function getFile(call: RecordedCall): Answer {
    const file = files.get(call.args.file_id ?? "");
    if (!file || file.token !== call.token) return bad("invalid file_id");
    if (file.bytes.length > MAX_DOWNLOAD_BYTES) return bad("file is too big");
    return ok({ ...file.ref, file_path: file.filePath });
  }

  function serveFile(res: ServerResponse, token: string, filePath: string): void {
    const file = [...files.values()].find((f) => f.token === token && f.filePath === filePath);
    const status = file ? 200 : 404;
    fileDownloads.push({ token, filePath, status });
    if (!file) {
      sendJson(res, 404, { ok: false, error_code: 404, description: "Not Found" });
      return;
    }
    res.writeHead(200, { "content-type": "application/octet-stream", "content-length": String(file.bytes.length) });
    res.end(Buffer.from(file.bytes));
  }

  async function dispatch(call: RecordedCall, closed: AbortSignal = new AbortController().signal): Promise<Answer> {
    const bot = bots.get(call.token);
    if (!bot) return { ok: false, error_code: 401, description: "Unauthorized" };
    const method = call.method.toLowerCase();
    const custom = handlers.get(method);
    if (custom) return custom(call);
    switch (method) {
      case "getme":
        return ok({ ...bot.user });
      case "logout":
      case "close":
        return ok(true);
      case "setwebhook":
      case "deletewebhook":
        return setWebhook(bot, method, call.args);
      case "getwebhookinfo":
        return getWebhookInfo(bot);
      case "getupdates":
        return getUpdates(bot, call, closed);
      case "sendmessage":
        return sendMessage(bot, call);
      case "sendmessagedraft":
        return sendMessageDraft(bot, call);
      case "sendchataction":
        return sendChatAction(bot, call);
      case "editmessagetext":
        return editMessageText(bot, call);
      case "deletemessage":
        return deleteMessage(bot, call);
      case "getchat":
        return getChat(bot, call);
      case "getfile":
        return getFile(call);
      case "getmycommands":
        return ok([]);
      case "setmycommands":
      case "deletemycommands":
      case "answercallbackquery":
      case "setmessagereaction":
        return ok(true);
      default:
        return { ok: false, error_code: 404, description: "Not Found" };
    }
  }

  function headersFor(answer: Answer): Record<string, string> {
    return !answer.ok && answer.parameters?.retry_after !== undefined
      ? { "retry-after": String(answer.parameters.retry_after) }
      : {};
  }

  function failureAnswer(failure: FakeFailure): Answer | undefined {
    if (failure.kind === "rate_limit") return tooManyRequests(failure.retryAfter);
    if (failure.kind === "error") {
      const answer: Answer = { ok: false, error_code: failure.status, description: failure.description };
      if (failure.parameters) answer.parameters = failure.parameters;
      return answer;
    }
    return undefined;
  }

  async function handleRequest(req: IncomingMessage, res: ServerResponse, signal: AbortSignal): Promise<void> {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const body = await readBody(req);
    const download = /^\/file\/bot([^/]+)\/(.+)$/.exec(url.pathname);
    if (download && (req.method === "GET" || req.method === "HEAD")) {
      serveFile(res, decodeURIComponent(download[1]!), decodeURIComponent(download[2]!));
      return;
    }
    const path = /^\/bot([^/]*)(?:\/test)?\/?(.*)$/.exec(url.pathname);
    if (!path) {
      sendJson(res, 404, { ok: false, error_code: 404, description: "Not Found" });
      return;
    }
    const token = decodeURIComponent(path[1] ?? "");
    const parsed = parseParams(url, req.headers["content-type"] ?? "", body);
    const params = "error" in parsed ? {} : parsed.params;
    const args = "error" in parsed ? {} : parsed.args;
    const rawMethod = decodeURIComponent(path[2] ?? "") || (args.method ?? "");
    const call: RecordedCall = {
      token,
      method: CANONICAL.get(rawMethod.toLowerCase()) ?? rawMethod,
      params,
      args,
      httpMethod: req.method ?? "GET",
      at: Date.now(),
    };
    calls.push(call);
    const respond = (answer: Answer): void => {
      const status = answer.ok ? 200 : answer.error_code;
      call.response = { status, body: answer };
      sendJson(res, status, answer, headersFor(answer));
    };
    if ("error" in parsed) {
      respond({ ok: false, error_code: 400, description: parsed.error });
      return;
    }

    // The consumer hanging up ends a waiting getUpdates (a finished response also emits close: harmless).
    const hungUp = new AbortController();
    res.once("close", () => hungUp.abort());
    const failure = faults.take(call.method);
    if (failure) {
      if (failure.kind === "drop") {
        call.dropped = true;
        dropConnection(req, res);
        return;
      }
      if (failure.kind === "delay") {
        await sleep(failure.ms, signal);
        if (signal.aborted) return;
      } else {
        const answer = failureAnswer(failure);
        if (answer) {
          respond(answer);
          return;
        }
      }
    }
    respond(await dispatch(call, hungUp.signal));
  }

  async function executeWebhookReply(bot: BotState, response: Response): Promise<void> {
    const contentType = response.headers.get("content-type") ?? "";
    const body = Buffer.from(await response.arrayBuffer());
    if (body.length === 0) return;
    const parsed = parseParams(new URL("http://127.0.0.1/"), contentType, body);
    if ("error" in parsed) return;
    const rawMethod = parsed.args.method ?? "";
    const lower = rawMethod.toLowerCase();
    // WebhookActor::handle ignores these
    if (lower === "" || lower.startsWith("get") || ["deletewebhook", "setwebhook", "close", "logout"].includes(lower)) {
      return;
    }
    const call: RecordedCall = {
      token: bot.token,
      method: CANONICAL.get(lower) ?? rawMethod,
      params: parsed.params,
      args: parsed.args,
      httpMethod: "WEBHOOK_REPLY",
      at: Date.now(),
    };
    calls.push(call);
    const answer = await dispatch(call);
    call.response = { status: answer.ok ? 200 : answer.error_code, body: answer };
  }

  async function deliver(token: string, update: Record<string, unknown>, opts: DeliverOptions = {}): Promise<Response> {
    const bot = requireBot(token);
    const target = opts.url ?? bot.webhook.url;
    if (target === "") return queueAndAwaitConfirmation(token, update, opts.timeoutMs ?? 60_000);
    const full = withUpdateId(bot, update);
    const type = updateType(full);
    if (type !== undefined && !opts.ignoreAllowedUpdates && !isUpdateAllowed(bot, type)) {
      throw new Error(
        `fake Telegram: update type "${type}" is not in allowed_updates ${JSON.stringify(bot.webhook.allowed_updates ?? "default")}; Telegram would not send it`,
      );
    }
    registerUpdate(bot, full);

    const url = parseWebhookUrl(target);
    if (!url) throw new Error(`fake Telegram: invalid webhook URL ${target}`);
    const headers: Record<string, string> = {
      "content-type": "application/json",
      "accept-encoding": "gzip, deflate",
    };
    if (url.username !== "" || url.password !== "") {
      const credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
      headers.authorization = `Basic ${Buffer.from(credentials).toString("base64")}`;
      url.username = "";
      url.password = "";
    }
    const secret = opts.secretToken === undefined ? bot.webhook.secret_token : opts.secretToken;
    if (secret !== null && secret !== undefined && secret !== "") headers["x-telegram-bot-api-secret-token"] = secret;
    const delivery: Delivery = { token, update: full, url: url.toString(), at: Date.now() };
    if (headers["x-telegram-bot-api-secret-token"] !== undefined) {
      delivery.secretToken = headers["x-telegram-bot-api-secret-token"];
    }
    deliveries.push(delivery);
    let response: Response;
    try {
      response = await fetch(url, {
        method: "POST",
        headers,
        body: JSON.stringify(full),
        signal: AbortSignal.timeout(opts.timeoutMs ?? 60_000),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause;
      const message =
        cause?.code === "ECONNREFUSED"
          ? "Connection refused"
          : (error as Error).name === "TimeoutError"
            ? "Read timeout expired"
            : (error as Error).message;
      delivery.error = message;
      if (opts.url === undefined) {
        bot.webhook.last_error_date = nowSeconds();
        bot.webhook.last_error_message = message;
      }
      throw error;
    }
    delivery.status = response.status;
    if (response.status < 200 || response.status > 299) {
      if (opts.url === undefined) {
        bot.webhook.last_error_date = nowSeconds();
        bot.webhook.last_error_message = `Wrong response from the webhook: ${response.status} ${response.statusText}`;
      }
    } else if (opts.executeWebhookReply ?? true) {
      await executeWebhookReply(bot, response.clone());
    }
    return response;
  }

  const server = await startLoopbackServer(handleRequest);
  for (const bot of options.bots ?? []) addBot(bot);

  return {
    url: server.origin,
    addBot,
    addChat(token, chat) {
      chatState(requireBot(token), chat);
    },
    registerMessage(token, message) {
      registerMessage(requireBot(token), message);
    },
    calls,
    callsTo(method, token) {
      const lower = method.toLowerCase();
      return calls.filter((c) => c.method.toLowerCase() === lower && (token === undefined || c.token === token));
    },
    drafts(token) {
      return draftLog.filter((d) => token === undefined || d.token === token);
    },
    edits(token) {
      return editLog.filter((e) => token === undefined || e.token === token);
    },
    sentMessages(token) {
      return sent.filter((m) => token === undefined || m.token === token);
    },
    chatHistory(token, chatId) {
      const chat = requireBot(token).chats.get(chatId);
      return chat ? [...chat.messages.values()].sort((a, b) => a.message_id - b.message_id) : [];
    },
    deliveries,
    webhookOf(token) {
      const w = requireBot(token).webhook;
      return { ...w, ...(w.allowed_updates ? { allowed_updates: [...w.allowed_updates] } : {}) };
    },
    setWebhookState(token, partial) {
      const bot = requireBot(token);
      bot.webhook = { ...bot.webhook, ...partial };
      for (const key of Object.keys(partial) as (keyof WebhookState)[]) {
        if (partial[key] === undefined) delete bot.webhook[key];
      }
      if (bot.webhook.pending_update_count === undefined) bot.webhook.pending_update_count = 0;
    },
    failNext(method, failure, times = 1) {
      faults.add(method, failure, times);
    },
    clearFailures() {
      faults.clear();
    },
    handle(method, handler) {
      handlers.set(method.toLowerCase(), handler);
    },
    deliver,
    queueUpdate: (token, update) => queueUpdate(token, update),
    polledUpdates(token) {
      return requireBot(token).polled.map((entry) => ({ ...entry }));
    },
    addFile,
    fileDownloads,
    reset() {
      calls.length = 0;
      sent.length = 0;
      draftLog.length = 0;
      editLog.length = 0;
      deliveries.length = 0;
      faults.clear();
    },
    close() {
      return server.close();
    },
  };
}
