import type { IntegrationService } from "./integrations.ts";
import type { Logger, Store } from "./ports.ts";

const PAGE_SIZE = 100;

/** Background repair: integrations whose webhook could not be registered are retried until it works. */
export function createReconciler({ store, integrations, logger }: { store: Store; integrations: IntegrationService; logger: Logger }) {
  return {
    /** One pass over every integration; returns how many were registered in this pass. */
    async run(): Promise<number> {
      let repaired = 0;
      let cursor: string | undefined;
      do {
        const page = await store.scanIntegrations({ limit: PAGE_SIZE, cursor });
        for (const integration of page.items) {
          if (integration.registration !== "pending") continue;
          const result = await integrations.retryRegistration(integration);
          if (result.registration === "ok") {
            repaired++;
            logger.info("webhook registered", { integration_id: integration.id });
          }
        }
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      return repaired;
    },
  };
}
