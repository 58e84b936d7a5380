import type { ApiKeyService, InboundPipeline, IntegrationService, Logger, MessageQueue, ReplicaService, Store } from "@patchbay/core";

/** What the HTTP layer needs: domain services, plus the store and queue for /health. */
export interface HttpDeps {
  replicas: ReplicaService;
  integrations: IntegrationService;
  apiKeys: ApiKeyService;
  /** The one webhook pipeline every platform's webhooks go through. */
  pipeline: Pick<InboundPipeline, "handleWebhook">;
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
