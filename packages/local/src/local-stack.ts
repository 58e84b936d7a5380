import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import type { ServerType } from "@hono/node-server";
import { createDocumentClient, createDynamoStore, ensureTable } from "@patchbay/aws";
import {
  createApiKeyService,
  createInboundHandler,
  createIntegrationService,
  createModelRouter,
  createReconciler,
  createReplicaService,
  createResponder,
  systemClock,
} from "@patchbay/core";
import type { Clock, Logger, ReplicaModel, Store, TokenVault } from "@patchbay/core";
import { createApp } from "@patchbay/http";
import { createEchoModel, createOpenAIModel } from "@patchbay/models";
import { createDiscordPlatform, createSlackPlatform, createTelegramPlatform } from "@patchbay/platforms";
import type { LocalConfig } from "./config.ts";
import { startEmbeddedDynamo } from "./embedded-dynamo.ts";
import { createFileQueue } from "./file-queue.ts";
import type { FileQueue, FileQueueOptions } from "./file-queue.ts";
import { createFileVault } from "./file-vault.ts";
import { createJsonLogger } from "./json-logger.ts";
import { loadSealer } from "./sealing.ts";

const TABLE_NAME = "patchbay";
/** A crashed worker's message is taken over after this long (live workers renew it); well inside the 60 s promise. */
const DELIVERY_LEASE_MS = 30_000;
/** Rate-limit waits longer than this go back to the queue instead of holding a worker. */
const RATE_LIMIT_BUDGET_MS = 30_000;
const HISTORY_EXCHANGES = 10;
const MODEL_TIMEOUT_MS = 60_000;

export interface LocalStackOptions {
  config: LocalConfig;
  logger?: Logger;
  clock?: Clock;
  queue?: Partial<FileQueueOptions>;
  /** How often pending webhook registrations are retried. */
  reconcileIntervalMs?: number;
  /** Extra model providers by name (tests). */
  models?: Record<string, ReplicaModel>;
}

export interface LocalStack {
  url: string;
  /** The API key generated on this start, when none existed. */
  generatedApiKey: string | null;
  store: Store;
  vault: TokenVault;
  queue: FileQueue;
  /** Runs one reconciler pass now. */
  reconcile(): Promise<number>;
  /** Stops accepting requests, finishes in-flight work, closes the store. */
  close(): Promise<void>;
}

/** The whole of Patchbay in one process: API, webhooks, queue consumer and responder, on embedded adapters. */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const { config } = options;
  const logger = options.logger ?? createJsonLogger();
  const clock = options.clock ?? systemClock;
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });

  const dynamo = await startEmbeddedDynamo(config.dataDir);
  const client = createDocumentClient({
    endpoint: dynamo.endpoint,
    region: "local",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
  await ensureTable(client, TABLE_NAME);
  const store = createDynamoStore(client, TABLE_NAME);
  const sealer = await loadSealer(join(config.dataDir, "vault.key"));
  const vault = await createFileVault(config.dataDir, sealer);
  const queue = await createFileQueue(config.dataDir, sealer, options.queue);

  const models = createModelRouter({
    echo: createEchoModel(),
    openai: createOpenAIModel({ baseUrl: config.openaiBaseUrl, apiKey: config.openaiApiKey, timeoutMs: MODEL_TIMEOUT_MS }),
    ...options.models,
  });
  const inbound = createInboundHandler({ store, queue, clock, logger });
  const telegram = createTelegramPlatform({ apiUrl: config.telegramApiUrl, store, vault, inbound, clock, logger });
  const slack = createSlackPlatform({ apiUrl: config.slackApiUrl, store, vault, inbound, clock, logger });
  const discord = createDiscordPlatform({ apiUrl: config.discordApiUrl, store, inbound, clock, logger });
  const integrations = createIntegrationService({
    store,
    vault,
    clock,
    logger,
    connectors: { telegram: telegram.connector, slack: slack.connector, discord: discord.connector },
    publicUrl: config.publicUrl,
  });
  const apiKeys = createApiKeyService({ store, clock });
  const responder = createResponder({
    store,
    vault,
    clock,
    logger,
    models,
    platforms: { telegram: telegram.client, slack: slack.client, discord: discord.client },
    leaseMs: DELIVERY_LEASE_MS,
    rateLimitBudgetMs: RATE_LIMIT_BUDGET_MS,
    historyExchanges: HISTORY_EXCHANGES,
  });
  const reconciler = createReconciler({ store, integrations, logger });

  for (const { owner, key } of config.apiKeys) await apiKeys.seed(owner, key);
  const generatedApiKey = (await apiKeys.hasAny()) ? null : (await apiKeys.create("local")).key;

  const app = createApp({
    replicas: createReplicaService({ store, clock, models, defaultModel: config.defaultModel }),
    integrations,
    apiKeys,
    ingresses: { telegram: telegram.ingress, slack: slack.ingress, discord: discord.ingress },
    store,
    queue,
    logger,
  });
  const server: ServerType = await new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, port: config.port, hostname: "127.0.0.1" }, () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;

  queue.start(({ message, final }) => responder.respond(message.job, { number: message.receiveCount, final }));
  const reconcile = () =>
    reconciler.run().catch((error: unknown) => {
      logger.error("reconciler pass failed", { error: String(error) });
      return 0;
    });
  const reconcileTimer = setInterval(reconcile, options.reconcileIntervalMs ?? 30_000);

  return {
    url: `http://127.0.0.1:${port}`,
    generatedApiKey,
    store,
    vault,
    queue,
    reconcile,
    async close() {
      clearInterval(reconcileTimer);
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await queue.stop();
      client.destroy();
      await dynamo.close();
    },
  };
}
