import { ValidationError } from "./errors.ts";
import type { IntegrationService } from "./integrations.ts";
import type { Integration } from "./model.ts";
import type { Logger, Store } from "./ports.ts";

const PAGE_SIZE = 25;

export interface ReconcilerDeps {
  store: Store;
  integrations: Pick<IntegrationService, "reconcile">;
  logger: Logger;
  /** Integrations read (and repaired) between two looks at the time left; PAGE_SIZE by default. */
  pageSize?: number;
}

export interface ReconcilerRun {
  /** Whether another page fits in this run; when not, the next run continues where this one stopped. */
  hasTime?: () => boolean;
}

/**
 * Background repair: pending webhooks are registered, drifted ones re-registered, broken ones marked `error`.
 * One walk over every integration may take several runs: a run that is out of time keeps its place in the
 * store, so however many integrations there are, every one is reached (a Lambda run has minutes, not hours).
 */
export function createReconciler({ store, integrations, logger, pageSize = PAGE_SIZE }: ReconcilerDeps) {
  const scanFrom = async (cursor: string | undefined) => {
    try {
      return await store.scanIntegrations({ limit: pageSize, cursor });
    } catch (error) {
      // A kept place the store no longer understands (a changed key layout): the walk starts again.
      if (!(error instanceof ValidationError) || cursor === undefined) throw error;
      logger.warn("reconciler cursor not usable, starting from the beginning");
      return store.scanIntegrations({ limit: pageSize });
    }
  };

  const repair = async (integration: Integration): Promise<boolean> => {
    const outcome = await integrations.reconcile(integration);
    if (outcome !== "unchanged") logger.info("webhook reconciled", { integration_id: integration.id, outcome });
    return outcome === "repaired";
  };

  return {
    /** Continues the walk until it ends or time runs out; returns how many were (re-)registered in this run. */
    async run({ hasTime = () => true }: ReconcilerRun = {}): Promise<number> {
      let repaired = 0;
      let cursor = (await store.reconcilerCursor()) ?? undefined;
      for (;;) {
        const page = await scanFrom(cursor);
        for (const integration of page.items) if (await repair(integration)) repaired++;
        if (page.nextCursor === null) break;
        cursor = page.nextCursor;
        // Kept after every page: a run cut off by its time limit loses one page at most.
        await store.saveReconcilerCursor(cursor);
        if (!hasTime()) {
          logger.info("reconciler run paused, the next one continues", { repaired });
          return repaired;
        }
      }
      await store.saveReconcilerCursor(null);
      return repaired;
    },
  };
}
