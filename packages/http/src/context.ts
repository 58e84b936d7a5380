import type { ApiKeyService, IntegrationService, Logger, MessageQueue, ReplicaService, Store, WebhookIngress, Platform } from "@patchbay/core";

/** What the HTTP layer needs: domain services, plus the store and queue for /health. */
export interface HttpDeps {
  replicas: ReplicaService;
  integrations: IntegrationService;
  apiKeys: ApiKeyService;
  ingresses: Partial<Record<Platform, WebhookIngress>>;
  store: Pick<Store, "ping">;
  queue: Pick<MessageQueue, "ping">;
  logger: Logger;
}

export interface AppEnv {
  Variables: {
    requestId: string;
    owner: string;
  };
}
