import { LeaseLostError } from "./errors.ts";
import type { Clock, LeasedRef, Store } from "./ports.ts";

export interface HeldLease {
  /** Throws LeaseLostError unless this worker still holds the message: asked before anything is sent. */
  ensure(): Promise<void>;
  /** Stops renewing (the attempt is over). */
  stop(): void;
}

/**
 * Keeps a claimed message's lease while the worker answers it: renewed every third of the lease. A worker
 * that stalled (a paused process, a slow store) may have been overtaken once its lease ran out, so before
 * sending it renews the lease itself whenever the last renewal is older than half a lease: another worker
 * can take the message only after a whole lease without one.
 */
export function holdLease(store: Pick<Store, "renewLease">, clock: Clock, ref: LeasedRef, leaseMs: number): HeldLease {
  let confirmedAt = clock.now();
  let lost = false;
  const renew = async () => {
    const at = clock.now();
    if (await store.renewLease(ref, at + leaseMs)) confirmedAt = at;
    else lost = true;
  };
  const timer = setInterval(() => void renew().catch(() => undefined), leaseMs / 3);
  return {
    async ensure() {
      if (!lost && clock.now() - confirmedAt >= leaseMs / 2) await renew();
      if (lost) throw new LeaseLostError();
    },
    stop: () => clearInterval(timer),
  };
}
