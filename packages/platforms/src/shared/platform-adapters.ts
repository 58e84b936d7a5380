import type { PlatformClient, PlatformConnector, WebhookIngress } from "@patchbay/core";

/** The three faces of one platform that composition roots wire in. */
export interface PlatformAdapters {
  connector: PlatformConnector;
  client: PlatformClient;
  ingress: WebhookIngress;
}
