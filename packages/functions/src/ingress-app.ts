import type { Adapters } from "@patchbay/composition";
import { createInboundPipeline } from "@patchbay/core";
import type { AnyWebhookDriver } from "@patchbay/core";
import { createWebhookApp } from "@patchbay/http/webhooks";

/**
 * One platform's webhook app: core's pipeline with only that platform's driver, so each bundle stays small.
 * It serves no API requests, so it needs no Idempotency-Key records.
 */
export function createIngressApp(driver: AnyWebhookDriver, adapters: Omit<Adapters, "idempotency">) {
  const pipeline = createInboundPipeline({ ...adapters, drivers: { [driver.platform]: driver } });
  return createWebhookApp({ pipeline, logger: adapters.logger });
}
