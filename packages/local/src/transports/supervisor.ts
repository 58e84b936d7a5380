import type { Delivery, Integration, Listener } from "@patchbay/core";
import type { OffsetStore } from "./offset-store.ts";
import { codeOf } from "./transport.ts";
import type { Transport, TransportDeps, TransportFactory } from "./transport.ts";

/** How soon a created, paused, resumed, rotated or deleted integration is followed. */
export const SUPERVISE_INTERVAL_MS = 2_000;
const SCAN_PAGE = 100;

export interface TransportSupervisorOptions {
  /** The transport that serves each delivery this runtime runs. */
  factories: Partial<Record<Listener, TransportFactory>>;
  /** Offsets of polling integrations, forgotten with the integration. */
  offsets: OffsetStore;
  intervalMs?: number;
}

export interface TransportSupervisor {
  /** Starts and stops transports to match the store now (also runs every few seconds on its own). */
  sync(): Promise<void>;
  /** The transports running, by integration id. */
  running(): { integrationId: string; delivery: Delivery }[];
  /** Stops every transport. */
  stop(): Promise<void>;
}

interface Running {
  transport: Transport;
  delivery: Delivery;
  /** What the transport was started with; a change (delivery, a rotated token) restarts it. */
  fingerprint: string;
}

const fingerprintOf = (integration: Integration) => `${integration.delivery}:${integration.tokenLast4}`;

/**
 * One transport per active integration whose delivery this runtime runs, following the store: every few
 * seconds it reads the integrations (whoever changed them: the API, the reconciler, another tool) and starts
 * what is missing, stops what was paused, deleted or moved to webhooks, and restarts what was rotated.
 * Reading the store rather than hooking the API keeps it right whatever path a change took.
 */
export function startTransportSupervisor(deps: TransportDeps, options: TransportSupervisorOptions): TransportSupervisor {
  const running = new Map<string, Running>();
  let stopped = false;
  let inFlight: Promise<void> = Promise.resolve();

  const wanted = (integration: Integration): TransportFactory | undefined =>
    integration.active && integration.delivery !== "webhook" ? options.factories[integration.delivery] : undefined;

  const stopOne = async (id: string) => {
    const entry = running.get(id);
    if (!entry) return;
    running.delete(id);
    await entry.transport.stop();
    deps.logger.info("transport stopped", { integration_id: id, delivery: entry.delivery });
  };

  const pass = async () => {
    const seen = new Map<string, Integration>();
    let cursor: string | undefined;
    do {
      const page = await deps.store.scanIntegrations({ limit: SCAN_PAGE, cursor });
      for (const integration of page.items) seen.set(integration.id, integration);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    if (stopped) return;

    for (const [id, entry] of running) {
      const integration = seen.get(id);
      if (!integration || !wanted(integration) || fingerprintOf(integration) !== entry.fingerprint) await stopOne(id);
    }
    for (const integration of seen.values()) {
      const factory = wanted(integration);
      if (!factory || running.has(integration.id) || stopped) continue;
      running.set(integration.id, { transport: factory(deps, integration), delivery: integration.delivery, fingerprint: fingerprintOf(integration) });
      deps.logger.info("transport started", { integration_id: integration.id, delivery: integration.delivery });
    }
    // The offset of a deleted integration goes with it (a paused one keeps its place).
    for (const id of await options.offsets.list()) if (!seen.has(id)) await options.offsets.remove(id);
  };

  /** Passes never overlap: one waits for the one before it. */
  const sync = () => {
    inFlight = inFlight.then(pass).catch((error: unknown) => {
      deps.logger.error("transport supervision pass failed", { code: codeOf(error), error: String(error) });
    });
    return inFlight;
  };

  const timer = setInterval(() => void sync(), options.intervalMs ?? SUPERVISE_INTERVAL_MS);
  void sync();

  return {
    sync,
    running: () => [...running].map(([integrationId, entry]) => ({ integrationId, delivery: entry.delivery })),
    async stop() {
      stopped = true;
      clearInterval(timer);
      await inFlight;
      await Promise.all([...running.keys()].map(stopOne));
    },
  };
}
