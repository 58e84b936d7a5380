import { setTimeout as delay } from "node:timers/promises";
import { PatchbayError } from "@patchbay/core";
import type { Clock, InboundPipeline, Integration, LastError, Logger, Store, TokenVault } from "@patchbay/core";

/** What every transport feeds and reads: the one inbound pipeline, the records and the vault. */
export interface TransportDeps {
  store: Store;
  vault: TokenVault;
  pipeline: Pick<InboundPipeline, "ingestBody">;
  clock: Clock;
  logger: Logger;
}

/** One running receiver for one integration (a Telegram poller, a Slack socket, later a Discord Gateway). */
export interface Transport {
  /** Stops receiving; resolves once nothing of it runs any more. */
  stop(): Promise<void>;
}

/** Starts a transport for an integration whose `delivery` it serves. */
export type TransportFactory = (deps: TransportDeps, integration: Integration) => Transport;

/** Retry waits: doubling from `initialMs` up to `maxMs`. One process per bot, so no jitter is needed. */
export interface Backoff {
  initialMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: Backoff = { initialMs: 1_000, maxMs: 60_000 };

export function backoffMs(backoff: Backoff, failures: number): number {
  return Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.max(0, failures - 1));
}

/** Waits, or stops waiting as soon as `signal` aborts (never rejects). */
export async function pause(ms: number, signal: AbortSignal): Promise<void> {
  await delay(ms, undefined, { signal }).catch(() => undefined);
}

export interface ProblemReporterOptions {
  /** The problem stops the transport: the integration's status becomes `error`, and `ok` again once cleared. */
  breaks?: boolean;
  /** A `last_error` an earlier run of the transport wrote (before a restart or a pause), cleared like its own. */
  isOurs?: (lastError: LastError) => boolean;
}

/**
 * The integration's `last_error` for a problem its owner must fix (a competing consumer, a refused token):
 * written once per distinct problem, and cleared once the transport works again, only if it still shows ours.
 */
export function createProblemReporter(deps: TransportDeps, integrationId: string, options: ProblemReporterOptions = {}) {
  let reported: LastError | null = null;
  return {
    async report(error: PatchbayError): Promise<void> {
      // A problem that stops the transport is reported after each attempt its owner's fix allowed: always written.
      if (!options.breaks && reported?.code === error.code && reported.message === error.message) return;
      const lastError = { code: error.code, message: error.message, at: new Date(deps.clock.now()).toISOString() };
      if (options.breaks) await deps.store.setRegistration(integrationId, "error", lastError, lastError.at);
      else await deps.store.recordError(integrationId, lastError);
      reported = lastError;
    },
    async clear(): Promise<void> {
      if (!reported && !options.isOurs) return;
      const shown = reported;
      reported = null;
      const integration = await deps.store.getIntegration(integrationId);
      const last = integration?.lastError;
      if (!integration || !last) return;
      if (!(shown?.code === last.code && shown.message === last.message) && !options.isOurs?.(last)) return;
      const registration = options.breaks && integration.registration === "error" ? "ok" : integration.registration;
      await deps.store.setRegistration(integrationId, registration, null, new Date(deps.clock.now()).toISOString());
    },
  };
}

/** An error's code for log lines (never its payload). */
export function codeOf(error: unknown): string {
  return error instanceof PatchbayError ? error.code : "INTERNAL";
}
