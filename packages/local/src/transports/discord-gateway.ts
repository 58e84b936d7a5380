import type { Integration, PlatformCallError } from "@patchbay/core";
import { isFatalCloseError, openGatewaySession } from "@patchbay/platforms/discord";
import type { GatewayResumeState, GatewaySession, GatewaySessionOptions } from "@patchbay/platforms/discord";
import { DEFAULT_BACKOFF, backoffMs, codeOf, createProblemReporter, pause } from "./transport.ts";
import type { Backoff, Transport, TransportDeps } from "./transport.ts";
import type { GatewayResumeStore } from "./discord-gateway-resume.ts";

export interface DiscordGatewayOptions {
  /** REST base (DISCORD_API_URL): GET /gateway/bot says where the Gateway is. */
  apiUrl: string;
  /** Sessions handed over by the last run, to RESUME. */
  resumes: GatewayResumeStore;
  /** Waits between attempts to open a session that could not be opened (Discord unreachable). */
  backoff?: Backoff;
  /** After a close Discord means for good, how often the integration is looked at for a fix (validate, a reconcile). */
  recheckMs?: number;
  /** The session's own bounds (tests shorten them). */
  session?: Pick<GatewaySessionOptions, "restTimeoutMs" | "handshakeTimeoutMs" | "helloTimeoutMs" | "readyTimeoutMs">;
}

const RECHECK_MS = 30_000;
/**
 * After fatal closes in a row, the least wait before the next session, doubling from `recheckMs`: a reconcile
 * may mark the integration repaired while Discord still refuses it, and each refused IDENTIFY counts against
 * the application's 1000 a day (running out resets the bot's token).
 */
const MAX_FATAL_WAIT_MS = 3_600_000;

/**
 * Discord's Gateway, for one integration: one session on the bot's token whose MESSAGE_* and INTERACTION_CREATE
 * dispatches go to the pipeline like a webhook delivery (the session answers interactions with the REST
 * callback). The library reconnects and RESUMEs after transient closes. A close Discord means for good
 * (4004 token, 4014 intents) marks the integration `error` with a `last_error` naming the fix, and nothing
 * reconnects until the integration is no longer `error` (validate cleared it, a reconcile repaired it, or it
 * was paused and resumed); a session that could not be opened at all is tried again with backoff.
 * Where the session is gets kept under DATA_DIR as dispatches are handed on; stopped with the integration
 * unchanged (npm start shutting down) the session is handed over — closed with a code that keeps it alive —
 * so the next run (after a crash too) RESUMEs and Discord replays what arrived meanwhile; paused, deleted or
 * changed, it is ended and nothing is kept.
 */
export function startDiscordGateway(deps: TransportDeps, integration: Integration, options: DiscordGatewayOptions): Transport {
  const { store, vault, pipeline, logger } = deps;
  const id = integration.id;
  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  const stopping = new AbortController();
  const { signal } = stopping;
  let session: GatewaySession | null = null;
  /** Sessions in a row that could not be opened, and that Discord closed for good. */
  let failures = 0;
  let fatalStreak = 0;
  /** How stop() wants the session closed. */
  let stopMode: "handover" | "end" = "end";
  let resume: GatewayResumeState | null = null;

  /** Writes of where the session is, one at a time, the latest winning. */
  let latest: GatewayResumeState | null = null;
  let keeping: Promise<void> | null = null;
  const keepLatest = async () => {
    while (latest) {
      const state = latest;
      latest = null;
      await options.resumes.keep(id, state).catch((error: unknown) => logger.warn("discord gateway session not kept", { integration_id: id, error: String(error) }));
    }
    keeping = null;
  };
  const progressed = (state: GatewayResumeState) => {
    latest = state;
    keeping ??= keepLatest();
  };
  // A live session makes stale whatever fatal close was shown, this run's or an earlier one's.
  const problems = createProblemReporter(deps, id, { breaks: true, isOurs: isFatalCloseError });

  /** Runs one session until it ends for good; resolves with why (null when stopped). */
  const hold = async (token: string): Promise<PlatformCallError | null> => {
    let ended: (error: PlatformCallError | null) => void = () => undefined;
    const done = new Promise<PlatformCallError | null>((resolve) => {
      ended = resolve;
    });
    const onAbort = () => ended(null);
    signal.addEventListener("abort", onAbort, { once: true });
    session = openGatewaySession({
      ...options.session,
      apiUrl: options.apiUrl,
      token,
      resume,
      onProgress: progressed,
      logger: { info: (m, f) => logger.info(m, { integration_id: id, ...f }), warn: (m, f) => logger.warn(m, { integration_id: id, ...f }), error: (m, f) => logger.error(m, { integration_id: id, ...f }) },
      onDispatch: async (dispatch) => {
        // Read fresh for each dispatch: the answering rules are the ones in force when it arrives.
        const fresh = await store.getIntegration(id);
        if (!fresh) return; // deleted meanwhile: nothing to answer
        return pipeline.ingestBody(fresh, dispatch);
      },
      onConnected: () => {
        failures = 0;
        fatalStreak = 0;
        return problems.clear().catch((error: unknown) => logger.warn("discord gateway error not cleared", { integration_id: id, code: codeOf(error) }));
      },
      onFatal: (error) => ended(error),
    });
    try {
      return await done;
    } finally {
      signal.removeEventListener("abort", onAbort);
    }
  };

  /** Waits at least `leastMs`, then until the integration is no longer `error` (or gone, or stop). */
  const awaitFix = async (leastMs: number) => {
    let wait = leastMs;
    while (!signal.aborted) {
      await pause(wait, signal);
      if (signal.aborted) return;
      const fresh = await store.getIntegration(id).catch(() => "unreadable" as const);
      if (fresh !== "unreadable" && fresh?.registration !== "error") return;
      wait = options.recheckMs ?? RECHECK_MS;
    }
  };

  const run = async () => {
    resume = await options.resumes.take(id).catch((error: unknown) => {
      logger.warn("discord gateway kept session unreadable; identifying anew", { integration_id: id, error: String(error) });
      return null;
    });
    while (!signal.aborted) {
      const token = (await vault.get(id))?.bot_token;
      if (!token) return; // no secrets: the integration is being deleted
      const why = await hold(token);
      resume = null;
      const closing = session;
      session = null;
      if (!why && stopMode === "handover" && closing) {
        await closing.close("handover");
        const state = closing.resumeState();
        if (state) progressed(state);
        await keeping;
        return;
      }
      await closing?.close("end");
      latest = null;
      await keeping;
      await options.resumes.forget(id).catch(() => undefined);
      if (!why || signal.aborted) return;
      if (why.retryable) {
        failures++;
        const wait = why.retryAfterMs ?? backoffMs(backoff, failures);
        logger.warn("discord gateway could not be opened", { integration_id: id, code: why.code, retry_in_ms: wait });
        await pause(wait, signal);
        continue;
      }
      fatalStreak++;
      logger.warn("discord gateway stopped for good", { integration_id: id, code: why.code });
      await problems.report(why).catch((error: unknown) => logger.error("discord gateway error not recorded", { integration_id: id, code: codeOf(error) }));
      await awaitFix(backoffMs({ initialMs: options.recheckMs ?? RECHECK_MS, maxMs: MAX_FATAL_WAIT_MS }, fatalStreak));
    }
  };

  const running = run().catch((error: unknown) => logger.error("discord gateway stopped", { integration_id: id, error: String(error) }));
  logger.info("discord gateway started", { integration_id: id });

  return {
    async stop() {
      const now = await store.getIntegration(id).catch(() => undefined);
      const unchanged = now?.active === true && now.delivery === "gateway" && now.tokenLast4 === integration.tokenLast4;
      stopMode = unchanged ? "handover" : "end";
      stopping.abort();
      await running;
    },
  };
}
