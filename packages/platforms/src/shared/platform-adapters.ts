import type { Clock, InboundHandler, Logger, PlatformClient, PlatformConnector, Store, TokenVault, WebhookIngress } from "@patchbay/core";

/** The three faces of one platform that composition roots wire in. */
export interface PlatformAdapters {
  connector: PlatformConnector;
  client: PlatformClient;
  ingress: WebhookIngress;
}

/** What every platform is built from. */
export interface PlatformDeps {
  /** The platform's API base URL (a fake one in tests). */
  apiUrl: string;
  store: Store;
  vault: TokenVault;
  inbound: InboundHandler;
  clock: Clock;
  logger: Logger;
}
