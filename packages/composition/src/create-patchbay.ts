import {
  RETRY_POLICY,
  createApiKeyService,
  createInboundPipeline,
  createIntegrationService,
  createModelRouter,
  createReconciler,
  createReplicaService,
  createIdempotencyService,
  createReplicaPreview,
  createResponder,
  forgettingWrites,
} from "@patchbay/core";
import type {
  Clock,
  IdempotencyStore,
  Listener,
  Logger,
  MessageQueue,
  Metrics,
  Platform,
  PlatformClient,
  PlatformConnector,
  ReplicaModel,
  RetryPolicy,
  Store,
  TokenVault,
} from "@patchbay/core";
import type { HttpDeps } from "@patchbay/http";
import { createModelProviders } from "@patchbay/models";
import type { ModelRuntime } from "@patchbay/models";
import { PLATFORM_MODULES } from "@patchbay/platforms";

/** A crashed worker's message is taken over after this long (live workers renew it); well inside the 60 s promise. */
const DELIVERY_LEASE_MS = 30_000;
/** Rate-limit waits longer than this go back to the queue instead of holding a worker. */
const RATE_LIMIT_BUDGET_MS = 20_000;
const HISTORY_EXCHANGES = 10;
const MODEL_TIMEOUT_MS = 45_000;
/** Room for the replies' own platform calls (each one bounded by its client's timeout), besides the waits above. */
const SEND_ALLOWANCE_MS = 15_000;
/**
 * The longest one answer attempt takes: the model's deadline, the rate-limit budget and the sends. A queue
 * must not hand the message to another worker sooner, and a Lambda must not start one with less time left.
 */
export const WORST_CASE_ATTEMPT_MS = MODEL_TIMEOUT_MS + RATE_LIMIT_BUDGET_MS + SEND_ALLOWANCE_MS;

/** The adapters a runtime brings: embedded ones locally, AWS ones on Lambda. */
export interface Adapters {
  store: Store;
  /** Idempotency-Key records, on the same table as the store. */
  idempotency: IdempotencyStore;
  vault: TokenVault;
  queue: MessageQueue;
  clock: Clock;
  logger: Logger;
  /** Outcomes counted for dashboards and alarms (EMF on AWS); none when absent. */
  metrics?: Metrics;
}

/** Plain settings, read once by the runtime's composition root. */
export interface Settings {
  publicUrl: string;
  /** Transports the runtime runs besides webhooks (npm start: polling, Socket Mode, Discord's Gateway; AWS: the Gateway). */
  listeners?: readonly Listener[];
  telegramApiUrl: string;
  slackApiUrl: string;
  discordApiUrl: string;
  openaiBaseUrl: string;
  openaiApiKey: string | undefined;
  anthropicBaseUrl: string;
  anthropicApiKey: string | undefined;
  /** The AWS region for bedrock/ models; undefined when Bedrock is not available in this runtime. */
  bedrockRegion: string | undefined;
  /** Where operators configure model providers here, for the errors that say what to set. */
  modelRuntime: ModelRuntime;
  /** Keyed providers the deployment has but this function is not given the key of (on AWS only the responder is). */
  modelKeysElsewhere?: ("openai" | "anthropic")[];
  defaultModel: string;
  /** Extra model providers by name (tests). */
  models?: Record<string, ReplicaModel>;
  /** How failed answers are retried (tests shorten the backoff). */
  retry?: RetryPolicy;
}

const API_URL_SETTING: Record<Platform, keyof Settings & `${string}ApiUrl`> = {
  telegram: "telegramApiUrl",
  slack: "slackApiUrl",
  discord: "discordApiUrl",
};

export type Patchbay = ReturnType<typeof createPatchbay>;

/** Patchbay's services wired onto a runtime's adapters: the same code locally and on AWS. */
export function createPatchbay(adapters: Adapters, settings: Settings) {
  const { store, vault, queue, clock, logger, metrics } = adapters;
  const { providers, unconfigured } = createModelProviders({
    runtime: settings.modelRuntime,
    openai: { baseUrl: settings.openaiBaseUrl, apiKey: settings.openaiApiKey },
    anthropic: { baseUrl: settings.anthropicBaseUrl, apiKey: settings.anthropicApiKey },
    bedrock: settings.bedrockRegion ? { region: settings.bedrockRegion } : undefined,
    keysElsewhere: settings.modelKeysElsewhere ?? [],
    timeoutMs: MODEL_TIMEOUT_MS,
  });
  const models = createModelRouter({ ...providers, ...settings.models }, unconfigured);
  const modules = Object.values(PLATFORM_MODULES);
  const clients = {} as Record<Platform, PlatformClient>;
  const connectors = {} as Record<Platform, PlatformConnector>;
  for (const module of modules) {
    const deps = { apiUrl: settings[API_URL_SETTING[module.platform]], store, clock, logger };
    clients[module.platform] = module.createClient(deps);
    connectors[module.platform] = module.createConnector(deps);
  }
  const drivers = Object.fromEntries(modules.map((m) => [m.platform, m.driver]));
  const pipeline = createInboundPipeline({ store, vault, queue, clock, logger, drivers, metrics });
  // Writes through the API and the reconciler reach this process's webhooks at once (see the pipeline's cache).
  const writing = forgettingWrites(store, vault, pipeline.forget);
  const integrations = createIntegrationService({ ...writing, clock, logger, connectors, publicUrl: settings.publicUrl, listeners: settings.listeners ?? [] });
  const apiKeys = createApiKeyService({ store, clock });
  const retry = settings.retry ?? RETRY_POLICY;
  const responder = createResponder({
    store,
    vault,
    clock,
    logger,
    models,
    platforms: clients,
    leaseMs: DELIVERY_LEASE_MS,
    rateLimitBudgetMs: RATE_LIMIT_BUDGET_MS,
    historyExchanges: HISTORY_EXCHANGES,
    retry,
    metrics,
  });
  const http: HttpDeps = {
    replicas: createReplicaService({ store, clock, models, defaultModel: settings.defaultModel }),
    preview: createReplicaPreview({ store, models, clock }),
    integrations,
    idempotency: createIdempotencyService({ store: adapters.idempotency, clock }),
    apiKeys,
    pipeline,
    store,
    queue,
    logger,
  };
  return {
    apiKeys,
    integrations,
    pipeline,
    responder,
    retry,
    reconciler: createReconciler({ store, integrations, logger }),
    http,
  };
}
