/**
 * The WebSocket side of the fake Slack's Socket Mode (docs.slack.dev "Using Socket Mode", read with
 * @slack/socket-mode's SocketModeClient): `apps.connections.open` hands out a one-time `wss` URL (here `ws`
 * on loopback), the server greets each connection with `hello`, sends `events_api` envelopes that the app
 * must acknowledge by sending back `{"envelope_id": …}`, and asks the app to move with
 * `{"type":"disconnect","reason":"warning" | "refresh_requested" | "link_disabled"}`.
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocket, WebSocketServer } from "ws";
import { createFakeTimers } from "./fake-timers.ts";

/** One WebSocket an app opened. */
export interface SocketModeConnection {
  /** Fake-assigned id. */
  id: string;
  /** The app whose token asked for the URL. */
  app_id: string;
  /** Date.now() when it opened. */
  openedAt: number;
  /** Date.now() when it closed; undefined while open. */
  closedAt?: number;
  /** Who closed it: the app, or the fake (a disconnect that was not followed, a drop). */
  closedBy?: "client" | "server";
  /** WebSocket close code (1006 for a dropped connection). */
  closeCode?: number;
  /** Every frame the app sent on it, parsed (acks included). */
  received: unknown[];
}

/** One envelope the fake sent. */
export interface SocketModeEnvelope {
  envelope_id: string;
  type: "events_api" | "slash_commands" | "interactive";
  /** The Events API body (for events_api). */
  payload: unknown;
  /** Connection it was sent on. */
  connection_id: string;
  /** Slack's redelivery counter (0 on the first send). */
  retry_attempt: number;
  /** Date.now() when sent. */
  sentAt: number;
  /** Date.now() of the app's acknowledgement; undefined while unacknowledged. */
  ackedAt?: number;
  /** The acknowledgement frame as the app sent it. */
  ack?: Record<string, unknown>;
}

/** Options of {@link SocketModeServer.push}. */
export interface SocketPushOptions {
  /** Send on this connection; default the newest open connection that got its hello. */
  connectionId?: string;
  /** Envelope type; default "events_api". */
  type?: SocketModeEnvelope["type"];
  /** Slack's `retry_attempt`; default 0. */
  retryAttempt?: number;
  /** Slack's `retry_reason` (e.g. "timeout"); default "". */
  retryReason?: string;
  /** How long to wait for an open connection before failing; default 5000 ms. */
  waitForConnectionMs?: number;
  /** How long to wait for the acknowledgement; default 3000 ms (Slack's deadline). */
  ackTimeoutMs?: number;
}

/** What became of a pushed envelope. */
export interface SocketPushResult {
  envelope: SocketModeEnvelope;
  acked: boolean;
}

/** Options of {@link SocketModeServer.disconnect}. */
export interface SocketDisconnectOptions {
  /** Only this connection; default every open connection of the app. */
  connectionId?: string;
  /** Close the connection from the server side after this long if the app did not; default 10000 ms. */
  closeAfterMs?: number;
}

export type SocketDisconnectReason = "warning" | "refresh_requested" | "link_disabled";

export interface SocketModeServer {
  /** A fresh one-time URL for an app, as apps.connections.open returns it. */
  issueUrl(appId: string): string;
  /** Every connection ever opened, optionally of one app, oldest first. */
  connections(appId?: string): SocketModeConnection[];
  /** Every envelope sent, oldest first. */
  envelopes: SocketModeEnvelope[];
  /** Send an envelope and wait for its acknowledgement. */
  push(appId: string, payload: unknown, options?: SocketPushOptions): Promise<SocketPushResult>;
  /** Send a `disconnect` message; the connection closes when the app closes it or after `closeAfterMs`. */
  disconnect(appId: string, reason: SocketDisconnectReason, options?: SocketDisconnectOptions): void;
  /** Cut every open connection of the app without a close handshake (a network failure). */
  drop(appId: string): void;
  /** Stop reading and answering on the app's open connections, pings included, as a half-open link after a laptop sleeps. */
  freeze(appId: string): void;
  close(): Promise<void>;
}

interface Live {
  record: SocketModeConnection;
  socket: WebSocket;
  helloSent: boolean;
}

const DEFAULT_CLOSE_AFTER_MS = 10_000;

export async function startSocketModeServer(onEnvelope: (payload: unknown) => void = () => undefined): Promise<SocketModeServer> {
  const tickets = new Map<string, string>();
  const all: SocketModeConnection[] = [];
  const live = new Map<string, Live>();
  const envelopes: SocketModeEnvelope[] = [];
  const ackWaiters = new Map<string, () => void>();
  const timers = createFakeTimers();
  const { later } = timers;
  /** Connections the fake itself closed or cut. */
  const closedByServer = new Set<string>();
  /** Connections that went silent: nothing is sent on them any more (a paused socket does not even see its peer leave). */
  const frozen = new Set<string>();
  let hostCounter = 0;

  const server = new WebSocketServer({
    host: "127.0.0.1",
    port: 0,
    verifyClient: ({ req }: { req: IncomingMessage }, done: (ok: boolean, code?: number) => void) => {
      const ticket = new URL(req.url ?? "/", "http://127.0.0.1").searchParams.get("ticket") ?? "";
      // Tickets are single use, like the URLs apps.connections.open returns (approximate: Slack's refusal code is not documented).
      done(tickets.has(ticket), 401);
    },
  });
  await new Promise<void>((resolve) => server.once("listening", resolve));
  const { port } = server.address() as AddressInfo;

  const openOf = (appId: string) => [...live.values()].filter((l) => l.record.app_id === appId && l.socket.readyState === WebSocket.OPEN);

  server.on("connection", (socket, req) => {
    const ticket = new URL(req.url ?? "/", "http://127.0.0.1").searchParams.get("ticket") ?? "";
    const appId = tickets.get(ticket)!;
    tickets.delete(ticket);
    const record: SocketModeConnection = { id: `conn-${all.length + 1}`, app_id: appId, openedAt: Date.now(), received: [] };
    all.push(record);
    const entry: Live = { record, socket, helloSent: false };
    live.set(record.id, entry);
    socket.on("message", (data, isBinary) => {
      if (isBinary) return;
      let frame: unknown;
      try {
        frame = JSON.parse(data.toString());
      } catch {
        record.received.push(data.toString());
        return;
      }
      record.received.push(frame);
      const envelopeId = (frame as { envelope_id?: unknown }).envelope_id;
      if (typeof envelopeId !== "string") return;
      const envelope = envelopes.find((e) => e.envelope_id === envelopeId && e.ackedAt === undefined);
      if (!envelope) return;
      envelope.ackedAt = Date.now();
      envelope.ack = frame as Record<string, unknown>;
      ackWaiters.get(envelopeId)?.();
    });
    socket.on("close", (code) => {
      record.closedAt = Date.now();
      record.closeCode = code;
      record.closedBy = closedByServer.has(record.id) ? "server" : "client";
      live.delete(record.id);
    });
    socket.send(
      JSON.stringify({
        type: "hello",
        num_connections: openOf(appId).length,
        debug_info: { host: `applink-fake-${++hostCounter}`, build_number: 1, approximate_connection_time: 18060 },
        connection_info: { app_id: appId },
      }),
    );
    entry.helloSent = true;
    timers.changed();
  });

  const pickConnection = (appId: string, connectionId: string | undefined): Live | undefined => {
    if (connectionId) {
      const chosen = live.get(connectionId);
      return chosen && chosen.socket.readyState === WebSocket.OPEN ? chosen : undefined;
    }
    return openOf(appId).filter((l) => l.helloSent && !frozen.has(l.record.id)).at(-1);
  };


  const closeFromServer = (entry: Live, code: number) => {
    closedByServer.add(entry.record.id);
    entry.socket.close(code);
  };

  return {
    issueUrl(appId) {
      const ticket = randomUUID();
      tickets.set(ticket, appId);
      return `ws://127.0.0.1:${port}/link/?ticket=${ticket}&app_id=${appId}`;
    },

    connections(appId) {
      return all.filter((c) => appId === undefined || c.app_id === appId).map((c) => ({ ...c, received: [...c.received] }));
    },

    envelopes,

    async push(appId, payload, options = {}) {
      let entry = pickConnection(appId, options.connectionId);
      if (!entry) {
        const deadline = Date.now() + (options.waitForConnectionMs ?? 5000);
        while (!entry && Date.now() < deadline) {
          await timers.nextChange(deadline - Date.now());
          entry = pickConnection(appId, options.connectionId);
        }
      }
      if (!entry) throw new Error(`fake Slack: no open Socket Mode connection for app ${appId}`);
      const envelope: SocketModeEnvelope = {
        envelope_id: randomUUID(),
        type: options.type ?? "events_api",
        payload,
        connection_id: entry.record.id,
        retry_attempt: options.retryAttempt ?? 0,
        sentAt: Date.now(),
      };
      envelopes.push(envelope);
      onEnvelope(payload);
      const acked = new Promise<boolean>((resolve) => {
        const timer = later(options.ackTimeoutMs ?? 3000, () => {
          ackWaiters.delete(envelope.envelope_id);
          resolve(false);
        });
        ackWaiters.set(envelope.envelope_id, () => {
          ackWaiters.delete(envelope.envelope_id);
          timers.cancel(timer);
          resolve(true);
        });
      });
      entry.socket.send(
        JSON.stringify({
          envelope_id: envelope.envelope_id,
          payload,
          type: envelope.type,
          accepts_response_payload: envelope.type !== "events_api",
          ...(envelope.type === "events_api" ? { retry_attempt: envelope.retry_attempt, retry_reason: options.retryReason ?? "" } : {}),
        }),
      );
      return { envelope, acked: await acked };
    },

    disconnect(appId, reason, options = {}) {
      const targets = options.connectionId ? [live.get(options.connectionId)].filter((l): l is Live => l !== undefined) : openOf(appId);
      for (const entry of targets) {
        entry.socket.send(JSON.stringify({ type: "disconnect", reason, debug_info: { host: `applink-fake-${hostCounter}` } }));
        later(options.closeAfterMs ?? DEFAULT_CLOSE_AFTER_MS, () => {
          if (entry.socket.readyState === WebSocket.OPEN) closeFromServer(entry, 1000);
        });
      }
    },

    drop(appId) {
      for (const entry of openOf(appId)) {
        closedByServer.add(entry.record.id);
        entry.socket.terminate();
      }
    },

    freeze(appId) {
      for (const entry of openOf(appId)) {
        frozen.add(entry.record.id);
        entry.socket.pause();
      }
    },

    async close() {
      timers.clear();
      for (const entry of live.values()) entry.socket.terminate();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
