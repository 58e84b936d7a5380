import type { ApiKeyService, IdempotencyService, InboundPipeline, IntegrationService, Logger, MessageQueue, ReplicaPreview, ReplicaService, Store } from "@patchbay/core";

/** What the HTTP layer needs: domain services, plus the store and queue for /health. */
export interface HttpDeps {
  replicas: ReplicaService;
  /** Answers as a replica without a platform (POST /v1/replicas/{id}/preview). */
  preview: ReplicaPreview;
  integrations: IntegrationService;
  /** Idempotency-Key on every POST under /v1. */
  idempotency: IdempotencyService;
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
