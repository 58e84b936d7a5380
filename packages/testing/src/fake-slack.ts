/**
 * A fake Slack Web API (plus an Events API sender) on loopback. It speaks Slack's wire format:
 * `POST {url}{method}` with `application/x-www-form-urlencoded` (what `@slack/web-api`'s WebClient
 * sends), JSON (`Authorization` header only, like Slack) or query parameters; every answer is HTTP
 * 200 `{ok:true,...}` / `{ok:false,error:"<code>"}` except a rate limit (429 + `Retry-After`).
 * Answers for a known token carry `x-oauth-scopes` and `x-accepted-oauth-scopes`, which the
 * WebClient copies into `response_metadata.scopes` / `.acceptedScopes`.
 *
 * Events go the other way: {@link FakeSlack.sendEvent} POSTs a JSON body to a Request URL signed
 * like Slack (`X-Slack-Signature: v0=hex(hmac_sha256(signing_secret, "v0:{ts}:{raw body}"))`).
 * Payload builders produce envelopes and inner events with the field shapes Slack sends.
 *
 * Socket Mode: every app has an app-level token (`xapp-…`); `apps.connections.open` with it answers a
 * one-time WebSocket URL on loopback where the fake says `hello`, sends `events_api` envelopes a test pushes
 * ({@link FakeSlack.pushSocketEvent}, which waits for the `{envelope_id}` acknowledgement) and asks the app to
 * reconnect ({@link FakeSlack.disconnectSocket}); see fake-slack-socket-mode.ts.
 *
 * Behaviour that is the fake's best guess rather than documented is marked "approximate".
 */
import { createHmac, randomBytes, randomUUID } from "node:crypto";
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import { FaultQueue, dropConnection, readBody, sendJson, sleep, startLoopbackServer } from "./http-helpers.ts";
import { startSocketModeServer } from "./fake-slack-socket-mode.ts";
import type {
  SocketDisconnectOptions,
  SocketDisconnectReason,
  SocketModeConnection,
  SocketModeEnvelope,
  SocketPushOptions,
  SocketPushResult,
} from "./fake-slack-socket-mode.ts";

export type { SocketDisconnectOptions, SocketDisconnectReason, SocketModeConnection, SocketModeEnvelope, SocketPushOptions, SocketPushResult };

// ------------------------------------------------------------------------------------------ types

/** Conversation kinds: public channel, private channel, direct message, multi-person DM. */
export type SlackChannelType = "public" | "private" | "im" | "mpim";

/** State of a token; anything but "active" makes every call fail. */
export type SlackTokenStatus = "active" | "revoked" | "inactive";

/** Arguments of {@link FakeSlack.addWorkspace}. */
export interface SlackWorkspaceInit {
  /** Team id; default a random `T…`. */
  id?: string;
  /** Workspace name (auth.test `team`); default "Fake Workspace". */
  name?: string;
  /** Subdomain for auth.test `url` (`https://{domain}.slack.com/`); default derived from the name. */
  domain?: string;
}

/** A workspace (team) known to the fake. */
export interface SlackWorkspace {
  /** `T…` id. */
  id: string;
  /** Display name. */
  name: string;
  /** Subdomain. */
  domain: string;
}

/** Arguments of {@link FakeSlack.addApp}: one installation of an app (its bot) in one workspace. */
export interface SlackAppInit {
  /** Workspace to install into; default the only/first workspace (one is created if there is none). */
  team_id?: string;
  /** `A…` app id; default random. Reusing an app id installs the same app (same signing secret) in another workspace. */
  app_id?: string;
  /** App / bot display name (bot_profile.name); default "Fake App". */
  name?: string;
  /** Bot user's handle (auth.test `user`); default the name, lower-cased and dashed. */
  bot_user_name?: string;
  /** Bot user id `U…`; default random. */
  bot_user_id?: string;
  /** Bot id `B…`; default random. */
  bot_id?: string;
  /** Bot token `xoxb-…`; default random. */
  token?: string;
  /** Granted bot scopes; default {@link DEFAULT_BOT_SCOPES}. */
  scopes?: string[];
  /** Signing secret (per app); default random hex. */
  signing_secret?: string;
  /** Legacy verification token sent as `token` in payloads (per app); default random. */
  verification_token?: string;
  /** App-level token `xapp-…` (per app) for apps.connections.open; default random. */
  app_token?: string;
  /** Add `app_id`/`app_name` to auth.test (not seen in Slack's documented bot-token examples); default false. */
  authTestIncludesAppId?: boolean;
}

/** An installed app as the fake stores it. */
export interface SlackAppInstall {
  /** `A…` app id. */
  app_id: string;
  /** Display name. */
  name: string;
  /** Workspace it is installed in. */
  team_id: string;
  /** Bot user id `U…`. */
  bot_user_id: string;
  /** Bot user handle. */
  bot_user_name: string;
  /** Bot id `B…`. */
  bot_id: string;
  /** Bot token `xoxb-…`. */
  token: string;
  /** Granted scopes (a copy). */
  scopes: string[];
  /** App signing secret. */
  signing_secret: string;
  /** App verification token (deprecated `token` field of payloads). */
  verification_token: string;
  /** App-level token (`xapp-…`) for Socket Mode. */
  app_token: string;
  /** Token state. */
  status: SlackTokenStatus;
}

/** Arguments of {@link FakeSlack.addChannel}. */
export interface SlackChannelInit {
  /** Workspace; default the only/first workspace. */
  team_id?: string;
  /** Conversation kind; default "public". */
  type?: SlackChannelType;
  /** Id; default random `C…` (public), `G…` (private, mpim), `D…` (im). */
  id?: string;
  /** Name without `#`; default derived from the id (ims have no name). */
  name?: string;
  /** User ids in the conversation (put an app's `bot_user_id` here to make the bot a member). */
  members?: string[];
  /** Reported member count; default members.length. setMember() moves it by one. */
  num_members?: number;
  /** Archived; default false. */
  is_archived?: boolean;
  /** The workspace's #general; default false. */
  is_general?: boolean;
  /** For ims: the human on the other side (added to members). */
  user?: string;
  /** Unix seconds; default now. */
  created?: number;
  /** Topic text. */
  topic?: string;
  /** Purpose text. */
  purpose?: string;
}

/** A conversation as the fake stores it (a copy). */
export interface SlackChannel {
  /** Id. */
  id: string;
  /** Workspace. */
  team_id: string;
  /** Kind. */
  type: SlackChannelType;
  /** Name ("" for ims). */
  name: string;
  /** True for private channels and (m)pims. */
  is_private: boolean;
  /** Archived flag. */
  is_archived: boolean;
  /** #general flag. */
  is_general: boolean;
  /** Member user ids. */
  members: string[];
  /** Reported member count. */
  num_members: number;
  /** For ims: the other user. */
  user?: string;
  /** Unix seconds. */
  created: number;
  /** Topic text. */
  topic: string;
  /** Purpose text. */
  purpose: string;
}

/** A message object (loosely typed: Slack's field names, everything passed through). */
export interface SlackMessage {
  /** Always "message" for stored messages. */
  type: string;
  /** Message id within the channel, `"1716900000.000100"`. */
  ts: string;
  /** Text. */
  text?: string;
  /** Author user id. */
  user?: string;
  /** Parent ts for thread replies (and thread parents). */
  thread_ts?: string;
  /** Set for bot posts. */
  bot_id?: string;
  /** Message subtype. */
  subtype?: string;
  /** Other fields. */
  [key: string]: unknown;
}

/** One Web API call received by the fake (also failed and faulted ones). */
export interface SlackRecordedCall {
  /** Method from the URL, e.g. "chat.postMessage". */
  method: string;
  /** Parameters: strings for form/query values, decoded values for JSON bodies. */
  params: Record<string, unknown>;
  /** Token used (from `Authorization: Bearer`, or a form/query `token`), if any. */
  token?: string;
  /** HTTP method. */
  httpMethod: string;
  /** Request Content-Type ("" if none). */
  contentType: string;
  /** Request headers (lower-case names). */
  headers: Record<string, string>;
  /** Date.now() on arrival. */
  at: number;
  /** What was answered; undefined while pending or when dropped. */
  response?: { status: number; body: unknown; headers: Record<string, string> };
  /** True if a `drop` fault destroyed the connection. */
  dropped?: boolean;
}

/** A message successfully posted with chat.postMessage. */
export interface SlackPostedMessage {
  /** Token that posted it. */
  token: string;
  /** App id of that token. */
  app_id: string;
  /** Workspace. */
  team_id: string;
  /** Resolved channel id (also when a name or user id was passed). */
  channel: string;
  /** Assigned ts. */
  ts: string;
  /** Thread parent ts, if a reply. */
  thread_ts?: string;
  /** `text` as sent ("" if none). */
  text: string;
  /** Decoded `blocks`, if sent. */
  blocks?: unknown[];
  /** Decoded `attachments`, if sent. */
  attachments?: unknown[];
  /** `markdown_text`, if sent. */
  markdown_text?: string;
  /** `mrkdwn` as sent (true/false), if sent. */
  mrkdwn?: boolean;
  /** `reply_broadcast` as sent. */
  reply_broadcast?: boolean;
  /** All parameters as received. */
  params: Record<string, unknown>;
  /** The message object returned to the caller. */
  message: SlackMessage;
}

/** One successful assistant.threads.setStatus call. */
export interface SlackThreadStatus {
  /** Token used. */
  token: string;
  /** `channel_id`. */
  channel_id: string;
  /** `thread_ts`. */
  thread_ts: string;
  /** `status` ("" clears). */
  status: string;
  /** Decoded `loading_messages`, if sent. */
  loading_messages?: unknown[];
  /** Date.now(). */
  at: number;
}

/** A message written with chat.startStream, chat.appendStream and chat.stopStream. */
export interface SlackStream {
  /** Channel id. */
  channel: string;
  /** The streamed message's ts. */
  ts: string;
  /** Thread parent ts, if a reply. */
  thread_ts?: string;
  /** `recipient_user_id` as sent. */
  recipient_user_id?: string;
  /** `recipient_team_id` as sent. */
  recipient_team_id?: string;
  /** The `markdown_text` of startStream, each appendStream and stopStream, in order ("" ones left out). */
  chunks: string[];
  /** "streaming" until chat.stopStream (or a chat.update) ends it. */
  state: "streaming" | "stopped";
}

/** One successful chat.update. */
export interface SlackUpdate {
  /** Channel id. */
  channel: string;
  /** ts of the edited message. */
  ts: string;
  /** `text` as sent ("" if none). */
  text: string;
  /** `markdown_text`, if sent. */
  markdown_text?: string;
  /** Date.now(). */
  at: number;
}

/** A programmable fault for the next call(s) of a method. */
export type SlackFailure =
  /** HTTP 429, `Retry-After: {retryAfter}`, body `{"ok":false,"error":"ratelimited"}`. */
  | { kind: "rate_limit"; retryAfter: number }
  /** HTTP 200 `{ok:false,error,...extra}`. */
  | { kind: "error"; error: string; extra?: Record<string, unknown> }
  /** A bare HTTP error; default body is a small HTML page for 5xx, empty otherwise. */
  | { kind: "http"; status: number; body?: string; contentType?: string }
  /** Destroy the socket without answering. */
  | { kind: "drop" }
  /** Wait, then answer normally. */
  | { kind: "delay"; ms: number };

/** Custom method implementation: return the JSON body to send (HTTP 200). Runs after token checks. */
export type FakeSlackHandler = (
  call: SlackRecordedCall,
  install: SlackAppInstall,
) => Record<string, unknown> | Promise<Record<string, unknown>>;

/** Options for {@link FakeSlack.sendEvent}. */
export interface SlackSendEventOptions {
  /** `X-Slack-Request-Timestamp` (Unix seconds) to sign with; default now. Use an old one for replay tests. */
  timestamp?: number;
  /** Sign with this secret instead of the app's (forged request). */
  signingSecret?: string;
  /** Send neither X-Slack-Signature nor X-Slack-Request-Timestamp. */
  unsigned?: boolean;
  /** Adds `X-Slack-Retry-Num` (Slack uses 1–3). */
  retryNum?: number;
  /** Adds `X-Slack-Retry-Reason`, e.g. "http_timeout", "http_error". */
  retryReason?: string;
  /** Content-Type; default "application/json". */
  contentType?: string;
  /** Extra or overriding headers. */
  headers?: Record<string, string>;
  /** Abort after this many ms (Slack gives up after 3 s); default 3000. */
  timeoutMs?: number;
}

/** One sendEvent() attempt. */
export interface SlackDelivery {
  /** App whose secret signed it. */
  app_id: string;
  /** Target URL. */
  url: string;
  /** Raw body sent. */
  body: string;
  /** Headers sent. */
  headers: Record<string, string>;
  /** HTTP status received. */
  status?: number;
  /** Slack's retry-reason vocabulary for failures: "http_timeout", "connection_failed", "http_error", "unknown_error". */
  error?: string;
  /** Date.now() when sent. */
  at: number;
  /** Time until the response headers (or the failure). */
  durationMs?: number;
}

/** One entry of an envelope's `authorizations`. */
export interface SlackAuthorization {
  /** Enterprise id or null. */
  enterprise_id: string | null;
  /** Workspace. */
  team_id: string;
  /** Installing (bot) user. */
  user_id: string;
  /** True for bot installs. */
  is_bot: boolean;
  /** Org-wide install. */
  is_enterprise_install: boolean;
}

/** An inner event (loosely typed). */
export interface SlackEvent {
  /** Event type, e.g. "message", "app_mention". */
  type: string;
  /** Other fields. */
  [key: string]: unknown;
}

/** An `event_callback` request body. */
export interface SlackEventEnvelope {
  /** Deprecated verification token. */
  token: string;
  /** Workspace. */
  team_id: string;
  /** Workspace the event happened in. */
  context_team_id: string;
  /** Enterprise of the event, or null. */
  context_enterprise_id: string | null;
  /** Receiving app. */
  api_app_id: string;
  /** The inner event. */
  event: SlackEvent;
  /** Always "event_callback". */
  type: "event_callback";
  /** Unique per event (stays the same on retries): `Ev…`. */
  event_id: string;
  /** Unix seconds of dispatch. */
  event_time: number;
  /** One installation that can see the event. */
  authorizations: SlackAuthorization[];
  /** Shared-channel flag. */
  is_ext_shared_channel: boolean;
  /** Opaque id for apps.event.authorizations.list. */
  event_context: string;
}

/** Arguments of {@link FakeSlack.eventCallback}. */
export interface SlackEventCallbackInit {
  /** Workspace; default the event channel's workspace (or the app's only installation). */
  team_id?: string;
  /** Receiving app. */
  api_app_id: string;
  /** Inner event. */
  event: SlackEvent;
  /** Default a fresh `Ev…` id (reuse one to model a retry of the same event). */
  event_id?: string;
  /** Default the event's `event_ts` second (or now). */
  event_time?: number;
  /** Default the app's bot installation in team_id. */
  authorizations?: SlackAuthorization[];
  /** Default false. */
  is_ext_shared_channel?: boolean;
}

/** A `url_verification` request body. */
export interface SlackUrlVerification {
  /** Deprecated verification token. */
  token: string;
  /** Value to echo back. */
  challenge: string;
  /** Always "url_verification". */
  type: "url_verification";
}

/** Arguments shared by the message-like event builders. */
export interface SlackMessageEventInit {
  /** Channel id (known channels give `channel_type` and `team`). */
  channel: string;
  /** Author user id (human). */
  user: string;
  /** Text; mentions as `<@U123>`. */
  text: string;
  /** Default a fresh unique ts. */
  ts?: string;
  /** Thread parent ts (adds `parent_user_id` if the parent is known). */
  thread_ts?: string;
  /** Default from the channel: "channel" | "group" | "im" | "mpim". */
  channel_type?: string;
  /** Default the channel's workspace. */
  team?: string;
  /** Extra fields merged into the event. */
  extra?: Record<string, unknown>;
}

/** Arguments of {@link FakeSlack.addFile}. */
export interface SlackFileInit {
  /** Workspace the file belongs to. */
  team: string;
  /** Uploader's user id. */
  user: string;
  name: string;
  mimetype: string;
  bytes: Uint8Array;
}

/** A file object as a `message` event's `files` carry it (https://docs.slack.dev/reference/objects/file-object). */
export interface SlackFile {
  id: string;
  created: number;
  timestamp: number;
  name: string;
  title: string;
  mimetype: string;
  filetype: string;
  pretty_type: string;
  user: string;
  user_team: string;
  editable: boolean;
  size: number;
  mode: "hosted";
  is_external: boolean;
  external_type: string;
  is_public: boolean;
  public_url_shared: boolean;
  display_as_bot: boolean;
  username: string;
  url_private: string;
  url_private_download: string;
  permalink: string;
  permalink_public: string;
}

/** Arguments of {@link FakeSlack.botMessageEvent}. */
export interface SlackBotMessageEventInit {
  /** Channel id. */
  channel: string;
  /** Text. */
  text: string;
  /** An app known to the fake (its bot ids are used), or any `A…` id. */
  app_id?: string;
  /** Bot id; default the app's bot or a random `B…`. */
  bot_id?: string;
  /** Bot user id (for style "app"); default the app's bot user. */
  user?: string;
  /** Display name; default the app's name or "bot". */
  username?: string;
  /** "bot_message" (classic: `subtype:"bot_message"`, no `user`) or "app" (modern bot-token post: no subtype, `user` + `bot_id` + `bot_profile`); default "bot_message". */
  style?: "bot_message" | "app";
  /** Default a fresh ts. */
  ts?: string;
  /** Thread parent ts. */
  thread_ts?: string;
  /** Default from the channel. */
  channel_type?: string;
  /** Extra fields merged into the event. */
  extra?: Record<string, unknown>;
}

/** Arguments of {@link FakeSlack.messageChangedEvent}. */
export interface SlackMessageChangedInit {
  /** Channel id. */
  channel: string;
  /** ts of the edited message. */
  ts: string;
  /** New text. */
  text: string;
  /** Old text; default the stored message's text. */
  previous_text?: string;
  /** Author; default the stored message's user. */
  user?: string;
  /** Default from the channel. */
  channel_type?: string;
}

/** Options for {@link startFakeSlack}. */
export interface FakeSlackOptions {
  /** Workspaces to create right away. */
  workspaces?: SlackWorkspaceInit[];
  /** Apps to install right away (after the workspaces). */
  apps?: SlackAppInit[];
  /** Channels to create right away (after the apps). */
  channels?: SlackChannelInit[];
  /** assistant.threads.setStatus accepts `chat:write` too (docs.slack.dev changelog 2026-03-05); default true. */
  setStatusAcceptsChatWrite?: boolean;
}

/** Handle to a running fake Slack. */
export interface FakeSlack {
  /** Web API base for WebClient's `slackApiUrl`: `http://127.0.0.1:<port>/api/`. */
  url: string;
  /** Create a workspace. */
  addWorkspace(init?: SlackWorkspaceInit): SlackWorkspace;
  /** Install an app's bot in a workspace; returns ids, token and secrets. */
  addApp(init?: SlackAppInit): SlackAppInstall;
  /** Look up an installation by token (a copy). */
  install(token: string): SlackAppInstall | undefined;
  /** Replace the granted scopes of a token. */
  setScopes(token: string, scopes: string[]): void;
  /** Mark a token revoked (→ token_revoked) or inactive (→ account_inactive), or active again. */
  setTokenStatus(token: string, status: SlackTokenStatus): void;
  /** Create a conversation. */
  addChannel(init?: SlackChannelInit): SlackChannel;
  /** A conversation (a copy). */
  channel(id: string): SlackChannel | undefined;
  /** Add/remove a user (e.g. a bot user id) to/from a conversation. */
  setMember(channel: string, user: string, member?: boolean): void;
  /** Archive/unarchive a conversation. */
  setArchived(channel: string, archived?: boolean): void;
  /** Put an existing message into a conversation (for conversations.replies / thread parents). */
  addMessage(channel: string, message: Partial<SlackMessage> & { ts?: string }): SlackMessage;
  /** Stored messages of a conversation in ts order (posted, added, and those delivered via sendEvent). */
  history(channel: string): SlackMessage[];
  /** Every Web API call, in arrival order. */
  calls: SlackRecordedCall[];
  /** Calls of one method (case-insensitive). */
  callsTo(method: string): SlackRecordedCall[];
  /** Messages posted through chat.postMessage, optionally for one channel id. */
  posted(channel?: string): SlackPostedMessage[];
  /** Successful assistant.threads.setStatus calls, optionally for one channel id. */
  statuses(channel?: string): SlackThreadStatus[];
  /** Messages streamed with chat.startStream/appendStream/stopStream, optionally for one channel id. */
  streams(channel?: string): SlackStream[];
  /** Successful chat.update calls, optionally for one channel id. */
  updates(channel?: string): SlackUpdate[];
  /** A message as it is now (after edits and streaming), or undefined. */
  message(channel: string, ts: string): SlackMessage | undefined;
  /** Make the next `times` (default 1) calls of `method` (case-insensitive, "*" = any) fail. */
  failNext(method: string, failure: SlackFailure, times?: number): void;
  /** Forget pending faults. */
  clearFailures(): void;
  /** Implement or override a method; `acceptedScopes` go into x-accepted-oauth-scopes and gate the call. */
  handle(method: string, handler: FakeSlackHandler, acceptedScopes?: string[]): void;
  /** POST a payload (object → JSON, string → as is) to a Request URL, signed with the app's secret. */
  sendEvent(appId: string, url: string, payload: unknown, opts?: SlackSendEventOptions): Promise<Response>;
  /** The signing headers Slack would send for `rawBody`. */
  signatureHeaders(appId: string, rawBody: string, timestamp?: number): Record<string, string>;
  /** Every sendEvent() attempt. */
  deliveries: SlackDelivery[];
  /** Wrap an inner event in a full `event_callback` envelope. */
  eventCallback(init: SlackEventCallbackInit): SlackEventEnvelope;
  /** A `url_verification` body (challenge default random; token from appId if given). */
  urlVerification(challenge?: string, appId?: string): SlackUrlVerification;
  /** An `app_mention` inner event. */
  appMentionEvent(init: SlackMessageEventInit): SlackEvent;
  /** A user `message` inner event (channel, group, im or mpim). */
  messageEvent(init: SlackMessageEventInit): SlackEvent;
  /** A bot's `message` inner event. */
  botMessageEvent(init: SlackBotMessageEventInit): SlackEvent;
  /** The `message` event Slack sends back for one of the fake's own chat.postMessage posts. */
  ownMessageEvent(posted: SlackPostedMessage): SlackEvent;
  /** A `message_changed` inner event. */
  messageChangedEvent(init: SlackMessageChangedInit): SlackEvent;
  /** A fresh, unique, increasing message ts. */
  nextTs(): string;
  /** Socket Mode connections ever opened (optionally of one app), oldest first. */
  socketConnections(appId?: string): SocketModeConnection[];
  /** Every Socket Mode envelope sent, oldest first. */
  socketEnvelopes: SocketModeEnvelope[];
  /** Send an Events API body over the app's Socket Mode connection as an `events_api` envelope; resolves once acknowledged (or not, after the deadline). */
  pushSocketEvent(appId: string, payload: unknown, options?: SocketPushOptions): Promise<SocketPushResult>;
  /** Send `{"type":"disconnect","reason":…}` on the app's open connections; the fake closes them later if the app does not. */
  disconnectSocket(appId: string, reason: SocketDisconnectReason, options?: SocketDisconnectOptions): void;
  /** Cut the app's open Socket Mode connections without a close handshake. */
  dropSocketConnections(appId: string): void;
  /** Make the app's open Socket Mode connections go silent (no frames, no pongs) without closing: a half-open link. */
  freezeSocketConnections(appId: string): void;
  /**
   * Stores a file a user uploaded, as a message's `files` entry carries it; its `url_private` on this server
   * serves the bytes to a bot token of the workspace with `files:read`, and Slack's login page to anyone else.
   */
  addFile(init: SlackFileInit): SlackFile;
  /** Every request for a file's url_private, in order. */
  fileDownloads: { path: string; token: string | undefined; served: "file" | "login_page" | "not_found" }[];
  /** Clear calls, posts, statuses, deliveries and faults (workspaces, apps, channels, messages stay). */
  reset(): void;
  /** Stop the server. */
  close(): Promise<void>;
}

// -------------------------------------------------------------------------------------- constants

/** Scopes granted by addApp() when none are given (files:read included, as the app manifest in Patchbay's README asks). */
export const DEFAULT_BOT_SCOPES: readonly string[] = [
  "app_mentions:read",
  "channels:history",
  "channels:read",
  "chat:write",
  "files:read",
  "groups:history",
  "groups:read",
  "im:history",
  "im:read",
  "mpim:history",
  "mpim:read",
];

/** chat.postMessage: "messages over 40,000 characters" (docs.slack.dev). */
const MAX_TEXT_LENGTH = 40_000;
/** Block Kit: at most 50 blocks per message. */
const MAX_BLOCKS = 50;
/** markdown_text of chat.postMessage and the streaming methods: "Limit this field to 12,000 characters". */
const MAX_MARKDOWN_TEXT = 12_000;

const LIST_TYPES: Record<string, SlackChannelType> = {
  public_channel: "public",
  private_channel: "private",
  mpim: "mpim",
  im: "im",
};
const READ_SCOPE: Record<SlackChannelType, string> = {
  public: "channels:read",
  private: "groups:read",
  mpim: "mpim:read",
  im: "im:read",
};
const HISTORY_SCOPE: Record<SlackChannelType, string> = {
  public: "channels:history",
  private: "groups:history",
  mpim: "mpim:history",
  im: "im:history",
};
const READ_SCOPES = ["channels:read", "groups:read", "mpim:read", "im:read"];
const HISTORY_SCOPES = ["channels:history", "groups:history", "mpim:history", "im:history"];
const CHANNEL_TYPE_NAME: Record<SlackChannelType, string> = {
  public: "channel",
  private: "group",
  mpim: "mpim",
  im: "im",
};

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

// -------------------------------------------------------------------------------------- helpers

type Body = Record<string, unknown>;

/** `v0=` + hex HMAC-SHA256 of `v0:{timestamp}:{rawBody}` keyed with the signing secret. */
export function slackSignature(signingSecret: string, timestamp: number | string, rawBody: string | Buffer): string {
  const hmac = createHmac("sha256", signingSecret);
  hmac.update(`v0:${timestamp}:`);
  hmac.update(rawBody);
  return `v0=${hmac.digest("hex")}`;
}

function randomChars(length: number, alphabet = ALNUM): string {
  let out = "";
  for (const byte of randomBytes(length)) out += alphabet[byte % alphabet.length];
  return out;
}

function randomDigits(length: number): string {
  return randomChars(length, "0123456789").replace(/^0/, "1");
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

function err(error: string, extra: Body = {}): Body {
  return { ok: false, error, ...extra };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A parameter as the string Slack would see ("" stays ""; objects JSON-encoded). */
function str(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}

function truthy(value: unknown): boolean {
  const s = str(value)?.trim().toLowerCase();
  return s === "true" || s === "1";
}

/** A JSON-typed parameter: decoded value, or "invalid" when a string does not parse. */
function jsonParam(value: unknown): unknown {
  if (typeof value !== "string") return value;
  if (value.trim() === "") return undefined;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return INVALID;
  }
}
const INVALID = Symbol("invalid");

function flattenHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}

/** Rich-text blocks like Slack attaches to user messages, with `<@U…>` turned into user elements. */
function richTextBlocks(text: string): unknown[] {
  const elements: unknown[] = [];
  const re = /<@([UW][A-Z0-9]+)(?:\|[^>]*)?>/g;
  let last = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m.index > last) elements.push({ type: "text", text: text.slice(last, m.index) });
    elements.push({ type: "user", user_id: m[1] });
    last = m.index + m[0].length;
  }
  if (last < text.length) elements.push({ type: "text", text: text.slice(last) });
  return [
    {
      type: "rich_text",
      block_id: randomChars(5, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"),
      elements: [{ type: "rich_text_section", elements }],
    },
  ];
}

function compareTs(a: string, b: string): number {
  const [as = "0", af = ""] = a.split(".");
  const [bs = "0", bf = ""] = b.split(".");
  return Number(as) - Number(bs) || Number(af.padEnd(6, "0")) - Number(bf.padEnd(6, "0"));
}

function encodeCursor(id: string): string {
  return Buffer.from(`team:${id}`).toString("base64");
}

function decodeCursor(cursor: string): string | undefined {
  if (!/^[A-Za-z0-9+/=_-]+$/.test(cursor)) return undefined;
  const decoded = Buffer.from(cursor, "base64").toString("utf8");
  return decoded.startsWith("team:") ? decoded.slice(5) : undefined;
}

/** `limit`: default when missing/invalid/≤0, capped at max. */
function pageLimit(value: unknown, fallback: number, max: number): number {
  const n = Number.parseInt(str(value) ?? "", 10);
  if (!Number.isFinite(n) || n <= 0) return fallback;
  return Math.min(n, max);
}

// ------------------------------------------------------------------------------------ internals

interface AppState {
  app_id: string;
  name: string;
  signing_secret: string;
  verification_token: string;
  app_token: string;
}

interface InstallState {
  app: AppState;
  team_id: string;
  bot_user_id: string;
  bot_user_name: string;
  bot_id: string;
  token: string;
  scopes: string[];
  status: SlackTokenStatus;
  authTestIncludesAppId: boolean;
  updated: number;
}

interface ChannelState {
  id: string;
  team_id: string;
  type: SlackChannelType;
  name: string;
  is_archived: boolean;
  is_general: boolean;
  members: Set<string>;
  memberOffset: number;
  user?: string;
  created: number;
  updated: number;
  topic: string;
  purpose: string;
  creator: string;
  messages: Map<string, SlackMessage>;
}

interface Route {
  accepted: string[];
  run(ctx: Ctx): Body | Promise<Body>;
}

interface Ctx {
  call: SlackRecordedCall;
  install: InstallState;
  params: Record<string, unknown>;
}

type ParsedRequest = { params: Record<string, unknown>; bodyToken?: string; warning?: string } | { error: string };

function parseRequest(url: URL, contentType: string, body: Buffer): ParsedRequest {
  const params: Record<string, unknown> = {};
  for (const [key, value] of url.searchParams) params[key] = value;
  const queryToken = url.searchParams.get("token") ?? undefined;
  const type = (contentType.split(";")[0] ?? "").trim().toLowerCase();
  if (body.length === 0) return { params, bodyToken: queryToken };
  if (type === "application/json") {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString("utf8"));
    } catch {
      return { error: "invalid_json" };
    }
    if (!isPlainObject(parsed)) return { error: "invalid_json" };
    Object.assign(params, parsed);
    // Slack ignores a token inside a JSON body; it must come in the Authorization header.
    const warning = /charset=/i.test(contentType) ? undefined : "missing_charset";
    return { params, bodyToken: queryToken, warning };
  }
  if (type === "application/x-www-form-urlencoded" || type === "") {
    const form = new URLSearchParams(body.toString("utf8"));
    for (const [key, value] of form) params[key] = value;
    return { params, bodyToken: form.get("token") ?? queryToken };
  }
  // multipart (file uploads) is not modelled; parameters from the query string only
  return { params, bodyToken: queryToken };
}

function bearerToken(header: string | undefined): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  return m?.[1];
}

const DEFAULT_HTML_ERROR = (status: number): string =>
  `<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>Slack</title></head>` +
  `<body><h1>${status === 503 ? "Service Unavailable" : "Server Error"}</h1>` +
  `<p>Slack is having trouble right now. Please try again.</p></body></html>\n`;

// ------------------------------------------------------------------------------------ the server

/** Start a fake Slack Web API on 127.0.0.1 with an ephemeral port. */
export async function startFakeSlack(options: FakeSlackOptions = {}): Promise<FakeSlack> {
  const workspaces = new Map<string, SlackWorkspace>();
  const apps = new Map<string, AppState>();
  const installs = new Map<string, InstallState>();
  const channels = new Map<string, ChannelState>();
  const usedIds = new Set<string>();
  const calls: SlackRecordedCall[] = [];
  const posts: SlackPostedMessage[] = [];
  const statusLog: SlackThreadStatus[] = [];
  const streamLog: SlackStream[] = [];
  const updateLog: SlackUpdate[] = [];
  const deliveries: SlackDelivery[] = [];
  const faults = new FaultQueue<SlackFailure>();
  const custom = new Map<string, Route & { handler: FakeSlackHandler }>();
  let lastMicros = 0;
  const files = new Map<string, { file: SlackFile; bytes: Uint8Array }>();
  const fileDownloads: FakeSlack["fileDownloads"] = [];

  function uniqueId(prefix: string, length = 10): string {
    for (;;) {
      const id = prefix + randomChars(length);
      if (!usedIds.has(id)) {
        usedIds.add(id);
        return id;
      }
    }
  }

  function nextTs(): string {
    lastMicros = Math.max(Date.now() * 1000, lastMicros + 1);
    return `${Math.floor(lastMicros / 1_000_000)}.${String(lastMicros % 1_000_000).padStart(6, "0")}`;
  }

  function noteTs(ts: string): void {
    // keep generated ts values above externally supplied ones
    const [s = "0", f = "0"] = ts.split(".");
    const micros = Number(s) * 1_000_000 + Number(f.padEnd(6, "0").slice(0, 6));
    if (Number.isFinite(micros)) lastMicros = Math.max(lastMicros, micros);
  }

  // ------------------------------------------------------------------------- model setup

  function addWorkspace(init: SlackWorkspaceInit = {}): SlackWorkspace {
    const id = init.id ?? uniqueId("T");
    usedIds.add(id);
    const name = init.name ?? "Fake Workspace";
    const domain =
      init.domain ??
      (name
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, "-")
        .replace(/^-|-$/g, "") || id.toLowerCase());
    const ws = { id, name, domain };
    workspaces.set(id, ws);
    return { ...ws };
  }

  function defaultTeam(teamId: string | undefined, what: string): string {
    if (teamId !== undefined) {
      if (!workspaces.has(teamId)) throw new Error(`fake Slack: unknown workspace ${teamId} for ${what}`);
      return teamId;
    }
    const first = workspaces.keys().next();
    if (!first.done) return first.value;
    return addWorkspace().id;
  }

  function installCopy(i: InstallState): SlackAppInstall {
    return {
      app_id: i.app.app_id,
      name: i.app.name,
      team_id: i.team_id,
      bot_user_id: i.bot_user_id,
      bot_user_name: i.bot_user_name,
      bot_id: i.bot_id,
      token: i.token,
      scopes: [...i.scopes],
      signing_secret: i.app.signing_secret,
      verification_token: i.app.verification_token,
      app_token: i.app.app_token,
      status: i.status,
    };
  }

  function addApp(init: SlackAppInit = {}): SlackAppInstall {
    const team_id = defaultTeam(init.team_id, "addApp");
    let app = init.app_id !== undefined ? apps.get(init.app_id) : undefined;
    if (!app) {
      const app_id = init.app_id ?? uniqueId("A");
      app = {
        app_id,
        name: init.name ?? "Fake App",
        signing_secret: init.signing_secret ?? randomBytes(16).toString("hex"),
        verification_token: init.verification_token ?? randomChars(24, ALNUM + "abcdefghijklmnopqrstuvwxyz"),
        // The shape Slack shows under Basic Information → App-Level Tokens.
        app_token: init.app_token ?? `xapp-1-${app_id}-${randomDigits(13)}-${randomBytes(32).toString("hex")}`,
      };
      usedIds.add(app.app_id);
      apps.set(app.app_id, app);
    } else {
      if (init.signing_secret !== undefined) app.signing_secret = init.signing_secret;
      if (init.verification_token !== undefined) app.verification_token = init.verification_token;
      if (init.app_token !== undefined) app.app_token = init.app_token;
      if (init.name !== undefined) app.name = init.name;
    }
    const token =
      init.token ?? `xoxb-${randomDigits(13)}-${randomDigits(13)}-${randomChars(24, ALNUM + "abcdefghijklmnopqrstuvwxyz")}`;
    if (installs.has(token)) throw new Error(`fake Slack: token ${token} already registered`);
    const install: InstallState = {
      app,
      team_id,
      bot_user_id: init.bot_user_id ?? uniqueId("U"),
      bot_user_name:
        init.bot_user_name ??
        (app.name
          .toLowerCase()
          .replace(/[^a-z0-9]+/g, "-")
          .replace(/^-|-$/g, "") || "bot"),
      bot_id: init.bot_id ?? uniqueId("B"),
      token,
      scopes: [...(init.scopes ?? DEFAULT_BOT_SCOPES)],
      status: "active",
      authTestIncludesAppId: init.authTestIncludesAppId ?? false,
      updated: nowSeconds(),
    };
    usedIds.add(install.bot_user_id);
    usedIds.add(install.bot_id);
    installs.set(token, install);
    return installCopy(install);
  }

  function requireInstall(token: string): InstallState {
    const i = installs.get(token);
    if (!i) throw new Error(`fake Slack: unknown token ${token}`);
    return i;
  }

  function addChannel(init: SlackChannelInit = {}): SlackChannel {
    const team_id = defaultTeam(init.team_id, "addChannel");
    const type = init.type ?? "public";
    const prefix = type === "public" ? "C" : type === "im" ? "D" : "G";
    const id = init.id ?? uniqueId(prefix);
    usedIds.add(id);
    if (channels.has(id)) throw new Error(`fake Slack: channel ${id} already exists`);
    const members = new Set(init.members ?? []);
    if (init.user !== undefined) members.add(init.user);
    const created = init.created ?? nowSeconds();
    const name = type === "im" ? "" : (init.name ?? (type === "mpim" ? `mpdm-${id.toLowerCase()}-1` : id.toLowerCase()));
    const state: ChannelState = {
      id,
      team_id,
      type,
      name,
      is_archived: init.is_archived ?? false,
      is_general: init.is_general ?? false,
      members,
      memberOffset: (init.num_members ?? members.size) - members.size,
      created,
      updated: created * 1000,
      topic: init.topic ?? "",
      purpose: init.purpose ?? "",
      creator: [...members][0] ?? "",
      messages: new Map(),
    };
    if (init.user !== undefined) state.user = init.user;
    channels.set(id, state);
    return channelCopy(state);
  }

  function channelCopy(c: ChannelState): SlackChannel {
    const out: SlackChannel = {
      id: c.id,
      team_id: c.team_id,
      type: c.type,
      name: c.name,
      is_private: c.type !== "public",
      is_archived: c.is_archived,
      is_general: c.is_general,
      members: [...c.members],
      num_members: numMembers(c),
      created: c.created,
      topic: c.topic,
      purpose: c.purpose,
    };
    if (c.user !== undefined) out.user = c.user;
    return out;
  }

  function numMembers(c: ChannelState): number {
    return Math.max(0, c.members.size + c.memberOffset);
  }

  function requireChannel(id: string): ChannelState {
    const c = channels.get(id);
    if (!c) throw new Error(`fake Slack: unknown channel ${id}`);
    return c;
  }

  // ------------------------------------------------------------------------- message store

  function storeMessage(channel: ChannelState, message: SlackMessage): SlackMessage {
    noteTs(message.ts);
    const existing = channel.messages.get(message.ts);
    if (existing) return existing;
    channel.messages.set(message.ts, message);
    const parentTs = message.thread_ts;
    if (parentTs !== undefined && parentTs !== message.ts) {
      const parent = channel.messages.get(parentTs);
      if (parent) {
        parent.thread_ts = parent.ts;
        parent.reply_count = (typeof parent.reply_count === "number" ? parent.reply_count : 0) + 1;
        const users = new Set(Array.isArray(parent.reply_users) ? (parent.reply_users as string[]) : []);
        if (typeof message.user === "string") users.add(message.user);
        parent.reply_users = [...users];
        parent.reply_users_count = users.size;
        parent.latest_reply = message.ts;
      }
    }
    return message;
  }

  function parentUser(channelId: string, threadTs: string | undefined, ts: string): string | undefined {
    if (threadTs === undefined || threadTs === ts) return undefined;
    const parent = channels.get(channelId)?.messages.get(threadTs);
    return typeof parent?.user === "string" ? parent.user : undefined;
  }

  /** Remember messages Slack would have stored when it delivers a message-like event. */
  function registerDeliveredEvent(payload: unknown): void {
    if (!isPlainObject(payload) || payload.type !== "event_callback" || !isPlainObject(payload.event)) return;
    const event = payload.event;
    const channel = typeof event.channel === "string" ? channels.get(event.channel) : undefined;
    if (!channel) return;
    if (event.type === "message" && event.subtype === "message_changed" && isPlainObject(event.message)) {
      const ts = event.message.ts;
      const stored = typeof ts === "string" ? channel.messages.get(ts) : undefined;
      if (stored) Object.assign(stored, event.message);
      return;
    }
    if (event.type === "message" && event.subtype === "message_deleted") {
      if (typeof event.deleted_ts === "string") channel.messages.delete(event.deleted_ts);
      return;
    }
    if ((event.type !== "message" && event.type !== "app_mention") || typeof event.ts !== "string") return;
    if (event.subtype !== undefined && !["bot_message", "thread_broadcast", "file_share", "me_message"].includes(String(event.subtype))) {
      return;
    }
    const { channel: _c, event_ts: _e, channel_type: _t, ...rest } = event;
    storeMessage(channel, { ...rest, type: "message", ts: event.ts } as SlackMessage);
  }

  // ------------------------------------------------------------------------- channel views

  function isVisible(c: ChannelState, userId: string): boolean {
    return c.type === "public" || c.members.has(userId);
  }

  function channelObject(c: ChannelState, viewer: string, opts: { isMember: boolean; numMembers: boolean }): Body {
    if (c.type === "im") {
      return {
        id: c.id,
        created: c.created,
        is_archived: c.is_archived,
        is_im: true,
        is_org_shared: false,
        context_team_id: c.team_id,
        updated: c.updated,
        user: c.user ?? [...c.members].find((m) => m !== viewer) ?? "",
        is_user_deleted: false,
        priority: 0,
      };
    }
    const isGroup = c.id.startsWith("G");
    const obj: Body = {
      id: c.id,
      name: c.name,
      is_channel: c.type !== "mpim" && !isGroup,
      is_group: isGroup,
      is_im: false,
      is_mpim: c.type === "mpim",
      is_private: c.type !== "public",
      created: c.created,
      is_archived: c.is_archived,
      is_general: c.is_general,
      unlinked: 0,
      name_normalized: c.name,
      is_shared: false,
      is_org_shared: false,
      is_pending_ext_shared: false,
      pending_shared: [],
      context_team_id: c.team_id,
      updated: c.updated,
      parent_conversation: null,
      creator: c.creator,
      is_ext_shared: false,
      shared_team_ids: [c.team_id],
      pending_connected_team_ids: [],
    };
    if (opts.isMember) obj.is_member = c.members.has(viewer);
    obj.topic = { value: c.topic, creator: "", last_set: 0 };
    obj.purpose = { value: c.purpose, creator: "", last_set: 0 };
    obj.previous_names = [];
    if (opts.numMembers) obj.num_members = numMembers(c);
    return obj;
  }

  function resolveChannelArg(install: InstallState, raw: string, allowNamesAndUsers: boolean): ChannelState | undefined {
    const byId = channels.get(raw);
    if (byId && byId.team_id === install.team_id) return byId;
    if (!allowNamesAndUsers) return undefined;
    const name = raw.startsWith("#") ? raw.slice(1) : raw;
    for (const c of channels.values()) {
      if (c.team_id === install.team_id && c.type !== "im" && c.name === name) return c;
    }
    if (/^[UW][A-Z0-9]+$/.test(raw)) {
      // posting to a user id goes to the app's DM with that user (created on first use)
      for (const c of channels.values()) {
        if (c.team_id === install.team_id && c.type === "im" && c.user === raw && c.members.has(install.bot_user_id)) return c;
      }
      const created = addChannel({ team_id: install.team_id, type: "im", user: raw, members: [install.bot_user_id] });
      return channels.get(created.id);
    }
    return undefined;
  }

  function hasAny(install: InstallState, scopes: string[]): boolean {
    return scopes.some((s) => install.scopes.includes(s));
  }

  function missingScope(install: InstallState, needed: string[]): Body {
    return err("missing_scope", { needed: needed.join(","), provided: install.scopes.join(",") });
  }

  function paginate<T extends { id: string }>(
    items: T[],
    params: Record<string, unknown>,
    fallback: number,
    max: number,
  ): { page: T[]; next_cursor: string } | { error: Body } {
    const limit = pageLimit(params.limit, fallback, max);
    const cursor = str(params.cursor) ?? "";
    let start = 0;
    if (cursor !== "") {
      const id = decodeCursor(cursor);
      start = id === undefined ? -1 : items.findIndex((item) => item.id === id);
      if (start < 0) return { error: err("invalid_cursor") };
    }
    const page = items.slice(start, start + limit);
    const next = items[start + limit];
    return { page, next_cursor: next ? encodeCursor(next.id) : "" };
  }

  function parseTypes(install: InstallState, raw: unknown): SlackChannelType[] | Body {
    const names = (str(raw) ?? "")
      .split(",")
      .map((t) => t.trim())
      .filter((t) => t !== "");
    if (names.length === 0) names.push("public_channel");
    const types: SlackChannelType[] = [];
    for (const name of names) {
      const type = LIST_TYPES[name];
      if (!type) return err("invalid_types"); // approximate
      if (!install.scopes.includes(READ_SCOPE[type])) return missingScope(install, [READ_SCOPE[type]]);
      if (!types.includes(type)) types.push(type);
    }
    return types;
  }

  // ------------------------------------------------------------------------- methods

  const routes = new Map<string, Route>();

  routes.set("auth.test", {
    accepted: [],
    run({ install }) {
      const ws = workspaces.get(install.team_id);
      const body: Body = {
        ok: true,
        url: `https://${ws?.domain ?? "fake"}.slack.com/`,
        team: ws?.name ?? "",
        user: install.bot_user_name,
        team_id: install.team_id,
        user_id: install.bot_user_id,
        bot_id: install.bot_id,
        is_enterprise_install: false,
      };
      if (install.authTestIncludesAppId) {
        body.app_id = install.app.app_id;
        body.app_name = install.app.name;
      }
      return body;
    },
  });

  // api.test needs no token; answered in dispatch()
  routes.set("api.test", { accepted: [], run: () => ({ ok: true }) });

  routes.set("conversations.list", {
    accepted: READ_SCOPES,
    run({ install, params }) {
      const types = parseTypes(install, params.types);
      if (!Array.isArray(types)) return types;
      const excludeArchived = truthy(params.exclude_archived);
      const visible = [...channels.values()].filter(
        (c) =>
          c.team_id === install.team_id &&
          types.includes(c.type) &&
          isVisible(c, install.bot_user_id) &&
          !(excludeArchived && c.is_archived),
      );
      const paged = paginate(visible, params, 100, 1000);
      if ("error" in paged) return paged.error;
      return {
        ok: true,
        channels: paged.page.map((c) => channelObject(c, install.bot_user_id, { isMember: true, numMembers: c.type !== "im" })),
        response_metadata: { next_cursor: paged.next_cursor },
      };
    },
  });

  routes.set("users.conversations", {
    accepted: READ_SCOPES,
    run({ install, params }) {
      const types = parseTypes(install, params.types);
      if (!Array.isArray(types)) return types;
      const user = str(params.user) || install.bot_user_id;
      const excludeArchived = truthy(params.exclude_archived);
      const list = [...channels.values()].filter(
        (c) =>
          c.team_id === install.team_id &&
          types.includes(c.type) &&
          c.members.has(user) &&
          (c.type === "public" || c.members.has(install.bot_user_id)) &&
          !(excludeArchived && c.is_archived),
      );
      const paged = paginate(list, params, 100, 1000);
      if ("error" in paged) return paged.error;
      return {
        ok: true,
        channels: paged.page.map((c) => channelObject(c, install.bot_user_id, { isMember: false, numMembers: false })),
        response_metadata: { next_cursor: paged.next_cursor },
      };
    },
  });

  routes.set("conversations.info", {
    accepted: READ_SCOPES,
    run({ install, params }) {
      const raw = str(params.channel) ?? "";
      const c = raw === "" ? undefined : resolveChannelArg(install, raw, false);
      if (!c || !isVisible(c, install.bot_user_id)) return err("channel_not_found");
      if (!install.scopes.includes(READ_SCOPE[c.type])) return missingScope(install, [READ_SCOPE[c.type]]);
      const channel = channelObject(c, install.bot_user_id, { isMember: true, numMembers: truthy(params.include_num_members) });
      if (c.type !== "im") {
        const latest = [...c.messages.values()].sort((a, b) => compareTs(b.ts, a.ts))[0];
        channel.last_read = latest?.ts ?? "0000000000.000000";
      }
      return { ok: true, channel };
    },
  });

  routes.set("chat.postMessage", {
    accepted: ["chat:write"],
    run({ install, params, call }) {
      const raw = str(params.channel) ?? "";
      const c = raw === "" ? undefined : resolveChannelArg(install, raw, true);
      if (!c || (c.type !== "public" && !c.members.has(install.bot_user_id))) return err("channel_not_found");
      if (c.is_archived) return err("is_archived");
      if (!c.members.has(install.bot_user_id) && !install.scopes.includes("chat:write.public")) {
        return err("not_in_channel");
      }
      const blocks = jsonParam(params.blocks);
      if (blocks === INVALID || (blocks !== undefined && !Array.isArray(blocks))) return err("invalid_blocks_format");
      if (Array.isArray(blocks) && blocks.length > MAX_BLOCKS) return err("invalid_blocks");
      const attachments = jsonParam(params.attachments);
      if (attachments === INVALID || (attachments !== undefined && !Array.isArray(attachments))) {
        return err("invalid_attachments"); // approximate
      }
      const text = str(params.text);
      const markdown = str(params.markdown_text);
      if (markdown !== undefined && markdown !== "" && ((text ?? "") !== "" || blocks !== undefined)) {
        return err("markdown_text_conflict"); // approximate
      }
      const hasContent =
        (text ?? "").trim() !== "" ||
        (Array.isArray(blocks) && blocks.length > 0) ||
        (Array.isArray(attachments) && attachments.length > 0) ||
        (markdown ?? "").trim() !== "";
      if (!hasContent) return err("no_text");
      if ([...(text ?? "")].length > MAX_TEXT_LENGTH) return err("msg_too_long");
      if ([...(markdown ?? "")].length > MAX_MARKDOWN_TEXT) return err("msg_too_long"); // approximate

      const ts = nextTs();
      const threadTs = str(params.thread_ts) || undefined;
      const broadcast = threadTs !== undefined && truthy(params.reply_broadcast);
      const message: SlackMessage = {
        user: install.bot_user_id,
        type: "message",
        ts,
        bot_id: install.bot_id,
        app_id: install.app.app_id,
        text: text ?? markdown ?? "",
        team: install.team_id,
        bot_profile: {
          id: install.bot_id,
          app_id: install.app.app_id,
          user_id: install.bot_user_id,
          name: install.app.name,
          icons: {
            image_36: "https://a.slack-edge.com/80588/img/plugins/app/bot_36.png",
            image_48: "https://a.slack-edge.com/80588/img/plugins/app/bot_48.png",
            image_72: "https://a.slack-edge.com/80588/img/plugins/app/service_72.png",
          },
          deleted: false,
          updated: install.updated,
          team_id: install.team_id,
        },
      };
      if (broadcast) message.subtype = "thread_broadcast";
      if (Array.isArray(blocks)) message.blocks = blocks;
      if (Array.isArray(attachments)) message.attachments = attachments;
      if (threadTs !== undefined) {
        message.thread_ts = threadTs;
        const parent = parentUser(c.id, threadTs, ts);
        if (parent !== undefined) message.parent_user_id = parent;
      }
      storeMessage(c, message);
      const post: SlackPostedMessage = {
        token: install.token,
        app_id: install.app.app_id,
        team_id: install.team_id,
        channel: c.id,
        ts,
        text: text ?? "",
        params: call.params,
        message,
      };
      if (threadTs !== undefined) post.thread_ts = threadTs;
      if (Array.isArray(blocks)) post.blocks = blocks;
      if (Array.isArray(attachments)) post.attachments = attachments;
      if (markdown !== undefined) post.markdown_text = markdown;
      if (params.mrkdwn !== undefined) post.mrkdwn = str(params.mrkdwn)?.toLowerCase() !== "false" && str(params.mrkdwn) !== "0";
      if (params.reply_broadcast !== undefined) post.reply_broadcast = truthy(params.reply_broadcast);
      posts.push(post);
      return { ok: true, channel: c.id, ts, message };
    },
  });

  const setStatusScopes = options.setStatusAcceptsChatWrite === false ? ["assistant:write"] : ["assistant:write", "chat:write"];
  routes.set("assistant.threads.setStatus", {
    accepted: setStatusScopes,
    run({ install, params }) {
      const channelId = str(params.channel_id) ?? "";
      const c = channelId === "" ? undefined : resolveChannelArg(install, channelId, false);
      if (!c || !isVisible(c, install.bot_user_id)) return err("channel_not_found");
      const threadTs = str(params.thread_ts);
      const status = str(params.status);
      if (threadTs === undefined || threadTs === "" || status === undefined) {
        const missing = threadTs === undefined || threadTs === "" ? "thread_ts" : "status";
        return err("invalid_arguments", { response_metadata: { messages: [`[ERROR] missing required field: ${missing}`] } });
      }
      if (!/^\d+\.\d+$/.test(threadTs)) return err("invalid_thread_ts");
      if (!c.members.has(install.bot_user_id)) return err("not_in_channel"); // approximate
      const loading = jsonParam(params.loading_messages);
      const entry: SlackThreadStatus = { token: install.token, channel_id: c.id, thread_ts: threadTs, status, at: Date.now() };
      if (Array.isArray(loading)) entry.loading_messages = loading;
      statusLog.push(entry);
      return { ok: true };
    },
  });

  // chat.update and the streaming methods (docs.slack.dev/reference/methods/chat.update, chat.startStream,
  // chat.appendStream, chat.stopStream). Error codes the docs name are used; those marked approximate are guesses.

  /** The bot's own message `ts` in a channel it may write to, or the error Slack answers. */
  function ownMessage(
    install: InstallState,
    params: Record<string, unknown>,
    notYours = "cant_update_message",
  ): { channel: ChannelState; message: SlackMessage } | { error: Body } {
    const raw = str(params.channel) ?? "";
    const c = raw === "" ? undefined : resolveChannelArg(install, raw, false);
    if (!c || !isVisible(c, install.bot_user_id)) return { error: err("channel_not_found") };
    const message = c.messages.get(str(params.ts) ?? "");
    if (!message) return { error: err("message_not_found") };
    if (message.bot_id !== install.bot_id) return { error: err(notYours) };
    return { channel: c, message };
  }

  function streamOf(channel: string, ts: string): SlackStream | undefined {
    return streamLog.find((stream) => stream.channel === channel && stream.ts === ts);
  }

  function editMessage(install: InstallState, message: SlackMessage, text: string): void {
    message.text = text;
    message.edited = { user: install.bot_user_id, ts: nextTs() };
  }

  /** markdown_text of a streaming call: at most 12,000 characters. */
  function streamText(params: Record<string, unknown>): string | Body {
    const markdown = str(params.markdown_text) ?? "";
    if ([...markdown].length > MAX_MARKDOWN_TEXT) return err("msg_too_long"); // approximate
    return markdown;
  }

  routes.set("chat.update", {
    accepted: ["chat:write"],
    run({ install, params }) {
      const found = ownMessage(install, params);
      if ("error" in found) return found.error;
      const text = str(params.text) ?? "";
      const markdown = str(params.markdown_text);
      const blocks = jsonParam(params.blocks);
      if (text.trim() === "" && (markdown ?? "").trim() === "" && !(Array.isArray(blocks) && blocks.length > 0)) return err("no_text");
      if ([...text].length > MAX_TEXT_LENGTH) return err("msg_too_long");
      if ([...(markdown ?? "")].length > MAX_MARKDOWN_TEXT) return err("msg_too_long"); // approximate
      editMessage(install, found.message, text || (markdown ?? ""));
      if (Array.isArray(blocks)) found.message.blocks = blocks;
      // Assumption: replacing a message's text ends a stream still open on it.
      const stream = streamOf(found.channel.id, found.message.ts);
      if (stream) stream.state = "stopped";
      const update: SlackUpdate = { channel: found.channel.id, ts: found.message.ts, text, at: Date.now() };
      if (markdown !== undefined) update.markdown_text = markdown;
      updateLog.push(update);
      return { ok: true, channel: found.channel.id, ts: found.message.ts, text: found.message.text, message: { ...found.message } };
    },
  });

  routes.set("chat.startStream", {
    accepted: ["chat:write"],
    run({ install, params }) {
      const raw = str(params.channel) ?? "";
      const c = raw === "" ? undefined : resolveChannelArg(install, raw, false);
      if (!c || !isVisible(c, install.bot_user_id)) return err("channel_not_found");
      if (c.is_archived) return err("is_archived");
      if (!c.members.has(install.bot_user_id)) return err("not_in_channel");
      const recipient = str(params.recipient_user_id);
      const team = str(params.recipient_team_id);
      // "Required when streaming to channels" (chat.startStream): only a DM may leave them out.
      if (c.type !== "im" && (!recipient || !team)) return err("invalid_arguments"); // approximate
      const markdown = streamText(params);
      if (typeof markdown !== "string") return markdown;
      const ts = nextTs();
      const threadTs = str(params.thread_ts) || undefined;
      const message: SlackMessage = { type: "message", ts, user: install.bot_user_id, bot_id: install.bot_id, app_id: install.app.app_id, text: markdown, team: install.team_id };
      if (threadTs !== undefined) message.thread_ts = threadTs;
      storeMessage(c, message);
      const stream: SlackStream = { channel: c.id, ts, chunks: markdown === "" ? [] : [markdown], state: "streaming" };
      if (threadTs !== undefined) stream.thread_ts = threadTs;
      if (recipient) stream.recipient_user_id = recipient;
      if (team) stream.recipient_team_id = team;
      streamLog.push(stream);
      return { ok: true, channel: c.id, ts };
    },
  });

  /** appendStream and stopStream: more text for a stream still open; stopStream also closes it. */
  const continueStream = (stop: boolean): Route => ({
    accepted: ["chat:write"],
    run({ install, params }) {
      const found = ownMessage(install, params);
      if ("error" in found) return found.error;
      const stream = streamOf(found.channel.id, found.message.ts);
      if (!stream || stream.state !== "streaming") return err("message_not_in_streaming_state"); // approximate
      const markdown = streamText(params);
      if (typeof markdown !== "string") return markdown;
      if (!stop && markdown === "") return err("invalid_arguments"); // approximate: nothing to append
      if (markdown !== "") {
        stream.chunks.push(markdown);
        editMessage(install, found.message, `${found.message.text ?? ""}${markdown}`);
      }
      if (stop) stream.state = "stopped";
      return { ok: true, channel: found.channel.id, ts: found.message.ts };
    },
  });
  routes.set("chat.delete", {
    accepted: ["chat:write"],
    run({ install, params }) {
      const found = ownMessage(install, params, "cant_delete_message");
      if ("error" in found) return found.error;
      found.channel.messages.delete(found.message.ts);
      return { ok: true, channel: found.channel.id, ts: found.message.ts };
    },
  });

  routes.set("chat.appendStream", continueStream(false));
  routes.set("chat.stopStream", continueStream(true));

  function historyAccess(install: InstallState, raw: string): { channel: ChannelState } | { error: Body } {
    const c = raw === "" ? undefined : resolveChannelArg(install, raw, false);
    if (!c || !isVisible(c, install.bot_user_id)) return { error: err("channel_not_found") };
    if (!install.scopes.includes(HISTORY_SCOPE[c.type])) return { error: missingScope(install, [HISTORY_SCOPE[c.type]]) };
    if (!c.members.has(install.bot_user_id)) return { error: err("not_in_channel") };
    return { channel: c };
  }

  function messagePage(messages: SlackMessage[], params: Record<string, unknown>, fallback: number): Body {
    const items = messages.map((m) => ({ id: m.ts, m }));
    const paged = paginate(items, params, fallback, 1000);
    if ("error" in paged) return paged.error;
    const body: Body = { ok: true, messages: paged.page.map((p) => ({ ...p.m })), has_more: paged.next_cursor !== "" };
    if (paged.next_cursor !== "") body.response_metadata = { next_cursor: paged.next_cursor };
    return body;
  }

  routes.set("conversations.replies", {
    accepted: HISTORY_SCOPES,
    run({ install, params }) {
      const access = historyAccess(install, str(params.channel) ?? "");
      if ("error" in access) return access.error;
      const c = access.channel;
      const ts = str(params.ts) ?? "";
      const root = c.messages.get(ts);
      if (!root) return err("thread_not_found");
      const thread = [...c.messages.values()]
        .filter((m) => m.ts === ts || (m.thread_ts === ts && m.ts !== ts))
        .sort((a, b) => compareTs(a.ts, b.ts));
      return messagePage(thread, params, 1000);
    },
  });

  routes.set("conversations.history", {
    accepted: HISTORY_SCOPES,
    run({ install, params }) {
      const access = historyAccess(install, str(params.channel) ?? "");
      if ("error" in access) return access.error;
      const c = access.channel;
      const top = [...c.messages.values()]
        .filter((m) => m.thread_ts === undefined || m.thread_ts === m.ts || m.subtype === "thread_broadcast")
        .sort((a, b) => compareTs(b.ts, a.ts));
      const body = messagePage(top, params, 100);
      if (body.ok === true) Object.assign(body, { pin_count: 0, channel_actions_ts: null, channel_actions_count: 0 });
      return body;
    },
  });

  /** apps.connections.open takes only an app-level token (no scopes beyond connections:write, which every fake app token has). */
  function connectionsOpen(token: string): Body {
    const app = [...apps.values()].find((a) => a.app_token === token);
    if (!app) return err(installs.has(token) ? "not_allowed_token_type" : "invalid_auth");
    return { ok: true, url: socketMode.issueUrl(app.app_id) };
  }

  // ------------------------------------------------------------------------- HTTP handling

  function baseHeaders(): Record<string, string> {
    return {
      "content-type": "application/json; charset=utf-8",
      "x-slack-req-id": randomBytes(16).toString("hex"),
      "access-control-allow-origin": "*",
    };
  }

  async function dispatch(
    call: SlackRecordedCall,
    parsed: ParsedRequest,
  ): Promise<{ status: number; body: Body; headers: Record<string, string> }> {
    const headers = baseHeaders();
    const route = custom.get(call.method.toLowerCase()) ?? routes.get(call.method);
    if (call.method === "apps.connections.open" && !custom.has("apps.connections.open")) {
      if ("error" in parsed) return { status: 200, body: err(parsed.error), headers };
      return { status: 200, body: call.token ? connectionsOpen(call.token) : err("not_authed"), headers };
    }
    if (!route) return { status: 200, body: err("unknown_method", { req_method: call.method }), headers };
    if ("error" in parsed) return { status: 200, body: err(parsed.error), headers };
    const warn = (body: Body): Body => {
      if (parsed.warning === undefined) return body;
      const meta = isPlainObject(body.response_metadata) ? body.response_metadata : {};
      return { ...body, warning: parsed.warning, response_metadata: { ...meta, warnings: [parsed.warning] } };
    };
    if (call.method === "api.test" && !custom.has("api.test")) {
      const args: Body = {};
      for (const [k, v] of Object.entries(call.params)) if (k !== "token") args[k] = v;
      return { status: 200, body: warn(Object.keys(args).length > 0 ? { ok: true, args } : { ok: true }), headers };
    }
    if (call.token === undefined || call.token === "") return { status: 200, body: warn(err("not_authed")), headers };
    const install = installs.get(call.token);
    if (!install) return { status: 200, body: warn(err("invalid_auth")), headers };
    headers["x-oauth-scopes"] = install.scopes.join(",");
    headers["x-accepted-oauth-scopes"] = route.accepted.join(",");
    if (install.status === "revoked") return { status: 200, body: warn(err("token_revoked")), headers };
    if (install.status === "inactive") return { status: 200, body: warn(err("account_inactive")), headers };
    if (route.accepted.length > 0 && !hasAny(install, route.accepted)) {
      return { status: 200, body: warn(missingScope(install, route.accepted)), headers };
    }
    const body = await route.run({ call, install, params: call.params });
    return { status: 200, body: warn(body), headers };
  }

  function addFile(init: SlackFileInit): SlackFile {
    const id = uniqueId("F");
    const now = Math.floor(Date.now() / 1000);
    const filetype = init.name.includes(".") ? init.name.slice(init.name.lastIndexOf(".") + 1).toLowerCase() : "binary";
    const path = `/files-pri/${init.team}-${id}/${encodeURIComponent(init.name)}`;
    const file: SlackFile = {
      id,
      created: now,
      timestamp: now,
      name: init.name,
      title: init.name,
      mimetype: init.mimetype,
      filetype,
      pretty_type: filetype.toUpperCase(),
      user: init.user,
      user_team: init.team,
      editable: false,
      size: init.bytes.length,
      mode: "hosted",
      is_external: false,
      external_type: "",
      is_public: false,
      public_url_shared: false,
      display_as_bot: false,
      username: "",
      url_private: `${server.origin}${path}`,
      url_private_download: `${server.origin}/files-pri/${init.team}-${id}/download/${encodeURIComponent(init.name)}`,
      permalink: `https://${init.team.toLowerCase()}.slack.com/files/${init.user}/${id}/${encodeURIComponent(init.name)}`,
      permalink_public: `https://slack-files.com/${init.team}-${id}-0000000000`,
    };
    files.set(id, { file, bytes: init.bytes });
    return { ...file };
  }

  /** url_private: the bytes for a workspace bot token with files:read; anyone else gets the sign-in page with a 200, as Slack answers. */
  function serveFile(req: IncomingMessage, res: ServerResponse, team: string, id: string): void {
    const token = bearerToken(req.headers.authorization);
    const stored = files.get(id);
    const install = token !== undefined ? installs.get(token) : undefined;
    const path = new URL(req.url ?? "/", "http://127.0.0.1").pathname;
    if (!stored || stored.file.user_team !== team) {
      fileDownloads.push({ path, token, served: "not_found" });
      res.writeHead(404, { "content-type": "text/html; charset=utf-8" });
      res.end("<html><body>Not Found</body></html>");
      return;
    }
    if (!install || install.status !== "active" || install.team_id !== team || !install.scopes.includes("files:read")) {
      fileDownloads.push({ path, token, served: "login_page" });
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      res.end(`<!DOCTYPE html><html><head><title>Sign in | Slack</title></head><body><h1>Sign in to ${team}</h1></body></html>`);
      return;
    }
    fileDownloads.push({ path, token, served: "file" });
    res.writeHead(200, { "content-type": stored.file.mimetype, "content-length": String(stored.bytes.length) });
    res.end(Buffer.from(stored.bytes));
  }

  async function handleRequest(req: IncomingMessage, res: ServerResponse, signal: AbortSignal): Promise<void> {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const body = await readBody(req);
    const file = /^\/files-pri\/([A-Z0-9]+)-([A-Z0-9]+)\/(?:download\/)?[^/]+$/.exec(url.pathname);
    if (file && req.method === "GET") {
      serveFile(req, res, file[1]!, file[2]!);
      return;
    }
    const match = /^\/api\/([^/]+)\/?$/.exec(url.pathname);
    if (!match) {
      res.writeHead(404, { "content-type": "text/html; charset=utf-8" });
      res.end("<html><body>Not Found</body></html>");
      return;
    }
    const contentType = req.headers["content-type"] ?? "";
    const parsed = parseRequest(url, contentType, body);
    const token = bearerToken(req.headers.authorization) ?? ("error" in parsed ? undefined : parsed.bodyToken);
    const call: SlackRecordedCall = {
      method: decodeURIComponent(match[1] ?? ""),
      params: "error" in parsed ? {} : parsed.params,
      httpMethod: req.method ?? "GET",
      contentType,
      headers: flattenHeaders(req.headers),
      at: Date.now(),
    };
    if (token !== undefined) call.token = token;
    calls.push(call);
    const respond = (status: number, answer: Body, headers: Record<string, string>): void => {
      call.response = { status, body: answer, headers };
      sendJson(res, status, answer, headers);
    };

    const failure = faults.take(call.method);
    if (failure) {
      switch (failure.kind) {
        case "drop":
          call.dropped = true;
          dropConnection(req, res);
          return;
        case "delay":
          await sleep(failure.ms, signal);
          if (signal.aborted) return;
          break;
        case "rate_limit":
          respond(429, err("ratelimited"), { ...baseHeaders(), "retry-after": String(failure.retryAfter) });
          return;
        case "error":
          respond(200, err(failure.error, failure.extra ?? {}), baseHeaders());
          return;
        case "http": {
          const text = failure.body ?? (failure.status >= 500 ? DEFAULT_HTML_ERROR(failure.status) : "");
          const headers: Record<string, string> = { "content-length": String(Buffer.byteLength(text)) };
          if (text !== "") headers["content-type"] = failure.contentType ?? "text/html; charset=utf-8";
          call.response = { status: failure.status, body: text, headers };
          if (!res.destroyed && !res.headersSent) {
            res.writeHead(failure.status, headers);
            res.end(text);
          }
          return;
        }
      }
    }
    const answer = await dispatch(call, parsed);
    respond(answer.status, answer.body, answer.headers);
  }

  // ------------------------------------------------------------------------- events

  function requireApp(appId: string): AppState {
    const app = apps.get(appId);
    if (!app) throw new Error(`fake Slack: unknown app ${appId}`);
    return app;
  }

  function signatureHeaders(appId: string, rawBody: string, timestamp = nowSeconds()): Record<string, string> {
    const app = requireApp(appId);
    return {
      "x-slack-request-timestamp": String(timestamp),
      "x-slack-signature": slackSignature(app.signing_secret, timestamp, rawBody),
    };
  }

  async function sendEvent(appId: string, url: string, payload: unknown, opts: SlackSendEventOptions = {}): Promise<Response> {
    const app = requireApp(appId);
    const raw = typeof payload === "string" ? payload : JSON.stringify(payload);
    const timestamp = opts.timestamp ?? nowSeconds();
    const headers: Record<string, string> = {
      "content-type": opts.contentType ?? "application/json",
      "user-agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
      accept: "*/*",
      "accept-encoding": "gzip,deflate",
    };
    if (!opts.unsigned) {
      headers["x-slack-request-timestamp"] = String(timestamp);
      headers["x-slack-signature"] = slackSignature(opts.signingSecret ?? app.signing_secret, timestamp, raw);
    }
    if (opts.retryNum !== undefined) headers["x-slack-retry-num"] = String(opts.retryNum);
    if (opts.retryReason !== undefined) headers["x-slack-retry-reason"] = opts.retryReason;
    for (const [name, value] of Object.entries(opts.headers ?? {})) headers[name.toLowerCase()] = value;
    registerDeliveredEvent(typeof payload === "string" ? safeJson(payload) : payload);

    const delivery: SlackDelivery = { app_id: appId, url, body: raw, headers, at: Date.now() };
    deliveries.push(delivery);
    const started = performance.now();
    try {
      const response = await fetch(url, {
        method: "POST",
        headers,
        body: raw,
        signal: AbortSignal.timeout(opts.timeoutMs ?? 3000),
      });
      delivery.status = response.status;
      delivery.durationMs = performance.now() - started;
      if (response.status < 200 || response.status > 299) delivery.error = "http_error";
      return response;
    } catch (error) {
      delivery.durationMs = performance.now() - started;
      const name = (error as Error).name;
      const code = (error as { cause?: { code?: string } }).cause?.code;
      delivery.error =
        name === "TimeoutError" || name === "AbortError"
          ? "http_timeout"
          : code === "ECONNREFUSED" || code === "ECONNRESET" || code === "ENOTFOUND"
            ? "connection_failed"
            : "unknown_error";
      throw error;
    }
  }

  function safeJson(text: string): unknown {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return undefined;
    }
  }

  function eventId(): string {
    return uniqueId("Ev", 10);
  }

  function eventChannelTeam(event: SlackEvent): string | undefined {
    const channel = typeof event.channel === "string" ? channels.get(event.channel) : undefined;
    return channel?.team_id;
  }

  function eventCallback(init: SlackEventCallbackInit): SlackEventEnvelope {
    const app = requireApp(init.api_app_id);
    let teamId = init.team_id ?? eventChannelTeam(init.event);
    if (teamId === undefined) {
      const own = [...installs.values()].filter((i) => i.app === app);
      if (own.length === 1 && own[0]) teamId = own[0].team_id;
    }
    if (teamId === undefined) throw new Error("fake Slack: eventCallback needs team_id");
    const team = teamId;
    let authorizations = init.authorizations;
    if (!authorizations) {
      const install = [...installs.values()].find((i) => i.app === app && i.team_id === team);
      if (!install) throw new Error(`fake Slack: app ${app.app_id} is not installed in ${team}; pass authorizations`);
      authorizations = [
        { enterprise_id: null, team_id: team, user_id: install.bot_user_id, is_bot: true, is_enterprise_install: false },
      ];
    }
    const eventTs = typeof init.event.event_ts === "string" ? Math.floor(Number(init.event.event_ts)) : Number.NaN;
    const context: Record<string, string> = { et: init.event.type, tid: team, aid: app.app_id };
    if (typeof init.event.channel === "string") context.cid = init.event.channel;
    return {
      token: app.verification_token,
      team_id: team,
      context_team_id: team,
      context_enterprise_id: null,
      api_app_id: app.app_id,
      event: init.event,
      type: "event_callback",
      event_id: init.event_id ?? eventId(),
      event_time: init.event_time ?? (Number.isFinite(eventTs) ? eventTs : nowSeconds()),
      authorizations,
      is_ext_shared_channel: init.is_ext_shared_channel ?? false,
      event_context: `4-${Buffer.from(JSON.stringify(context)).toString("base64")}`,
    };
  }

  function urlVerification(challenge?: string, appId?: string): SlackUrlVerification {
    return {
      token: appId !== undefined ? requireApp(appId).verification_token : randomChars(24),
      challenge: challenge ?? randomChars(48, ALNUM + "abcdefghijklmnopqrstuvwxyz"),
      type: "url_verification",
    };
  }

  function channelTypeOf(channelId: string, given: string | undefined): string {
    if (given !== undefined) return given;
    const c = channels.get(channelId);
    if (c) return CHANNEL_TYPE_NAME[c.type];
    return channelId.startsWith("D") ? "im" : "channel";
  }

  function userMessage(type: "message" | "app_mention", init: SlackMessageEventInit): SlackEvent {
    const ts = init.ts ?? nextTs();
    noteTs(ts);
    const event: SlackEvent = {
      client_msg_id: randomUUID(),
      type,
      text: init.text,
      user: init.user,
      ts,
      blocks: richTextBlocks(init.text),
      team: init.team ?? channels.get(init.channel)?.team_id ?? workspaces.keys().next().value ?? "T00000000",
    };
    if (init.thread_ts !== undefined) {
      event.thread_ts = init.thread_ts;
      const parent = parentUser(init.channel, init.thread_ts, ts);
      if (parent !== undefined) event.parent_user_id = parent;
    }
    event.channel = init.channel;
    event.event_ts = ts;
    if (type === "message") event.channel_type = channelTypeOf(init.channel, init.channel_type);
    return { ...event, ...init.extra };
  }

  function botMessageEvent(init: SlackBotMessageEventInit): SlackEvent {
    const ts = init.ts ?? nextTs();
    noteTs(ts);
    const channel = channels.get(init.channel);
    const install =
      init.app_id !== undefined
        ? [...installs.values()].find((i) => i.app.app_id === init.app_id && (!channel || i.team_id === channel.team_id))
        : undefined;
    const botId = init.bot_id ?? install?.bot_id ?? uniqueId("B");
    const appId = init.app_id ?? install?.app.app_id;
    const name = init.username ?? install?.app.name ?? "bot";
    const team = channel?.team_id ?? install?.team_id ?? workspaces.keys().next().value ?? "T00000000";
    let event: SlackEvent;
    if ((init.style ?? "bot_message") === "bot_message") {
      event = { subtype: "bot_message", text: init.text, username: name, type: "message", ts, bot_id: botId };
      if (appId !== undefined) event.app_id = appId;
    } else {
      const user = init.user ?? install?.bot_user_id ?? uniqueId("U");
      event = { bot_id: botId, type: "message", text: init.text, user, ts };
      if (appId !== undefined) event.app_id = appId;
      event.team = team;
      event.bot_profile = {
        id: botId,
        deleted: false,
        name,
        updated: install?.updated ?? nowSeconds(),
        app_id: appId,
        icons: { image_36: "https://a.slack-edge.com/80588/img/plugins/app/bot_36.png" },
        team_id: team,
      };
    }
    if (init.thread_ts !== undefined) {
      event.thread_ts = init.thread_ts;
      const parent = parentUser(init.channel, init.thread_ts, ts);
      if (parent !== undefined) event.parent_user_id = parent;
    }
    event.channel = init.channel;
    event.event_ts = ts;
    event.channel_type = channelTypeOf(init.channel, init.channel_type);
    return { ...event, ...init.extra };
  }

  function ownMessageEvent(posted: SlackPostedMessage): SlackEvent {
    const { bot_profile, ...rest } = posted.message;
    const event: SlackEvent = { ...rest, type: "message", bot_profile };
    if (posted.blocks === undefined && posted.text !== "") event.blocks = richTextBlocks(posted.text);
    event.channel = posted.channel;
    event.event_ts = posted.ts;
    event.channel_type = channelTypeOf(posted.channel, undefined);
    return event;
  }

  function messageChangedEvent(init: SlackMessageChangedInit): SlackEvent {
    const channel = channels.get(init.channel);
    const stored = channel?.messages.get(init.ts);
    const user = init.user ?? (typeof stored?.user === "string" ? stored.user : uniqueId("U"));
    const previousText = init.previous_text ?? (typeof stored?.text === "string" ? stored.text : "");
    const team = channel?.team_id ?? workspaces.keys().next().value ?? "T00000000";
    const eventTs = nextTs();
    const previous: Body = { ...(stored ?? {}), type: "message", text: previousText, user, ts: init.ts, team };
    const message: Body = {
      ...previous,
      text: init.text,
      blocks: richTextBlocks(init.text),
      edited: { user, ts: eventTs },
    };
    return {
      type: "message",
      subtype: "message_changed",
      message,
      previous_message: previous,
      channel: init.channel,
      hidden: true,
      ts: eventTs,
      event_ts: eventTs,
      channel_type: channelTypeOf(init.channel, init.channel_type),
    };
  }

  // ------------------------------------------------------------------------- start

  const server = await startLoopbackServer(handleRequest);
  const socketMode = await startSocketModeServer(registerDeliveredEvent);
  for (const ws of options.workspaces ?? []) addWorkspace(ws);
  for (const app of options.apps ?? []) addApp(app);
  for (const channel of options.channels ?? []) addChannel(channel);

  return {
    url: `${server.origin}/api/`,
    addWorkspace,
    addApp,
    install(token) {
      const i = installs.get(token);
      return i ? installCopy(i) : undefined;
    },
    setScopes(token, scopes) {
      requireInstall(token).scopes = [...scopes];
    },
    setTokenStatus(token, status) {
      requireInstall(token).status = status;
    },
    addChannel,
    channel(id) {
      const c = channels.get(id);
      return c ? channelCopy(c) : undefined;
    },
    setMember(channel, user, member = true) {
      const c = requireChannel(channel);
      if (member) c.members.add(user);
      else c.members.delete(user);
    },
    setArchived(channel, archived = true) {
      requireChannel(channel).is_archived = archived;
    },
    addMessage(channel, message) {
      const c = requireChannel(channel);
      const full = { type: "message", ...message, ts: message.ts ?? nextTs() } as SlackMessage;
      return storeMessage(c, full);
    },
    history(channel) {
      const c = requireChannel(channel);
      return [...c.messages.values()].sort((a, b) => compareTs(a.ts, b.ts));
    },
    calls,
    callsTo(method) {
      const lower = method.toLowerCase();
      return calls.filter((c) => c.method.toLowerCase() === lower);
    },
    posted(channel) {
      return posts.filter((p) => channel === undefined || p.channel === channel);
    },
    statuses(channel) {
      return statusLog.filter((s) => channel === undefined || s.channel_id === channel);
    },
    streams(channel) {
      return streamLog.filter((s) => channel === undefined || s.channel === channel);
    },
    updates(channel) {
      return updateLog.filter((u) => channel === undefined || u.channel === channel);
    },
    message(channel, ts) {
      const found = channels.get(channel)?.messages.get(ts);
      return found ? { ...found } : undefined;
    },
    failNext(method, failure, times = 1) {
      faults.add(method, failure, times);
    },
    clearFailures() {
      faults.clear();
    },
    handle(method, handler, acceptedScopes = []) {
      custom.set(method.toLowerCase(), {
        accepted: acceptedScopes,
        handler,
        run: ({ call, install }) => handler(call, installCopy(install)),
      });
    },
    sendEvent,
    signatureHeaders,
    deliveries,
    eventCallback,
    urlVerification,
    appMentionEvent: (init) => userMessage("app_mention", init),
    messageEvent: (init) => userMessage("message", init),
    addFile,
    fileDownloads,
    botMessageEvent,
    ownMessageEvent,
    messageChangedEvent,
    nextTs,
    socketConnections: (appId) => socketMode.connections(appId),
    socketEnvelopes: socketMode.envelopes,
    pushSocketEvent: (appId, payload, opts) => {
      requireApp(appId);
      return socketMode.push(appId, payload, opts);
    },
    disconnectSocket: (appId, reason, opts) => socketMode.disconnect(appId, reason, opts),
    dropSocketConnections: (appId) => socketMode.drop(appId),
    freezeSocketConnections: (appId) => socketMode.freeze(appId),
    reset() {
      calls.length = 0;
      posts.length = 0;
      statusLog.length = 0;
      streamLog.length = 0;
      updateLog.length = 0;
      deliveries.length = 0;
      socketMode.envelopes.length = 0;
      faults.clear();
    },
    async close() {
      await socketMode.close();
      await server.close();
    },
  };
}
