import { access, readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { SQSClient } from "@aws-sdk/client-sqs";
import { createDocumentClient, createDynamoStore, createSqsDeadLetters, ensureTable } from "@patchbay/aws";
import type { Store } from "@patchbay/core";
import {
  DYNAMO_ENDPOINT_FILE,
  DataDirInUseError,
  LOCAL_TABLE_NAME,
  acquireInstanceLock,
  createFileQueue,
  loadDynamoCredentials,
  loadSealer,
  startEmbeddedDynamo,
} from "@patchbay/local";
import { CommandError, UsageError } from "./command-line.ts";

/** `--stage <name>` targets a deployed stage (names from `.sst/outputs.json` or flags); otherwise the local stack in DATA_DIR. */
export interface Target {
  stage?: string | undefined;
  table?: string | undefined;
  dlqUrl?: string | undefined;
}

const dataDir = () => resolve(process.env.DATA_DIR ?? "./.data");

/** Refuses to conjure an empty data directory (a mistyped DATA_DIR) for a command that only reads or changes what is there. */
async function existingDataDir(): Promise<string> {
  const dir = dataDir();
  if (!(await access(dir).then(() => true, () => false))) {
    throw new CommandError(`No local data in ${dir}: set DATA_DIR to the directory npm start uses, or pass --stage <stage> for a deployed stage.`);
  }
  return dir;
}

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

export interface StoreUse {
  /** The operator command, as a process refused by the data directory's lock sees it named. */
  command: string;
  /** Whether to create the local data directory when there is none (only a command that adds something). */
  create: boolean;
}

/** The store of the target: a running local stack's, the local data at rest, or a stage's table (AWS credentials from the environment). */
export async function openStore(target: Target, use: StoreUse): Promise<{ store: Store; close(): Promise<void> }> {
  if (target.stage) {
    const client = createDocumentClient();
    return { store: createDynamoStore(client, await deployed(target, "table", "table")), close: async () => client.destroy() };
  }
  const dir = use.create ? dataDir() : await existingDataDir();
  const running = await readFile(join(dir, DYNAMO_ENDPOINT_FILE), "utf8").catch(() => null);
  if (running) {
    // The running stack's store accepts only requests signed with the data directory's access key.
    const client = createDocumentClient({ region: "local", credentials: await loadDynamoCredentials(dir), endpoint: running.trim() });
    const store = createDynamoStore(client, LOCAL_TABLE_NAME);
    try {
      await store.ping();
      return { store, close: async () => client.destroy() };
    } catch {
      client.destroy(); // a stale file from a killed process: open the data at rest instead
    }
  }
  // Held while the data is open here, so an npm start meanwhile refuses instead of opening it twice.
  const lock = await acquireInstanceLock(dir, use.command).catch((error: unknown) => {
    if (!(error instanceof DataDirInUseError)) throw error;
    const advice = error.holder?.command === "npm start" ? "It is starting or stopping: try again in a moment." : "Try again once it has finished.";
    throw new CommandError(`${error.message} ${advice}`, { cause: error });
  });
  try {
    const dynamo = await startEmbeddedDynamo(dir);
    const client = createDocumentClient({ region: "local", credentials: dynamo.credentials, endpoint: dynamo.endpoint });
    await ensureTable(client, LOCAL_TABLE_NAME).catch(async (error: unknown) => {
      client.destroy();
      await dynamo.close();
      throw error;
    });
    return {
      store: createDynamoStore(client, LOCAL_TABLE_NAME),
      async close() {
        client.destroy();
        await dynamo.close();
        await lock.release();
      },
    };
  } catch (error) {
    await lock.release();
    throw error;
  }
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
  const dir = await existingDataDir();
  const queue = await createFileQueue(dir, await loadSealer(join(dir, "vault.key")));
  return {
    list: async () =>
      (await queue.deadLetters()).map((m) => ({ id: m.id, receiveCount: m.receiveCount, integrationId: m.job.integrationId, lastError: m.lastError })),
    redrive: async () => `${await queue.redrive()} message(s) back in the queue`,
  };
}
