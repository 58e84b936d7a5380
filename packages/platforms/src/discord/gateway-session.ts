import { setTimeout as delay } from "node:timers/promises";
import { REST } from "@discordjs/rest";
import { WebSocketManager, WebSocketShardEvents, WebSocketShardStatus } from "@discordjs/ws";
import type { SessionInfo } from "@discordjs/ws";
import { PlatformCallError } from "@patchbay/core";
import type { GatewayResume, Ingested, Logger } from "@patchbay/core";
import { gatewayIntents } from "./gateway-intents.ts";
import { answerGatewayInteraction } from "./gateway-interactions.ts";
import { createThreadParents } from "./gateway-threads.ts";
import { createDiscordRest } from "./rest.ts";

/** What the next holder of a bot's Gateway session needs to RESUME it (Discord then replays what it missed). */
export type GatewayResumeState = Omit<GatewayResume, "savedAt">;

/**
 * A dispatch in the shape the Discord driver parses (parse-dispatch.ts): Discord's `{op: 0, t, s, d}`, with
 * `patchbay_parent_id` on MESSAGE_* of a thread (the channel it belongs to, which Discord does not send).
 */
export interface GatewayDispatch {
  op: 0;
  t: string;
  s: number;
  d: unknown;
  patchbay_parent_id?: string;
}

/** The dispatches Patchbay acts on; the others only feed the session's own state (READY, GUILD_CREATE, THREAD_*). */
const FORWARDED_DISPATCHES: ReadonlySet<string> = new Set(["MESSAGE_CREATE", "MESSAGE_UPDATE", "MESSAGE_DELETE", "INTERACTION_CREATE"]);

export interface GatewaySessionOptions {
  /** REST base (DISCORD_API_URL): `GET /gateway/bot` says where the Gateway is, threads' parents are read there. */
  apiUrl: string;
  token: string;
  /**
   * IDENTIFY intents. Absent: read from the application's flags (`GET /applications/@me`) when the session
   * opens, so Message Content is asked for only while it is switched on (see gateway-intents.ts).
   */
  intents?: number;
  /** A session an earlier holder handed over: RESUMEd instead of a new IDENTIFY. */
  resume?: GatewayResumeState | null;
  /**
   * Each forwarded dispatch, one at a time in Discord's order; normally `pipeline.ingestBody(integration,
   * dispatch)`. For INTERACTION_CREATE its outcome is what the session answers the interaction with (the REST
   * callback stands in for a webhook's HTTP response). A rejection is tried again twice (after 250 ms and
   * 1 s); then it is logged and the resume state stops advancing, so a later holder that RESUMEs gets it
   * replayed (the pipeline's dedupe keeps one answer).
   */
  onDispatch(dispatch: GatewayDispatch): Promise<Ingested | void>;
  /**
   * The session stopped and will not come back by itself: a close Discord means for good (4004 token,
   * 4013/4014 intents, 4010–4012; the message says what to fix), or the Gateway could not be opened at all
   * (`GET /gateway/bot` refused or unreachable). `error.retryable` says whether opening a new session later can work.
   */
  onFatal(error: PlatformCallError): void | Promise<void>;
  /** Each time the session is live again: after READY ("identified") or RESUMED ("resumed"). */
  onConnected?(how: "identified" | "resumed"): void | Promise<void>;
  /**
   * Each time the resume state moves (a new session, a dispatch handed on): where a holder that stopped
   * without closing (a crash) would RESUME from. Keep it where the next holder finds it.
   */
  onProgress?(state: GatewayResumeState): void;
  logger: Logger;
  /** Bound on each REST call the session makes. */
  restTimeoutMs?: number;
  /** Bounds on the WebSocket handshake, HELLO and READY; the library's defaults when absent. */
  handshakeTimeoutMs?: number;
  helloTimeoutMs?: number;
  readyTimeoutMs?: number;
}

export interface GatewaySession {
  /** Resolves once the session is first live (READY or RESUMED); rejects with onFatal's error if it never will be. */
  readonly connected: Promise<void>;
  /** Where a RESUME would continue, or null when there is no session (never connected, ended, or closed for good). */
  resumeState(): GatewayResumeState | null;
  /**
   * Stops the session and resolves once no dispatch is being handed on any more. "handover" closes with a
   * code that keeps the session alive (4200, not 1000/1001), so `resumeState()` lets the next holder RESUME;
   * "end" closes with 1000, which ends the session (the bot goes offline).
   */
  close(mode: "handover" | "end"): Promise<void>;
}

const REST_TIMEOUT_MS = 15_000;
/** Patchbay's bots stay far below the 2500 guilds one shard may hold. */
const SHARD_ID = 0;
const HANDOVER_CLOSE_CODE = 4200;
/** Waits before each retry of a dispatch the pipeline did not take. */
const DISPATCH_RETRY_MS = [250, 1000];
/** How long close() lets a reconnect the library has scheduled get its socket, so that socket is closed too. */
const RECONNECT_WAIT_MS = 5_000;
const END_CLOSE_CODE = 1000;

type GatewayBotInfo = Awaited<ReturnType<WebSocketManager["fetchGatewayInformation"]>>;

/** Close codes after which Discord will not take the session back, with what the bot's owner must do. */
const FATAL_CLOSES: Record<number, { code: PlatformCallError["code"]; message: string }> = {
  4004: {
    code: "INVALID_CREDENTIALS",
    message: "Discord's Gateway refused the bot token (close 4004); copy it again from the Developer Portal (Bot → Reset Token) and update the integration.",
  },
  4013: {
    code: "PLATFORM_ERROR",
    message: "Discord's Gateway refused the intents Patchbay asked for as invalid (close 4013); validate the integration, and report this if it persists.",
  },
  4014: {
    code: "INSUFFICIENT_PERMISSIONS",
    message:
      "Discord's Gateway refused a privileged intent (close 4014): the Message Content intent was switched off. Turn it on in the Discord Developer Portal → your application → Bot → " +
      "Privileged Gateway Intents → Message Content Intent, then validate the integration (or set it again as active) to reconnect.",
  },
  4010: { code: "PLATFORM_ERROR", message: "Discord's Gateway refused the shard Patchbay asked for (close 4010); report this." },
  4011: { code: "PLATFORM_ERROR", message: "Discord's Gateway asks for sharding (close 4011): the bot is in more than 2500 servers, which Patchbay does not support yet." },
  4012: { code: "PLATFORM_ERROR", message: "Discord's Gateway refused the API version Patchbay speaks (close 4012); report this." },
};

/** The fatal error for a close code, or null when the library reconnects after it. */
function fatalClose(closeCode: number): PlatformCallError | null {
  const fatal = FATAL_CLOSES[closeCode];
  return fatal ? new PlatformCallError(fatal.code, fatal.message, { platform: "discord", close_code: closeCode }) : null;
}

/** Whether a `last_error` is one a fatal close wrote: a session that is live again makes it stale. */
export function isFatalCloseError(error: { code: string; message: string }): boolean {
  return Object.values(FATAL_CLOSES).some((fatal) => fatal.code === error.code && fatal.message === error.message);
}

/**
 * A manager that asks Patchbay's REST for `GET /gateway/bot` (DISCORD_API_URL, Patchbay's errors and timeout)
 * instead of its own; that is the only call the library makes with its REST.
 */
class PatchbayGatewayManager extends WebSocketManager {
  readonly #gatewayBot: () => Promise<GatewayBotInfo>;

  constructor(options: ConstructorParameters<typeof WebSocketManager>[0], gatewayBot: () => Promise<GatewayBotInfo>) {
    super(options);
    this.#gatewayBot = gatewayBot;
  }

  override async fetchGatewayInformation(): Promise<GatewayBotInfo> {
    return this.#gatewayBot();
  }
}

/**
 * One bot's Gateway connection on `@discordjs/ws`, usable by any process that holds connections (`npm start`,
 * a listener function): the library heartbeats, notices a zombie connection, reconnects with backoff and
 * RESUMEs after transient closes; this session keeps its session info per bot (the library's default store
 * is shared by every manager in the process), turns fatal closes into errors that name the fix, and hands
 * the dispatches Patchbay acts on to `onDispatch`, in order, with a thread's parent channel.
 */
export function openGatewaySession(options: GatewaySessionOptions): GatewaySession {
  const { logger } = options;
  const rest = createDiscordRest({ apiUrl: options.apiUrl, timeoutMs: options.restTimeoutMs ?? REST_TIMEOUT_MS });
  const threads = createThreadParents(rest, options.token, logger);
  let session: SessionInfo | null = options.resume
    ? { sessionId: options.resume.sessionId, sequence: options.resume.sequence, resumeURL: options.resume.resumeUrl, shardId: SHARD_ID, shardCount: 1 }
    : null;
  /** The last sequence up to which every dispatch was handed on. */
  let handedThrough = options.resume?.sequence ?? 0;
  let stalled = false;
  let handingOver = false;
  let closing = false;
  /** close() has destroyed the shards it could reach. */
  let closed = false;
  let closedForGood = false;
  const closeCode = () => (handingOver ? HANDOVER_CLOSE_CODE : END_CLOSE_CODE);
  let queue: Promise<void> = Promise.resolve();

  let settle: { resolve: () => void; reject: (error: PlatformCallError) => void } | null = null;
  const connected = new Promise<void>((resolve, reject) => {
    settle = { resolve, reject };
  });
  // A caller that only listens to onFatal must not get an unhandled rejection.
  connected.catch(() => undefined);

  const fail = (error: PlatformCallError) => {
    settle?.reject(error);
    settle = null;
    void Promise.resolve(options.onFatal(error)).catch((thrown: unknown) => logger.error("discord gateway onFatal failed", { error: String(thrown) }));
  };

  const live = (how: "identified" | "resumed") => {
    settle?.resolve();
    settle = null;
    logger.info("discord gateway connected", { how });
    void Promise.resolve(options.onConnected?.(how)).catch((error: unknown) => logger.warn("discord gateway onConnected failed", { error: String(error) }));
  };

  /** A short outage (the store restarting) does not stall the resume state: each dispatch is tried a few times. */
  const handOnWithRetries = async (dispatch: GatewayDispatch): Promise<Ingested | void> => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await options.onDispatch(dispatch);
      } catch (error) {
        const wait = DISPATCH_RETRY_MS[attempt];
        if (wait === undefined) throw error;
        await delay(wait);
      }
    }
  };

  /** The bot user (READY's, or the application's read at open): its own edits (a streamed answer growing) are not handed on. */
  let botUserId: string | undefined;
  const ownEdit = (payload: { t: string; d: unknown }) =>
    payload.t === "MESSAGE_UPDATE" && botUserId !== undefined && (payload.d as { author?: { id?: unknown } } | null)?.author?.id === botUserId;

  const resumeState = (): GatewayResumeState | null =>
    session && { sessionId: session.sessionId, sequence: Math.min(session.sequence, handedThrough), resumeUrl: session.resumeURL };
  const progressed = () => {
    const state = resumeState();
    if (state) options.onProgress?.(state);
  };

  const handOn = async (payload: { t: string; s: number; d: unknown }) => {
    threads.observe(payload.t, payload.d);
    if (payload.t === "READY") {
      botUserId = (payload.d as { user?: { id?: string } } | null)?.user?.id;
      // A new session starts counting again; what the old one missed is gone with it.
      stalled = false;
      handedThrough = payload.s;
      progressed();
      return;
    }
    if (FORWARDED_DISPATCHES.has(payload.t) && !ownEdit(payload)) {
      const parentId = await threads.parentOf(payload.t, payload.d);
      const dispatch: GatewayDispatch = { op: 0, t: payload.t, s: payload.s, d: payload.d, ...(parentId ? { patchbay_parent_id: parentId } : {}) };
      const ingested = await handOnWithRetries(dispatch);
      if (payload.t === "INTERACTION_CREATE" && ingested) {
        // Not replayed when it fails: Discord's 3 s to answer an interaction are gone by any replay.
        await answerGatewayInteraction(rest, payload.d, ingested).catch((error: unknown) =>
          logger.warn("discord gateway interaction not answered", { code: error instanceof PlatformCallError ? error.code : "INTERNAL" }),
        );
      }
      if (!stalled) {
        handedThrough = payload.s;
        progressed();
      }
      return;
    }
    if (!stalled) handedThrough = payload.s;
  };

  const createManager = (intents: number) => {
    const manager = new PatchbayGatewayManager(
      {
        token: options.token,
        intents,
        // Never asked: fetchGatewayInformation is Patchbay's (see PatchbayGatewayManager).
        rest: new REST(),
        shardCount: 1,
        shardIds: [SHARD_ID],
        retrieveSessionInfo: () => session,
        updateSessionInfo: (_shardId, info) => {
          // Closing for a hand-over clears the library's copy; the next holder still needs it.
          if (info === null && handingOver) return;
          session = info;
        },
        ...(options.handshakeTimeoutMs !== undefined ? { handshakeTimeout: options.handshakeTimeoutMs } : {}),
        ...(options.helloTimeoutMs !== undefined ? { helloTimeout: options.helloTimeoutMs } : {}),
        ...(options.readyTimeoutMs !== undefined ? { readyTimeout: options.readyTimeoutMs } : {}),
      },
      () => rest<GatewayBotInfo>("GET", "/gateway/bot", { token: options.token }),
    );
    manager.on(WebSocketShardEvents.Dispatch, (payload) => {
      const dispatch = { t: payload.t, s: payload.s, d: payload.d };
      queue = queue.then(() =>
        handOn(dispatch).catch((error: unknown) => {
          stalled = true;
          logger.warn("discord gateway dispatch not handed on", { type: dispatch.t, sequence: dispatch.s, error: error instanceof Error ? error.message : String(error) });
        }),
      );
    });
    // A shard spawned after close() destroyed the others (close came while connect() was fetching the Gateway
    // URL) is closed as soon as its socket says hello.
    manager.on(WebSocketShardEvents.Hello, () => {
      if (closed) void manager.destroy({ code: closeCode() });
    });
    manager.on(WebSocketShardEvents.Ready, () => live("identified"));
    manager.on(WebSocketShardEvents.Resumed, () => live("resumed"));
    manager.on(WebSocketShardEvents.Closed, (code) => {
      const fatal = fatalClose(code);
      if (!fatal) return logger.info("discord gateway closed", { close_code: code });
      closedForGood = true;
      logger.warn("discord gateway closed for good", { close_code: code, code: fatal.code });
      fail(fatal);
    });
    // Without an error listener a fatal close is an unhandled rejection that ends the process (every bot in it).
    manager.on(WebSocketShardEvents.Error, (error) => logger.warn("discord gateway error", { error: error.message }));
    manager.on(WebSocketShardEvents.SocketError, (error) => logger.warn("discord gateway socket error", { error: error.message }));
    return manager;
  };

  /**
   * Between a close and the reconnect the library schedules (RECONNECT, INVALID_SESSION, a dropped socket)
   * the shard is idle, and destroying it then does not stop the reconnect: the socket it opens would stay.
   * So close() waits for that socket's HELLO (or a few seconds) before destroying.
   */
  const reconnectSettled = async (manager: WebSocketManager) => {
    if (closedForGood || (await manager.fetchStatus()).get(SHARD_ID) !== WebSocketShardStatus.Idle) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        manager.off(WebSocketShardEvents.Hello, done);
        resolve();
      };
      const timer = setTimeout(done, RECONNECT_WAIT_MS);
      manager.on(WebSocketShardEvents.Hello, done);
    });
  };

  const readIntents = async () => {
    if (options.intents !== undefined) return options.intents;
    const application = await rest<{ id: string; flags?: number; bot?: { id: string } }>("GET", "/applications/@me", { token: options.token });
    botUserId ??= application.bot?.id ?? application.id;
    return gatewayIntents(application.flags);
  };

  const asPlatformError = (error: unknown) =>
    error instanceof PlatformCallError ? error : new PlatformCallError("NETWORK_ERROR", `Discord's Gateway could not be opened: ${String(error)}`, { platform: "discord" });

  const opening = (async () => {
    const manager = createManager(await readIntents());
    if (closing) return manager;
    // A fatal close rejects connect() too; `fail` has then already said why.
    manager.connect().catch((error: unknown) => {
      if (settle) fail(asPlatformError(error));
    });
    return manager;
  })().catch((error: unknown) => {
    if (!closing) fail(asPlatformError(error));
    return null;
  });

  return {
    connected,
    resumeState,
    async close(mode) {
      closing = true;
      handingOver = mode === "handover";
      const manager = await opening;
      if (manager) await reconnectSettled(manager);
      await manager?.destroy({ code: closeCode() });
      closed = true;
      if (mode === "end") session = null;
      await queue;
    },
  };
}
