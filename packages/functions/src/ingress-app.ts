import type { Adapters } from "@patchbay/composition";
import { createInboundHandler } from "@patchbay/core";
import type { InboundHandler, Platform, WebhookIngress } from "@patchbay/core";
import { createWebhookApp } from "@patchbay/http/webhooks";

type IngressFactory = (deps: Adapters & { inbound: InboundHandler }) => WebhookIngress;

/** One platform's webhook app: only that platform's code, so each ingress bundle stays small and starts fast. */
export function createIngressApp(platform: Platform, createIngress: IngressFactory, adapters: Adapters) {
  const inbound = createInboundHandler(adapters);
  return createWebhookApp({ ingresses: { [platform]: createIngress({ ...adapters, inbound }) }, logger: adapters.logger });
}
