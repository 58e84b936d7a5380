import {
  createApiKeyService,
  createInboundHandler,
  createIntegrationService,
  createModelRouter,
  createReconciler,
  createReplicaService,
  createResponder,
} from "@patchbay/core";
import type { Clock, Logger, MessageQueue, ReplicaModel, Store, TokenVault } from "@patchbay/core";
import type { HttpDeps } from "@patchbay/http";
import { createEchoModel, createOpenAIModel } from "@patchbay/models";
import { createDiscordPlatform, createSlackPlatform, createTelegramPlatform } from "@patchbay/platforms";

/** A crashed worker's message is taken over after this long (live workers renew it); well inside the 60 s promise. */
const DELIVERY_LEASE_MS = 30_000;
/** Rate-limit waits longer than this go back to the queue instead of holding a worker. */
const RATE_LIMIT_BUDGET_MS = 20_000;
const HISTORY_EXCHANGES = 10;
const MODEL_TIMEOUT_MS = 45_000;

/** The adapters a runtime brings: embedded ones locally, AWS ones on Lambda. */
export interface Adapters {
  store: Store;
  vault: TokenVault;
  queue: MessageQueue;
  clock: Clock;
  logger: Logger;
}

/** Plain settings, read once by the runtime's composition root. */
export interface Settings {
  publicUrl: string;
  telegramApiUrl: string;
  slackApiUrl: string;
  discordApiUrl: string;
  openaiBaseUrl: string;
  openaiApiKey: string | undefined;
  defaultModel: string;
  /** Extra model providers by name (tests). */
  models?: Record<string, ReplicaModel>;
}

export type Patchbay = ReturnType<typeof createPatchbay>;

/** Patchbay's services wired onto a runtime's adapters: the same code locally and on AWS. */
export function createPatchbay(adapters: Adapters, settings: Settings) {
  const { store, vault, queue, clock, logger } = adapters;
  const models = createModelRouter({
    echo: createEchoModel(),
    openai: createOpenAIModel({ baseUrl: settings.openaiBaseUrl, apiKey: settings.openaiApiKey, timeoutMs: MODEL_TIMEOUT_MS }),
    ...settings.models,
  });
  const inbound = createInboundHandler({ store, queue, clock, logger });
  const platforms = {
    telegram: createTelegramPlatform({ apiUrl: settings.telegramApiUrl, store, vault, inbound, clock, logger }),
    slack: createSlackPlatform({ apiUrl: settings.slackApiUrl, store, vault, inbound, clock, logger }),
    discord: createDiscordPlatform({ apiUrl: settings.discordApiUrl, store, vault, inbound, clock, logger }),
  };
  const integrations = createIntegrationService({
    store,
    vault,
    clock,
    logger,
    connectors: { telegram: platforms.telegram.connector, slack: platforms.slack.connector, discord: platforms.discord.connector },
    publicUrl: settings.publicUrl,
  });
  const apiKeys = createApiKeyService({ store, clock });
  const responder = createResponder({
    store,
    vault,
    clock,
    logger,
    models,
    platforms: { telegram: platforms.telegram.client, slack: platforms.slack.client, discord: platforms.discord.client },
    leaseMs: DELIVERY_LEASE_MS,
    rateLimitBudgetMs: RATE_LIMIT_BUDGET_MS,
    historyExchanges: HISTORY_EXCHANGES,
  });
  const http: HttpDeps = {
    replicas: createReplicaService({ store, clock, models, defaultModel: settings.defaultModel }),
    integrations,
    apiKeys,
    ingresses: { telegram: platforms.telegram.ingress, slack: platforms.slack.ingress, discord: platforms.discord.ingress },
    store,
    queue,
    logger,
  };
  return {
    apiKeys,
    integrations,
    responder,
    reconciler: createReconciler({ store, integrations, logger }),
    http,
  };
}
