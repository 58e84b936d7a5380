import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { SQSClient } from "@aws-sdk/client-sqs";
import { createDocumentClient, createDynamoStore, createSqsDeadLetters, ensureTable } from "@patchbay/aws";
import type { Store } from "@patchbay/core";
import { DYNAMO_ENDPOINT_FILE, LOCAL_TABLE_NAME, createFileQueue, loadSealer, startEmbeddedDynamo } from "@patchbay/local";

/** `--stage <name>` targets a deployed stage (names from `.sst/outputs.json` or flags); otherwise the local stack in DATA_DIR. */
export interface Target {
  stage?: string | undefined;
  table?: string | undefined;
  dlqUrl?: string | undefined;
}

export class UsageError extends Error {}

const dataDir = () => resolve(process.env.DATA_DIR ?? "./.data");

async function deployedOutputs(): Promise<Record<string, string>> {
  try {
    return JSON.parse(await readFile(".sst/outputs.json", "utf8")) as Record<string, string>;
  } catch {
    return {};
  }
}

async function deployed(target: Target, flag: "table" | "dlqUrl", output: string): Promise<string> {
  const value = target[flag] ?? (await deployedOutputs())[output];
  if (!value) {
    throw new UsageError(`No ${output} for stage ${target.stage}: pass --${flag === "dlqUrl" ? "dlq-url" : "table"}, or run from the directory where \`npx sst deploy --stage ${target.stage}\` wrote .sst/outputs.json.`);
  }
  return value;
}

/** The store of the target: a running local stack's, the local data at rest, or a stage's table (AWS credentials from the environment). */
export async function openStore(target: Target): Promise<{ store: Store; close(): Promise<void> }> {
  if (target.stage) {
    const client = createDocumentClient();
    return { store: createDynamoStore(client, await deployed(target, "table", "table")), close: async () => client.destroy() };
  }
  const running = await readFile(join(dataDir(), DYNAMO_ENDPOINT_FILE), "utf8").catch(() => null);
  const local = { region: "local", credentials: { accessKeyId: "local", secretAccessKey: "local" } };
  if (running) {
    const client = createDocumentClient({ ...local, endpoint: running.trim() });
    const store = createDynamoStore(client, LOCAL_TABLE_NAME);
    try {
      await store.ping();
      return { store, close: async () => client.destroy() };
    } catch {
      client.destroy(); // a stale file from a killed process: open the data at rest instead
    }
  }
  const dynamo = await startEmbeddedDynamo(dataDir());
  const client = createDocumentClient({ ...local, endpoint: dynamo.endpoint });
  await ensureTable(client, LOCAL_TABLE_NAME);
  return {
    store: createDynamoStore(client, LOCAL_TABLE_NAME),
    async close() {
      client.destroy();
      await dynamo.close();
    },
  };
}

export interface DeadLetterView {
  id: string;
  receiveCount: number;
  integrationId: string;
  lastError: string | null;
}

/** The dead letters of the target and a way to send them back to the responder. */
export async function openDeadLetters(target: Target): Promise<{ list(): Promise<DeadLetterView[]>; redrive(): Promise<string> }> {
  if (target.stage) {
    const dlq = createSqsDeadLetters(new SQSClient({}), await deployed(target, "dlqUrl", "dlq"));
    return {
      list: async () =>
        (await dlq.list()).map((d) => ({ id: d.id, receiveCount: d.receiveCount, integrationId: String(JSON.parse(d.body).integrationId ?? ""), lastError: null })),
      redrive: async () => `message move task ${await dlq.redrive()} started`,
    };
  }
  const queue = await createFileQueue(dataDir(), await loadSealer(join(dataDir(), "vault.key")));
  return {
    list: async () =>
      (await queue.deadLetters()).map((m) => ({ id: m.id, receiveCount: m.receiveCount, integrationId: m.job.integrationId, lastError: m.lastError })),
    redrive: async () => `${await queue.redrive()} message(s) back in the queue`,
  };
}
