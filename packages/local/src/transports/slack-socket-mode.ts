import { PatchbayError, PlatformCallError } from "@patchbay/core";
import type { Integration } from "@patchbay/core";
import { openSocketModeUrl } from "@patchbay/platforms/slack";
import WebSocket from "ws";
import { DEFAULT_BACKOFF, backoffMs, codeOf, createProblemReporter, pause } from "./transport.ts";
import type { Backoff, Transport, TransportDeps } from "./transport.ts";

export interface SlackSocketModeOptions {
  /** Web API base (SLACK_API_URL), for apps.connections.open. */
  apiUrl: string;
  backoff?: Backoff;
  /** A connection that has not said hello by then is given up and another one opened. */
  helloTimeoutMs?: number;
  /** How often the connection is pinged; one silent for `deadAfterMs` (no frame, ping or pong) is cut and replaced. */
  heartbeatMs?: number;
  deadAfterMs?: number;
}

const HELLO_TIMEOUT_MS = 10_000;
// @slack/socket-mode waits 5 s for a pong and 30 s for Slack's own pings; one silent half-minute is a dead link.
const HEARTBEAT_MS = 10_000;
const DEAD_AFTER_MS = 30_000;

/** What Slack sends on a Socket Mode connection (docs.slack.dev "Using Socket Mode"). */
interface Frame {
  type?: string;
  reason?: string;
  envelope_id?: string;
  payload?: unknown;
}

interface Connection {
  socket: WebSocket;
  /** Set once a replacement for it is being opened (a disconnect warning, then refresh_requested, asks twice). */
  replacing: boolean;
}

/**
 * Slack Socket Mode, for one integration with an app-level token: apps.connections.open, a WebSocket, Slack's
 * hello; each `events_api` envelope goes to the pipeline like an Events API POST (the socket is authenticated
 * by the app token, so there is no signature to check) and is acknowledged by its envelope_id once the
 * pipeline took it — the point where a webhook answers 200, well inside Slack's 3 s, so an acknowledged
 * message is never lost and one that failed to get in is redelivered by Slack. A `disconnect` (warning or
 * refresh_requested) opens the next connection before the old one is closed; a lost connection is reopened
 * with backoff.
 */
export function startSlackSocketMode(deps: TransportDeps, integration: Integration, options: SlackSocketModeOptions): Transport {
  const { store, vault, pipeline, logger } = deps;
  const id = integration.id;
  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  const problems = createProblemReporter(deps, id);
  const stopping = new AbortController();
  const { signal } = stopping;
  const sockets = new Set<WebSocket>();
  let current: Connection | null = null;
  let failures = 0;
  let wake: () => void = () => undefined;

  const log = (message: string, fields: Record<string, unknown> = {}) => logger.info(message, { integration_id: id, ...fields });

  const handleEnvelope = async (socket: WebSocket, frame: Frame) => {
    const ack = () => {
      if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ envelope_id: frame.envelope_id }));
    };
    if (frame.type !== "events_api") {
      // Slash commands and interactivity are not Patchbay's; acknowledged so Slack does not retry them.
      ack();
      log("slack socket envelope ignored", { type: frame.type ?? null });
      return;
    }
    try {
      const fresh = await store.getIntegration(id);
      if (fresh) await pipeline.ingestBody(fresh, frame.payload); // gone: deleted meanwhile, nothing to answer
      ack();
    } catch (error) {
      // Not acknowledged: Slack sends the envelope again, and the pipeline's dedupe keeps it to one answer.
      logger.warn("slack socket envelope not taken", { integration_id: id, code: codeOf(error) });
    }
  };

  /** Opens one connection and resolves once Slack said hello on it. */
  const open = async (): Promise<Connection> => {
    const appToken = (await vault.get(id))?.app_token;
    if (!appToken) throw new PatchbayError("INVALID_CREDENTIALS", "The integration has no app_token; connect it again with the app-level token (xapp-…).");
    const { url } = await openSocketModeUrl(appToken, options.apiUrl);
    const socket = new WebSocket(url, { handshakeTimeout: options.helloTimeoutMs ?? HELLO_TIMEOUT_MS });
    sockets.add(socket);
    const connection: Connection = { socket, replacing: false };
    let lastHeard = deps.clock.now();
    const heartbeat = setInterval(() => {
      if (deps.clock.now() - lastHeard > (options.deadAfterMs ?? DEAD_AFTER_MS)) {
        log("slack socket silent, replacing it");
        socket.terminate();
      } else if (socket.readyState === WebSocket.OPEN) {
        socket.ping();
      }
    }, options.heartbeatMs ?? HEARTBEAT_MS);
    const heard = () => {
      lastHeard = deps.clock.now();
    };
    socket.on("ping", heard);
    socket.on("pong", heard);
    socket.on("close", (code) => {
      clearInterval(heartbeat);
      sockets.delete(socket);
      if (current?.socket === socket) {
        current = null;
        log("slack socket closed", { code });
        wake();
      }
    });
    socket.on("error", (error) => logger.warn("slack socket error", { integration_id: id, error: error.message }));

    return new Promise<Connection>((resolve, reject) => {
      const helloTimer = setTimeout(() => {
        socket.terminate();
        reject(new PlatformCallError("NETWORK_ERROR", "Slack's Socket Mode connection did not say hello.", { platform: "slack" }));
      }, options.helloTimeoutMs ?? HELLO_TIMEOUT_MS);
      socket.on("close", () => {
        clearTimeout(helloTimer);
        reject(new PlatformCallError("NETWORK_ERROR", "Slack's Socket Mode connection closed before hello.", { platform: "slack" }));
      });
      socket.on("message", (data, isBinary) => {
        heard();
        if (isBinary) return;
        let frame: Frame;
        try {
          frame = JSON.parse(data.toString()) as Frame;
        } catch {
          return;
        }
        if (frame.type === "hello") {
          clearTimeout(helloTimer);
          resolve(connection);
        } else if (frame.type === "disconnect") {
          void onDisconnect(connection, frame.reason ?? "");
        } else if (typeof frame.envelope_id === "string") {
          void handleEnvelope(socket, frame);
        }
      });
    });
  };

  const onDisconnect = async (connection: Connection, reason: string) => {
    log("slack socket disconnect requested", { reason });
    if (reason === "link_disabled") {
      await problems
        .report(new PlatformCallError("PLATFORM_ERROR", "Slack turned Socket Mode off for this app (disconnect: link_disabled): turn it back on under Settings → Socket Mode; Patchbay keeps trying to reconnect."))
        .catch(() => undefined);
      return; // Slack closes the connection; the loop reconnects with backoff
    }
    // refresh_requested or warning: the next connection first, then the old one goes, so nothing falls in a gap.
    if (connection.replacing || connection !== current || signal.aborted) return;
    connection.replacing = true;
    try {
      const next = await open();
      if (signal.aborted) return next.socket.close(1000);
      current = next;
      connection.socket.close(1000);
      log("slack socket replaced", { reason });
    } catch (error) {
      connection.replacing = false;
      logger.warn("slack socket replacement failed", { integration_id: id, code: codeOf(error) });
    }
  };

  const run = async () => {
    while (!signal.aborted) {
      if (current) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          signal.addEventListener("abort", () => resolve(), { once: true });
        });
        continue;
      }
      try {
        current = await open();
        if (failures > 0) await problems.clear();
        failures = 0;
        log("slack socket connected");
      } catch (error) {
        if (signal.aborted) return;
        failures++;
        const wait = error instanceof PlatformCallError && error.retryAfterMs !== undefined ? error.retryAfterMs : backoffMs(backoff, failures);
        if (error instanceof PatchbayError && !(error instanceof PlatformCallError && error.retryable)) {
          await problems.report(error).catch(() => undefined);
        }
        logger.warn("slack socket connect failed", { integration_id: id, code: codeOf(error), retry_in_ms: wait });
        await pause(wait, signal);
      }
    }
  };

  const running = run().catch((error: unknown) => logger.error("slack socket mode stopped", { integration_id: id, error: String(error) }));

  return {
    async stop() {
      stopping.abort();
      await running;
      const closing = [...sockets].map(
        (socket) =>
          new Promise<void>((resolve) => {
            if (socket.readyState === WebSocket.CLOSED) return resolve();
            socket.once("close", () => resolve());
            socket.close(1000);
            setTimeout(() => socket.terminate(), 1000).unref();
          }),
      );
      await Promise.all(closing);
    },
  };
}
