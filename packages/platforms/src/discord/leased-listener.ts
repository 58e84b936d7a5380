import { withLogFields } from "@patchbay/core";
import type { Clock, GatewayResume, InboundPipeline, Ingested, Integration, LastError, Logger, PlatformCallError, Store, TokenVault } from "@patchbay/core";
import { openGatewaySession } from "./gateway-session.ts";
import type { GatewayDispatch, GatewaySession, GatewaySessionOptions } from "./gateway-session.ts";
import { readDiscordSecrets } from "./integration-views.ts";

export interface LeasedListenerDeps {
  store: Store;
  vault: TokenVault;
  /** The one inbound pipeline: a dispatch enters it like a verified webhook body. */
  pipeline: Pick<InboundPipeline, "ingestBody">;
  clock: Clock;
  logger: Logger;
}

export interface LeasedListenerOptions {
  /** DISCORD_API_URL. */
  apiUrl: string;
  /** Names this instance in the leases it takes (an invocation's request id: never reused). */
  instanceId: string;
  /** When this instance is surely gone (its invocation's time limit): its leases never run past it. */
  deadline: number;
  /** When it hands its connections over, early enough before `deadline` to close them and write their sessions. */
  handoverAt: number;
  /** How often it follows the store: pausing, deleting or creating an integration takes effect within this. */
  refreshMs: number;
  /**
   * How long its leases last past its last pass (each pass renews them all in one write): if this instance
   * crashes, its bots wait this long, plus the time until an instance next starts, for another to take them
   * over and RESUME. Several refreshes long, so a pass or two may fail (the store busy) before they run out.
   */
  leaseMs: number;
  /**
   * A lease whose holder ends (hands over) within this is waited for (polled every `refreshMs`) instead of left
   * to a later instance: the schedule's interval plus a refresh, so whichever instance starts last before a
   * hand-over takes it at once.
   */
  successorWindowMs: number;
  /** Session timeouts (tests shorten them). */
  session?: Pick<GatewaySessionOptions, "restTimeoutMs" | "handshakeTimeoutMs" | "helloTimeoutMs" | "readyTimeoutMs">;
}

/** What one instance did, for its invocation's result and log. */
export interface ListenerReport {
  /** Integrations whose connection it held, in the order it took them. */
  held: string[];
  /** Of those, the ones whose session it RESUMEd (handed over, or saved by a crashed holder) rather than IDENTIFYing anew. */
  resumed: string[];
  /** The ones it handed over at its end with a session to resume. */
  handedOver: string[];
  /** The ones whose lease another instance took because this one did not renew it in time (it stalled); closed, not ended. */
  lost: string[];
}

interface Held {
  session: GatewaySession;
  /** A rotated token restarts the session. */
  tokenLast4: string;
  /** Set once the session stopped by itself; the next pass ends it (what is held changes in passes only). */
  state: { stopped: boolean };
  /** The resume state the lease holds now: a pass saves it again only once the session moved on. */
  saved: GatewayResume | null;
}

const SCAN_PAGE = 100;

/**
 * The integrations whose messages a Gateway listener carries. One in `error` (a Gateway Discord closed for good,
 * a token it refused) waits for the owner's fix, which `validate` confirms: reopening it on every pass would
 * only spend IDENTIFYs and refused calls.
 */
export const listensOnGateway = (integration: Integration) =>
  integration.platform === "discord" && integration.active && integration.delivery === "gateway" && integration.registration !== "error";

const sameSession = (a: Omit<GatewayResume, "savedAt">, b: GatewayResume | null) =>
  b !== null && a.sessionId === b.sessionId && a.sequence === b.sequence && a.resumeUrl === b.resumeUrl;

/**
 * One listener instance (a scheduled function invocation): until `handoverAt` it holds a Gateway session for
 * each listening integration whose lease it can take, feeds their dispatches to the pipeline, and follows the
 * store every `refreshMs` (a paused, deleted or rotated integration is closed; a new one opened). Its leases
 * are short, all renewed by each pass in one write, and each pass saves where every session that moved stands,
 * so if the instance crashes the next one takes its bots within `leaseMs` plus a schedule interval and RESUMEs:
 * Discord replays what came in between. One that stalled past its leases finds them taken at its next pass
 * and closes those sessions without ending them. At the end it closes its sessions without ending them and hands each over through its lease, so
 * the next holder RESUMEs at once: nothing is lost, and no IDENTIFY is spent. An instance with nothing to hold
 * or wait for returns at once. A message seen by two sessions (replays, overlapping holders) is answered once:
 * the pipeline's dedupe and the responder's delivery claim see to it.
 */
export async function runLeasedListener(deps: LeasedListenerDeps, options: LeasedListenerOptions): Promise<ListenerReport> {
  const { store, vault, pipeline, clock, logger } = deps;
  const me = options.instanceId;
  const held = new Map<string, Held>();
  const report: ListenerReport = { held: [], resumed: [], handedOver: [], lost: [] };
  const nowIso = () => new Date(clock.now()).toISOString();

  const listening = async (): Promise<Map<string, Integration>> => {
    const found = new Map<string, Integration>();
    let cursor: string | undefined;
    do {
      const page = await store.scanIntegrations({ limit: SCAN_PAGE, cursor });
      for (const integration of page.items) if (listensOnGateway(integration)) found.set(integration.id, integration);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return found;
  };

  /** The pipeline's outcome goes back to the session, which answers an interaction that came this way with it. */
  const forward = async (id: string, dispatch: GatewayDispatch): Promise<Ingested | undefined> => {
    // Read afresh: scope, channels and active may have changed since the session opened.
    const integration = await store.getIntegration(id);
    return integration ? pipeline.ingestBody(integration, dispatch) : undefined;
  };

  /** Stops a session that is not handed over, and frees its lease with nothing to resume. */
  const end = async (id: string) => {
    const entry = held.get(id);
    if (!entry) return;
    held.delete(id);
    await entry.session.close("end");
    await store.releaseGatewayLease(id, me, null);
    logger.info("discord gateway released", { integration_id: id });
  };

  /**
   * A session that will not come back by itself. A refusal the owner must fix marks the integration `error`
   * (then it is not reopened); one that could not be opened (Discord unreachable) is opened again next pass.
   */
  const fatal = async (id: string, state: Held["state"], error: PlatformCallError) => {
    logger.warn("discord gateway stopped", { integration_id: id, code: error.code, retryable: error.retryable });
    if (!error.retryable) {
      const lastError: LastError = { code: error.code, message: error.message, at: nowIso() };
      await store.setRegistration(id, "error", lastError, lastError.at);
    }
    state.stopped = true;
  };

  /**
   * Opens the session of a lease just taken: RESUMEd from what the last holder left, else IDENTIFYd. `crashed`
   * names a last holder that left without handing over. A session that could have been resumed but was
   * IDENTIFYd anew (Discord said too late, or a crashed holder saved none) missed what came in between: the
   * log says which and since when, so nothing is lost silently.
   */
  const open = async (integration: Integration, resume: GatewayResume | null, crashed: string | null) => {
    const bundle = await vault.get(integration.id);
    const secrets = bundle ? readDiscordSecrets(bundle) : null;
    if (!secrets) {
      logger.warn("discord gateway not opened: no bot token stored", { integration_id: integration.id });
      await store.releaseGatewayLease(integration.id, me, resume);
      return;
    }
    const state = { stopped: false };
    const sessionLogger = withLogFields(logger, { integration_id: integration.id });
    let first = true;
    const onConnected = (how: "identified" | "resumed") => {
      if (!first) return;
      first = false;
      if (how === "resumed") {
        report.resumed.push(integration.id);
        return;
      }
      if (!resume && !crashed) return;
      sessionLogger.warn("discord gateway session could not be resumed: messages sent between lost_since and lost_until may have been missed", {
        previous_holder: crashed,
        lost_session_id: resume?.sessionId ?? null,
        lost_after_sequence: resume?.sequence ?? null,
        lost_since: resume ? new Date(resume.savedAt).toISOString() : null,
        lost_until: nowIso(),
      });
    };
    const session = openGatewaySession({
      ...options.session,
      apiUrl: options.apiUrl,
      token: secrets.bot_token,
      resume,
      logger: sessionLogger,
      onDispatch: (dispatch) => forward(integration.id, dispatch),
      onFatal: (error) => fatal(integration.id, state, error),
      onConnected,
    });
    held.set(integration.id, { session, tokenLast4: integration.tokenLast4, state, saved: resume });
    report.held.push(integration.id);
    logger.info("discord gateway taken", { integration_id: integration.id, resuming: resume !== null });
  };

  /**
   * Another instance took the lease after this one failed to renew it in time (stalled, not crashed). That one
   * RESUMEs or has RESUMEd the session, so it is closed without ending it, and not saved any more.
   */
  const lose = async (id: string, entry: Held) => {
    held.delete(id);
    report.lost.push(id);
    logger.warn("discord gateway lease lost to another instance: session closed and left to it", { integration_id: id });
    await entry.session.close("handover");
  };

  /** Saves, in one go, where each session stands that moved since its last save: a crash leaves that to the next holder. */
  const save = async () => {
    const now = clock.now();
    await Promise.all(
      [...held].map(async ([id, entry]) => {
        const state = entry.session.resumeState();
        if (!state || sameSession(state, entry.saved)) return;
        const resume = { ...state, savedAt: now };
        if (await store.saveGatewayResume(id, me, resume)) entry.saved = resume;
        else await lose(id, entry);
      }),
    );
  };

  /** One pass over the store; whether this instance has anything left to hold or wait for. */
  const pass = async (): Promise<boolean> => {
    const wanted = await listening();
    for (const [id, entry] of held) {
      if (entry.state.stopped || wanted.get(id)?.tokenLast4 !== entry.tokenLast4) await end(id);
    }
    const now = clock.now();
    const leases = new Map((await store.heldGatewayLeases()).map((lease) => [lease.integrationId, lease]));
    for (const [id, entry] of held) if (leases.get(id)?.holder !== me) await lose(id, entry);
    let waiting = false;
    const free: { integration: Integration; crashed: string | null }[] = [];
    for (const integration of wanted.values()) {
      if (held.has(integration.id)) continue;
      const lease = leases.get(integration.id);
      const other = lease && lease.holder !== me ? lease : undefined;
      if (other && other.until > now) {
        waiting ||= other.endsBy <= now + options.successorWindowMs;
        continue;
      }
      // A lease still listed but run out was not handed over: its holder crashed (or stalled) without releasing it.
      free.push({ integration, crashed: other?.holder ?? null });
    }
    if (held.size === 0 && free.length === 0) return waiting;
    // Renewing itself renews every lease it holds (and the ones it takes next): one write per pass.
    await store.renewGatewayHolder(me, Math.min(now + options.leaseMs, options.deadline), options.deadline);
    await save();
    for (const { integration, crashed } of free) {
      const claim = await store.takeGatewayLease(integration.id, me, now);
      if (claim.taken) await open(integration, claim.resume, crashed);
      else waiting = true; // taken by another instance just now: look again next pass
    }
    return held.size > 0 || waiting;
  };

  const handOver = async () => {
    await Promise.all(
      [...held].map(async ([id, entry]) => {
        held.delete(id);
        await entry.session.close("handover");
        const state = entry.session.resumeState();
        const resume = state ? { ...state, savedAt: clock.now() } : null;
        if ((await store.releaseGatewayLease(id, me, resume)) && resume) report.handedOver.push(id);
      }),
    );
  };

  try {
    while (clock.now() < options.handoverAt && (await pass())) {
      await clock.sleep(Math.min(options.refreshMs, Math.max(0, options.handoverAt - clock.now())));
    }
  } finally {
    await handOver();
  }
  logger.info("discord gateway listener done", {
    held: report.held.length,
    resumed: report.resumed.length,
    handed_over: report.handedOver.length,
    lost: report.lost.length,
  });
  return report;
}
