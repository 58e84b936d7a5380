import type { AnyWebhookDriver, Clock, Logger, Platform, PlatformClient, PlatformConnector, Store } from "@patchbay/core";

/** What a platform's responder and control-plane sides are built from. */
export interface PlatformDeps {
  /** The platform's API base URL (a fake one in tests). */
  apiUrl: string;
  /** Telegram's connector lists the chats the pipeline remembered; no platform writes to the store. */
  store: Pick<Store, "seenChannels">;
  clock: Clock;
  logger: Logger;
}

/**
 * One platform, as the registry lists it: the pure webhook driver the pipeline runs (no I/O of its own),
 * and the factories of its outbound client and its control-plane connector.
 */
export interface PlatformModule {
  readonly platform: Platform;
  readonly driver: AnyWebhookDriver;
  createClient(deps: PlatformDeps): PlatformClient;
  createConnector(deps: PlatformDeps): PlatformConnector;
}
