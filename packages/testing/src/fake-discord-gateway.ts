/**
 * The WebSocket side of the fake Discord: the Gateway (v10, JSON encoding, no compression) on loopback, as
 * `developers/events/gateway.mdx`, `events/gateway-events.mdx` and `topics/opcodes-and-status-codes.mdx`
 * (discord/discord-api-docs) describe it: HELLO with a heartbeat interval, heartbeats answered by ACKs,
 * IDENTIFY checked (token 4004, undefined intent bits 4013, privileged intents the application's flags do
 * not allow 4014, a second IDENTIFY 4005, anything before it 4003), READY then one GUILD_CREATE per guild,
 * DISPATCHes with per-session sequence numbers, RESUME with the missed events replayed then RESUMED,
 * INVALID_SESSION, RECONNECT, close codes, a connection cut without a close frame, and the intents' effect
 * on MESSAGE_CREATE (no GUILD_MESSAGES/DIRECT_MESSAGES: not sent; no MESSAGE_CONTENT: content, embeds,
 * attachments and components emptied unless the message mentions the bot, is a DM or is the bot's own).
 */
import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import { WebSocket, WebSocketServer } from "ws";
import { createFakeTimers } from "./fake-timers.ts";

/** The application a bot token belongs to, as the REST fake knows it. */
export interface GatewayApplication {
  id: string;
  flags: number;
  botUser: { id: string; [key: string]: unknown };
}

/** What the Gateway reads from the REST fake's model. */
export interface GatewayWorld {
  appByToken(token: string): GatewayApplication | undefined;
  /** GUILD_CREATE payloads (with `channels` and active `threads`) of the guilds the app's bot is in. */
  guildsOf(appId: string): Record<string, unknown>[];
}

/** Gateway intent bits the fake reads (gateway.mdx "List of Intents"). */
const INTENT = { guilds: 1 << 0, guildMembers: 1 << 1, presences: 1 << 8, guildMessages: 1 << 9, directMessages: 1 << 12, messageContent: 1 << 15 } as const;
/** Every documented intent bit; anything else closes with 4013. */
const KNOWN_INTENTS = 0b11_0011_0001_1111_1111_1111_1111;
/** Privileged intent → the application flags (either one) that allow it (application.mdx "Application Flags"). */
const PRIVILEGED: [intent: number, flags: number][] = [
  [INTENT.presences, (1 << 12) | (1 << 13)],
  [INTENT.guildMembers, (1 << 14) | (1 << 15)],
  [INTENT.messageContent, (1 << 18) | (1 << 19)],
];

const OP = { dispatch: 0, heartbeat: 1, identify: 2, presence: 3, voice: 4, resume: 6, reconnect: 7, members: 8, invalidSession: 9, hello: 10, ack: 11 } as const;
/** Gateway events per connection per 60 s before Discord disconnects it (gateway.mdx "Rate Limiting"). */
const SEND_LIMIT = 120;
const MAX_PAYLOAD_BYTES = 4096;

/** One WebSocket a client opened. */
export interface GatewayConnection {
  id: string;
  /** The app it identified or resumed as; undefined before that. */
  appId?: string;
  /** `/` for the URL of GET /gateway/bot, `/resume` for READY's resume_gateway_url. */
  path: string;
  query: Record<string, string>;
  openedAt: number;
  /** How it started its session; undefined while it has not. */
  how?: "identify" | "resume";
  /** Set once READY or RESUMED was sent. */
  live: boolean;
  sessionId?: string;
  intents?: number;
  heartbeats: number;
  closedAt?: number;
  closeCode?: number;
  closedBy?: "client" | "server";
  /** Every payload the client sent, parsed. */
  received: Record<string, unknown>[];
  /** Every payload the fake sent. */
  sent: Record<string, unknown>[];
}

/** One dispatch of a session. */
export interface GatewayEvent {
  s: number;
  t: string;
  d: unknown;
  /** Connections it was sent on: more than one when a RESUME replayed it. */
  sentOn: string[];
}

/** One Gateway session (IDENTIFY starts it; RESUMEs continue it). */
export interface GatewaySession {
  id: string;
  appId: string;
  intents: number;
  /** The connection currently holding it; undefined while it is disconnected. */
  connectionId?: string;
  /** False once it can no longer be resumed (client closed 1000/1001, INVALID_SESSION, timeout). */
  resumable: boolean;
  events: GatewayEvent[];
}

export interface FakeDiscordGatewayOptions {
  /** HELLO's heartbeat_interval; default 41250 ms. */
  heartbeatIntervalMs?: number;
  /** Close a connection (4000, session kept) that sent no heartbeat for this long; default 1.5 × the interval + 1 s. */
  heartbeatDeadlineMs?: number;
  /** How long a disconnected session stays resumable; default 3 minutes ("a few minutes", unverified). */
  sessionTimeoutMs?: number;
  /** After RECONNECT, close the connection from the server side if the client did not; default 5000 ms. */
  reconnectCloseAfterMs?: number;
}

export interface FakeDiscordGateway {
  /** What GET /gateway/bot answers as `url`. */
  url: string;
  /** Every connection, oldest first, optionally of one app. */
  connections(appId?: string): GatewayConnection[];
  /** Every session, oldest first, optionally of one app. */
  sessions(appId?: string): GatewaySession[];
  /** IDENTIFYs that started a session (RESUMEs do not count against Discord's 1000 a day). */
  identifies(appId: string): number;
  /**
   * Sends a dispatch to every resumable session of the app: at once on a live connection, else kept for the
   * RESUME to replay. MESSAGE_* follow the session's intents. Returns the events created (one per session).
   */
  dispatch(appId: string, t: string, d: unknown): GatewayEvent[];
  /** Resolves with the app's `count`-th live connection (1 = the first ever) once READY or RESUMED was sent on it. */
  waitForLive(appId: string, options?: { count?: number; timeoutMs?: number }): Promise<GatewayConnection>;
  /** Resolves once the app has no open connection. */
  waitForNoConnection(appId: string, options?: { timeoutMs?: number }): Promise<void>;
  /** Op 7 on the app's open connections; the fake closes them itself after `reconnectCloseAfterMs` if the client did not. */
  reconnect(appId: string): void;
  /** Op 9 on the app's open connections; `resumable: false` also ends their sessions. */
  invalidateSession(appId: string, resumable: boolean): void;
  /** Closes the app's open connections with a close code; 4007/4009 and 1000 also end the sessions. */
  closeConnections(appId: string, code: number): void;
  /** Cuts the app's open connections without a close frame (a network failure); sessions stay resumable. */
  drop(appId: string): void;
  /** Stops (or restarts) answering heartbeats with ACKs on the app's connections, so the client sees a zombie. */
  setAcking(appId: string, acking: boolean): void;
  /** Asks the app's open connections for an immediate heartbeat (op 1 from the server). */
  requestHeartbeat(appId: string): void;
  close(): Promise<void>;
}

interface Live {
  record: GatewayConnection;
  socket: WebSocket;
  session?: SessionState;
  heartbeatDeadline?: NodeJS.Timeout;
  sentTimes: number[];
  /** Told INVALID_SESSION with d: true: it may send RESUME again on this socket (what @discordjs/ws does). */
  mayResume?: boolean;
}

interface SessionState {
  record: GatewaySession;
  app: GatewayApplication;
  disconnectedAt?: number;
}

const clone = <T>(value: T): T => structuredClone(value);

export async function startFakeDiscordGateway(world: GatewayWorld, options: FakeDiscordGatewayOptions = {}): Promise<FakeDiscordGateway> {
  const heartbeatIntervalMs = options.heartbeatIntervalMs ?? 41_250;
  const heartbeatDeadlineMs = options.heartbeatDeadlineMs ?? Math.round(heartbeatIntervalMs * 1.5) + 1000;
  const sessionTimeoutMs = options.sessionTimeoutMs ?? 180_000;
  const reconnectCloseAfterMs = options.reconnectCloseAfterMs ?? 5000;

  const all: GatewayConnection[] = [];
  const live = new Map<string, Live>();
  const sessions = new Map<string, SessionState>();
  const identifyCounts = new Map<string, number>();
  const notAcking = new Set<string>();
  const closedByServer = new Set<string>();
  const timers = createFakeTimers();
  const { later, changed } = timers;

  const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise<void>((resolve) => server.once("listening", resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `ws://127.0.0.1:${port}`;


  const send = (entry: Live, payload: Record<string, unknown>) => {
    if (entry.socket.readyState !== WebSocket.OPEN) return false;
    entry.record.sent.push(clone(payload));
    entry.socket.send(JSON.stringify(payload));
    return true;
  };

  const closeFromServer = (entry: Live, code: number) => {
    closedByServer.add(entry.record.id);
    if (entry.socket.readyState === WebSocket.OPEN) entry.socket.close(code);
  };

  const endSession = (session: SessionState | undefined) => {
    if (!session) return;
    session.record.resumable = false;
    delete session.record.connectionId;
  };

  const detach = (entry: Live) => {
    const session = entry.session;
    if (!session || session.record.connectionId !== entry.record.id) return;
    delete session.record.connectionId;
    session.disconnectedAt = Date.now();
  };

  const armHeartbeatDeadline = (entry: Live) => {
    if (entry.heartbeatDeadline) clearTimeout(entry.heartbeatDeadline);
    entry.heartbeatDeadline = later(heartbeatDeadlineMs, () => closeFromServer(entry, 4000));
  };

  const nextSequence = (session: SessionState) => (session.record.events.at(-1)?.s ?? 0) + 1;

  /** The dispatch as this session may see it, or null when its intents keep it away. */
  const shaped = (session: SessionState, t: string, d: unknown): unknown => {
    if (t !== "MESSAGE_CREATE" && t !== "MESSAGE_UPDATE") return d;
    const message = d as Record<string, unknown>;
    const intents = session.record.intents;
    const inGuild = typeof message.guild_id === "string";
    if (!(intents & (inGuild ? INTENT.guildMessages : INTENT.directMessages))) return null;
    if (intents & INTENT.messageContent) return d;
    const botId = session.app.botUser.id;
    const author = message.author as { id?: string } | undefined;
    const mentions = Array.isArray(message.mentions) ? (message.mentions as { id?: string }[]) : [];
    if (!inGuild || author?.id === botId || mentions.some((user) => user.id === botId)) return d;
    return { ...message, content: "", embeds: [], attachments: [], components: [] };
  };

  const deliver = (session: SessionState, event: GatewayEvent) => {
    const entry = session.record.connectionId ? live.get(session.record.connectionId) : undefined;
    if (entry && send(entry, { op: OP.dispatch, s: event.s, t: event.t, d: event.d })) event.sentOn.push(entry.record.id);
  };

  const addEvent = (session: SessionState, t: string, d: unknown): GatewayEvent | null => {
    const visible = shaped(session, t, d);
    if (visible === null) return null;
    const event: GatewayEvent = { s: nextSequence(session), t, d: clone(visible), sentOn: [] };
    session.record.events.push(event);
    deliver(session, event);
    return event;
  };

  const expired = (session: SessionState) =>
    !session.record.resumable || (session.disconnectedAt !== undefined && session.record.connectionId === undefined && Date.now() - session.disconnectedAt > sessionTimeoutMs);

  const identify = (entry: Live, d: Record<string, unknown>) => {
    const app = typeof d.token === "string" ? world.appByToken(d.token.replace(/^Bot /, "")) : undefined;
    if (!app) return closeFromServer(entry, 4004);
    entry.record.appId = app.id;
    const intents = d.intents;
    if (typeof intents !== "number" || !Number.isInteger(intents) || intents < 0 || (intents & ~KNOWN_INTENTS) !== 0) return closeFromServer(entry, 4013);
    if (PRIVILEGED.some(([intent, flags]) => (intents & intent) !== 0 && (app.flags & flags) === 0)) return closeFromServer(entry, 4014);
    identifyCounts.set(app.id, (identifyCounts.get(app.id) ?? 0) + 1);
    const session: SessionState = {
      app,
      record: { id: randomBytes(16).toString("hex"), appId: app.id, intents, connectionId: entry.record.id, resumable: true, events: [] },
    };
    sessions.set(session.record.id, session);
    Object.assign(entry.record, { appId: app.id, how: "identify", sessionId: session.record.id, intents });
    entry.session = session;
    const guilds = intents & INTENT.guilds ? world.guildsOf(app.id) : [];
    addEvent(session, "READY", {
      v: 10,
      user: clone(app.botUser),
      guilds: guilds.map((guild) => ({ id: guild.id, unavailable: true })),
      session_id: session.record.id,
      resume_gateway_url: `${origin}/resume`,
      session_type: "normal",
      private_channels: [],
      presences: [],
      relationships: [],
      guild_join_requests: [],
      geo_ordered_rtc_regions: ["us-east"],
      auth: {},
      user_settings: {},
      application: { id: app.id, flags: app.flags },
      _trace: ['["gateway-prd-fake",{"micros":0}]'],
    });
    entry.record.live = true;
    changed();
    for (const guild of guilds) addEvent(session, "GUILD_CREATE", { ...guild, unavailable: false, joined_at: new Date().toISOString() });
  };

  const resume = (entry: Live, d: Record<string, unknown>) => {
    const session = typeof d.session_id === "string" ? sessions.get(d.session_id) : undefined;
    const token = typeof d.token === "string" ? d.token.replace(/^Bot /, "") : "";
    if (!session || expired(session) || world.appByToken(token)?.id !== session.app.id) {
      endSession(session);
      send(entry, { op: OP.invalidSession, d: false, s: null, t: null });
      return;
    }
    const seq = typeof d.seq === "number" ? d.seq : -1;
    const last = session.record.events.at(-1)?.s ?? 0;
    if (seq < 0 || seq > last) return closeFromServer(entry, 4007);
    // Whoever held the session before loses it.
    const holder = session.record.connectionId ? live.get(session.record.connectionId) : undefined;
    if (holder && holder !== entry) {
      send(holder, { op: OP.invalidSession, d: false, s: null, t: null });
      holder.session = undefined;
    }
    session.record.connectionId = entry.record.id;
    delete session.disconnectedAt;
    entry.session = session;
    Object.assign(entry.record, { appId: session.app.id, how: "resume", sessionId: session.record.id, intents: session.record.intents });
    for (const event of session.record.events.filter((e) => e.s > seq)) deliver(session, event);
    send(entry, { op: OP.dispatch, s: last, t: "RESUMED", d: { _trace: ['["gateway-prd-fake",{"micros":0}]'] } });
    entry.record.live = true;
    changed();
  };

  server.on("connection", (socket, req) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const record: GatewayConnection = {
      id: `gw-${all.length + 1}`,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      openedAt: Date.now(),
      live: false,
      heartbeats: 0,
      received: [],
      sent: [],
    };
    all.push(record);
    const entry: Live = { record, socket, sentTimes: [] };
    live.set(record.id, entry);
    changed();

    socket.on("close", (code) => {
      if (entry.heartbeatDeadline) clearTimeout(entry.heartbeatDeadline);
      record.closedAt = Date.now();
      record.closeCode = code;
      record.closedBy = closedByServer.has(record.id) ? "server" : "client";
      live.delete(record.id);
      // A client close with 1000 or 1001 ends the session (the bot goes offline); any other keeps it resumable.
      if (record.closedBy === "client" && (code === 1000 || code === 1001) && entry.session?.record.connectionId === record.id) endSession(entry.session);
      else detach(entry);
      changed();
    });

    if (record.query.v !== "10") return closeFromServer(entry, 4012);
    if ((record.query.encoding ?? "json") !== "json" || record.query.compress !== undefined) return closeFromServer(entry, 4002);

    socket.on("message", (data, isBinary) => {
      const text = data.toString();
      if (isBinary || Buffer.byteLength(text) > MAX_PAYLOAD_BYTES) return closeFromServer(entry, 4002);
      let payload: Record<string, unknown>;
      try {
        payload = JSON.parse(text) as Record<string, unknown>;
      } catch {
        return closeFromServer(entry, 4002);
      }
      record.received.push(payload);
      const now = Date.now();
      entry.sentTimes = entry.sentTimes.filter((at) => now - at < 60_000);
      entry.sentTimes.push(now);
      if (entry.sentTimes.length > SEND_LIMIT) return closeFromServer(entry, 4008);
      const d = typeof payload.d === "object" && payload.d !== null ? (payload.d as Record<string, unknown>) : {};
      switch (payload.op) {
        case OP.heartbeat:
          record.heartbeats++;
          armHeartbeatDeadline(entry);
          if (!notAcking.has(record.appId ?? "")) send(entry, { op: OP.ack, d: null, s: null, t: null });
          return;
        case OP.identify:
          if (record.how) return closeFromServer(entry, 4005);
          return identify(entry, d);
        case OP.resume:
          if (record.how && !entry.mayResume) return closeFromServer(entry, 4005);
          entry.mayResume = false;
          return resume(entry, d);
        case OP.presence:
        case OP.voice:
        case OP.members:
          if (!record.how) return closeFromServer(entry, 4003);
          return;
        default:
          return closeFromServer(entry, 4001);
      }
    });

    send(entry, { op: OP.hello, d: { heartbeat_interval: heartbeatIntervalMs, _trace: ['["gateway-prd-fake",{"micros":0}]'] }, s: null, t: null });
    armHeartbeatDeadline(entry);
  });

  const openOf = (appId: string) => [...live.values()].filter((entry) => entry.record.appId === appId && entry.socket.readyState === WebSocket.OPEN);

  const waitFor = async <T>(check: () => T | undefined, timeoutMs: number, what: string): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = check();
      if (found !== undefined) return found;
      if (Date.now() >= deadline) throw new Error(`fake Discord Gateway: timed out waiting for ${what}`);
      await timers.nextChange(deadline - Date.now());
    }
  };

  return {
    url: `${origin}/`,

    connections(appId) {
      return all.filter((c) => appId === undefined || c.appId === appId).map(clone);
    },

    sessions(appId) {
      return [...sessions.values()].filter((s) => appId === undefined || s.app.id === appId).map((s) => clone(s.record));
    },

    identifies(appId) {
      return identifyCounts.get(appId) ?? 0;
    },

    dispatch(appId, t, d) {
      return [...sessions.values()]
        .filter((session) => session.app.id === appId && !expired(session))
        .flatMap((session) => {
          const event = addEvent(session, t, d);
          return event ? [clone(event)] : [];
        });
    },

    waitForLive(appId, { count = 1, timeoutMs = 5000 } = {}) {
      return waitFor(
        () => {
          const found = all.filter((c) => c.appId === appId && c.live)[count - 1];
          return found ? clone(found) : undefined;
        },
        timeoutMs,
        `live connection #${count} of app ${appId}`,
      );
    },

    async waitForNoConnection(appId, { timeoutMs = 5000 } = {}) {
      await waitFor(() => (openOf(appId).length === 0 ? true : undefined), timeoutMs, `app ${appId} to have no open connection`);
    },

    reconnect(appId) {
      for (const entry of openOf(appId)) {
        send(entry, { op: OP.reconnect, d: null, s: null, t: null });
        later(reconnectCloseAfterMs, () => closeFromServer(entry, 4000));
      }
    },

    invalidateSession(appId, resumable) {
      for (const entry of openOf(appId)) {
        if (resumable) {
          detach(entry);
          entry.mayResume = true;
          entry.record.live = false;
        } else {
          endSession(entry.session);
        }
        send(entry, { op: OP.invalidSession, d: resumable, s: null, t: null });
      }
    },

    closeConnections(appId, code) {
      for (const entry of openOf(appId)) {
        if (code === 1000 || code === 4007 || code === 4009) endSession(entry.session);
        closeFromServer(entry, code);
      }
    },

    drop(appId) {
      for (const entry of openOf(appId)) {
        closedByServer.add(entry.record.id);
        entry.socket.terminate();
      }
    },

    setAcking(appId, acking) {
      if (acking) notAcking.delete(appId);
      else notAcking.add(appId);
    },

    requestHeartbeat(appId) {
      for (const entry of openOf(appId)) send(entry, { op: OP.heartbeat, d: null, s: null, t: null });
    },

    async close() {
      timers.clear();
      for (const entry of live.values()) entry.socket.terminate();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
