import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import type { ServerType } from "@hono/node-server";
import { createDocumentClient, createDynamoIdempotencyStore, createDynamoStore, ensureTable } from "@patchbay/aws";
import { systemClock } from "@patchbay/core";
import type { Clock, Listener, Logger, Metrics, ReplicaModel, Store, TokenVault } from "@patchbay/core";
import { createPatchbay } from "@patchbay/composition";
import { buildConsole } from "@patchbay/console/build";
import { createApp } from "@patchbay/http";
import type { LocalConfig } from "./config.ts";
import { secureDataDir } from "./data-dir.ts";
import { startEmbeddedDynamoThread } from "./embedded-dynamo.ts";
import { createFileQueue } from "./file-queue.ts";
import type { FileQueue, FileQueueOptions } from "./file-queue.ts";
import { createFileVault } from "./file-vault.ts";
import { createJsonLogger } from "@patchbay/composition/logger";
import { loadSealer } from "./sealing.ts";
import { LOCAL_LISTENERS, startLocalTransports } from "./transports/index.ts";
import type { LocalTransportsOptions, TransportSupervisor } from "./transports/index.ts";

export const LOCAL_TABLE_NAME = "patchbay";
/** How often the reconciler registers pending webhooks and repairs drifted ones. */
const RECONCILE_INTERVAL_MS = 60_000;
/** Where a running local stack publishes its embedded DynamoDB endpoint, inside DATA_DIR. */
export const DYNAMO_ENDPOINT_FILE = "dynamo.endpoint";

export interface LocalStackOptions {
  config: LocalConfig;
  logger?: Logger;
  clock?: Clock;
  queue?: Partial<FileQueueOptions>;
  /** How often the reconciler runs (tests make it rare and call reconcile() themselves). */
  reconcileIntervalMs?: number;
  /** Extra model providers by name (tests). */
  models?: Record<string, ReplicaModel>;
  /** Where outcomes are counted (tests look at them; nothing keeps them locally). */
  metrics?: Metrics;
  /** Interposes on the store (tests hold a call at a chosen point to order a race). */
  wrapStore?: (store: Store) => Store;
  /**
   * What receives besides webhooks when PUBLIC_URL is not public HTTPS: Telegram long polling and Slack Socket
   * Mode by default; tests that drive webhooks on loopback pass [] (webhooks only, as on AWS).
   */
  listeners?: readonly Listener[];
  /** Timings of those transports (tests shorten them). */
  transports?: Pick<LocalTransportsOptions, "intervalMs" | "telegram" | "slack" | "discord">;
}

export interface LocalStack {
  url: string;
  /** The API key generated on this start, when none existed. */
  generatedApiKey: string | null;
  store: Store;
  vault: TokenVault;
  queue: FileQueue;
  /** The pollers and sockets receiving for integrations without webhooks. */
  transports: TransportSupervisor;
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
  const listeners = options.listeners ?? LOCAL_LISTENERS;
  await secureDataDir(config.dataDir);

  const dynamo = await startEmbeddedDynamoThread(config.dataDir);
  // Operator commands (npm run keys) reach the running stack's store through this endpoint and the access key.
  await writeFile(join(config.dataDir, DYNAMO_ENDPOINT_FILE), dynamo.endpoint, { mode: 0o600 });
  const client = createDocumentClient({ endpoint: dynamo.endpoint, region: "local", credentials: dynamo.credentials });
  await ensureTable(client, LOCAL_TABLE_NAME);
  const store = (options.wrapStore ?? ((unwrapped: Store) => unwrapped))(createDynamoStore(client, LOCAL_TABLE_NAME));
  const sealer = await loadSealer(join(config.dataDir, "vault.key"));
  const vault = await createFileVault(config.dataDir, sealer);
  const queue = await createFileQueue(config.dataDir, sealer, { logger, ...options.queue });
  // Again now that LevelDB has created its files (with the process umask).
  await secureDataDir(config.dataDir);

  const patchbay = createPatchbay(
    { store, idempotency: createDynamoIdempotencyStore(client, LOCAL_TABLE_NAME), vault, queue, clock, logger, metrics: options.metrics },
    { ...config, listeners, models: options.models, ...(options.queue?.retry ? { retry: options.queue.retry } : {}) },
  );
  const { apiKeys, responder, reconciler } = patchbay;

  for (const { owner, key } of config.apiKeys) await apiKeys.seed(owner, key);

  // The console is built by esbuild on its first request (about a fifth of a second), not at every start.
  const app = createApp(patchbay.http, { console: buildConsole });
  const server = await new Promise<ServerType>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: config.port, hostname: "127.0.0.1" }, () => {
      s.off("error", reject);
      resolve(s);
    });
    s.once("error", reject); // port taken or not allowed: the caller words it
  }).catch(async (error: unknown) => {
    client.destroy();
    await rm(join(config.dataDir, DYNAMO_ENDPOINT_FILE), { force: true });
    await dynamo.close();
    throw error;
  });
  const { port } = server.address() as AddressInfo;
  // Once the port is ours: a key generated by a start that then fails would never be shown.
  const generatedApiKey = (await apiKeys.hasAny()) ? null : (await apiKeys.create("local")).key;

  queue.start(({ message }) => responder.respond(message.job, { number: message.receiveCount }));
  const transports = await startLocalTransports(
    { store, vault, pipeline: patchbay.pipeline, clock, logger },
    { dataDir: config.dataDir, telegramApiUrl: config.telegramApiUrl, slackApiUrl: config.slackApiUrl, discordApiUrl: config.discordApiUrl, listeners, ...options.transports },
  );
  const reconcile = () =>
    reconciler.run().catch((error: unknown) => {
      logger.error("reconciler pass failed", { error: String(error) });
      return 0;
    });
  const reconcileTimer = setInterval(reconcile, options.reconcileIntervalMs ?? RECONCILE_INTERVAL_MS);

  return {
    url: `http://127.0.0.1:${port}`,
    generatedApiKey,
    store,
    vault,
    queue,
    transports,
    reconcile,
    async close() {
      clearInterval(reconcileTimer);
      await transports.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await queue.stop();
      client.destroy();
      await rm(join(config.dataDir, DYNAMO_ENDPOINT_FILE), { force: true });
      await dynamo.close();
    },
  };
}
