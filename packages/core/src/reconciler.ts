import type { IntegrationService } from "./integrations.ts";
import type { Logger, Store } from "./ports.ts";

const PAGE_SIZE = 100;

/** Background repair: pending webhooks are registered, drifted ones re-registered, broken ones marked `error`. */
export function createReconciler({ store, integrations, logger }: { store: Store; integrations: IntegrationService; logger: Logger }) {
  return {
    /** One pass over every integration; returns how many were (re-)registered in this pass. */
    async run(): Promise<number> {
      let repaired = 0;
      let cursor: string | undefined;
      do {
        const page = await store.scanIntegrations({ limit: PAGE_SIZE, cursor });
        for (const integration of page.items) {
          const outcome = await integrations.reconcile(integration);
          if (outcome === "repaired") repaired++;
          if (outcome !== "unchanged") logger.info("webhook reconciled", { integration_id: integration.id, outcome });
        }
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      return repaired;
    },
  };
}
