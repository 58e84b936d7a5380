import { randomUUID } from "node:crypto";
import { mkdir, readdir, readFile, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { WORST_CASE_ATTEMPT_MS } from "@patchbay/composition";
import { createJsonLogger } from "@patchbay/composition/logger";
import { RETRY_POLICY, nextRetry } from "@patchbay/core";
import type { EnqueueOptions, Logger, MessageQueue, ReplyJob, RetryPolicy } from "@patchbay/core";
import { syncDirectory, writeFileAtomic } from "./atomic-file.ts";
import type { Sealed, Sealer } from "./sealing.ts";

export interface QueuedMessage {
  id: string;
  /** Monotonic order of acceptance; messages of a group are delivered in this order. */
  seq: number;
  groupId: string;
  dedupeId: string;
  job: ReplyJob;
  /** Deliveries so far, counted before each delivery so a crash mid-delivery still counts. */
  receiveCount: number;
  visibleAt: number;
  enqueuedAt: number;
  lastError: string | null;
}

export interface Delivery {
  message: QueuedMessage;
}

/** Processes one delivery; a throw schedules a retry, or dead letters when core's retry policy says so. */
export type DeliveryHandler = (delivery: Delivery) => Promise<void>;

export interface FileQueueOptions {
  /** Attempts and backoff, from core: the same policy as on AWS. */
  retry: RetryPolicy;
  /** A delivery not finished within this time is made visible again. */
  visibilityTimeoutMs: number;
  /** Messages processed at once (never two of the same group). */
  concurrency: number;
  /** How often the consumer looks for due messages when idle. */
  pollIntervalMs: number;
  /** Same dedupe id within this window is accepted once (like SQS FIFO). */
  dedupeWindowMs: number;
  now: () => number;
  /** Where a message file that cannot be read is reported. */
  logger: Logger;
}

export const DEFAULT_QUEUE_OPTIONS: FileQueueOptions = {
  retry: RETRY_POLICY,
  // Longer than any attempt, as on AWS: a message still being answered is never handed out (and counted) again.
  visibilityTimeoutMs: 2 * WORST_CASE_ATTEMPT_MS,
  concurrency: 4,
  pollIntervalMs: 250,
  dedupeWindowMs: 5 * 60_000,
  now: () => Date.now(),
  logger: createJsonLogger(),
};

export interface FileQueue extends MessageQueue {
  /** Starts delivering to `handler`. */
  start(handler: DeliveryHandler): void;
  /** Stops taking new deliveries and waits for those in flight. */
  stop(): Promise<void>;
  /** Messages waiting or in flight. */
  pending(): QueuedMessage[];
  /** Messages that exhausted their deliveries. */
  deadLetters(): Promise<QueuedMessage[]>;
  /** Moves dead letters (all, or the given ids) back to the queue; returns how many. */
  redrive(ids?: string[]): Promise<number>;
}

const ADOPT_INTERVAL_MS = 1000;
/** What a message file that cannot be decrypted or parsed becomes in the dead-letter directory. */
const UNREADABLE_SUFFIX = ".unreadable";

/** On disk the job is sealed: it may carry short-lived platform credentials (Discord interaction tokens). */
type StoredMessage = Omit<QueuedMessage, "job"> & { job: Sealed };

/**
 * A durable queue in `{dataDir}/queue`: one fsync'ed file per message, so an accepted message survives
 * `kill -9`. At-least-once delivery with visibility timeout, backoff, per-group order and a dead-letter
 * directory. On restart every message, including those in flight at the crash, is due at once.
 */
export async function createFileQueue(dataDir: string, sealer: Sealer, overrides: Partial<FileQueueOptions> = {}): Promise<FileQueue> {
  const options = { ...DEFAULT_QUEUE_OPTIONS, ...overrides };
  const dir = join(dataDir, "queue");
  const deadDir = join(dir, "dead");
  await mkdir(deadDir, { recursive: true, mode: 0o700 });

  const encode = (message: QueuedMessage) =>
    JSON.stringify({ ...message, job: sealer.seal(JSON.stringify(message.job), message.id) } satisfies StoredMessage);
  const decode = (text: string): QueuedMessage => {
    const stored = JSON.parse(text) as StoredMessage;
    return { ...stored, job: JSON.parse(sealer.open(stored.job, stored.id)) as ReplyJob };
  };

  /**
   * A message file's message; null when it was just removed (finished), or when it cannot be read (sealed
   * with another key, damaged): then it is moved aside to the dead letters, so the rest of the queue runs.
   */
  const load = async (name: string): Promise<QueuedMessage | null> => {
    let text: string;
    try {
      text = await readFile(join(dir, name), "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw error;
    }
    try {
      return decode(text);
    } catch (error) {
      const aside = join(deadDir, `${name}${UNREADABLE_SUFFIX}`);
      try {
        await rename(join(dir, name), aside);
      } catch (moveError) {
        // Another process (npm run dlq beside npm start) moved it first.
        if ((moveError as NodeJS.ErrnoException).code === "ENOENT") return null;
        throw moveError;
      }
      await syncDirectory(dir);
      options.logger.error("queued message cannot be read, moved to dead letters", {
        file: aside,
        error: error instanceof Error ? error.message : String(error),
        hint: "It was sealed with another vault.key or is damaged: restore that key to recover it, or delete the file.",
      });
      return null;
    }
  };

  const messages = new Map<string, QueuedMessage>();
  for (const name of await readdir(dir)) {
    if (!name.endsWith(".json")) continue;
    const message = await load(name);
    if (message) messages.set(message.id, { ...message, visibleAt: 0 });
  }
  let seq = Math.max(0, ...[...messages.values()].map((m) => m.seq));
  const recentDedupe = new Map<string, number>();
  const inFlight = new Map<string, { groupId: string; deadline: number; done: Promise<void> }>();
  let handler: DeliveryHandler | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopping = false;

  const fileOf = (id: string) => join(dir, `${id}.json`);
  const persist = (message: QueuedMessage) => writeFileAtomic(fileOf(message.id), encode(message));

  const isDuplicate = (dedupeId: string, now: number) => {
    for (const [id, at] of recentDedupe) if (now - at > options.dedupeWindowMs) recentDedupe.delete(id);
    return recentDedupe.has(dedupeId);
  };

  /** The next due message of each group that has nothing in flight, oldest first. */
  const due = (now: number): QueuedMessage[] => {
    const busyGroups = new Set<string>();
    for (const [id, flight] of inFlight) {
      if (flight.deadline > now) busyGroups.add(flight.groupId);
      else inFlight.delete(id); // visibility timeout expired: deliverable again
    }
    const heads = new Map<string, QueuedMessage>();
    for (const message of [...messages.values()].sort((a, b) => a.seq - b.seq)) {
      if (!heads.has(message.groupId)) heads.set(message.groupId, message);
    }
    return [...heads.values()].filter((m) => !busyGroups.has(m.groupId) && !inFlight.has(m.id) && m.visibleAt <= now);
  };

  const deliver = async (message: QueuedMessage) => {
    const now = options.now();
    message.receiveCount += 1;
    await persist(message);
    try {
      await handler!({ message: structuredClone(message) });
      // File first: while it exists, a directory scan may adopt it again.
      await rm(fileOf(message.id), { force: true });
      messages.delete(message.id);
    } catch (error) {
      message.lastError = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      const step = nextRetry(error, message.receiveCount, options.retry);
      if (step.deadLetter) {
        await writeFileAtomic(join(deadDir, `${message.id}.json`), encode(message));
        await rm(fileOf(message.id), { force: true });
        await syncDirectory(dir);
        messages.delete(message.id);
      } else {
        message.visibleAt = now + step.delayMs;
        await persist(message);
      }
    }
  };

  async function deadLetters(): Promise<QueuedMessage[]> {
    const names = (await readdir(deadDir)).filter((n) => n.endsWith(".json"));
    const dead = await Promise.all(names.map(async (n) => decode(await readFile(join(deadDir, n), "utf8"))));
    return dead.sort((a, b) => a.seq - b.seq);
  }

  /** Picks up messages another process put in the directory (`npm run dlq -- redrive` while running). */
  let lastScan = 0;
  /** Messages this process is writing but has not registered yet: not another process's. */
  const arriving = new Set<string>();
  const adoptNewFiles = async (now: number) => {
    if (now - lastScan < ADOPT_INTERVAL_MS) return;
    lastScan = now;
    for (const name of await readdir(dir)) {
      const id = name.slice(0, -".json".length);
      if (!name.endsWith(".json") || messages.has(id) || inFlight.has(id) || arriving.has(id)) continue;
      const message = await load(name);
      if (!message) continue;
      messages.set(message.id, message);
      seq = Math.max(seq, message.seq);
    }
  };

  const tick = async () => {
    if (stopping || !handler) return;
    const now = options.now();
    await adoptNewFiles(now).catch(() => undefined);
    for (const message of due(now)) {
      if (inFlight.size >= options.concurrency) break;
      const done = deliver(message)
        .catch(() => undefined)
        .finally(() => {
          inFlight.delete(message.id);
          schedule(0);
        });
      inFlight.set(message.id, { groupId: message.groupId, deadline: now + options.visibilityTimeoutMs, done });
    }
    schedule(options.pollIntervalMs);
  };

  const schedule = (ms: number) => {
    if (stopping || !handler) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void tick(), ms);
  };

  return {
    async enqueue(job: ReplyJob, { groupId, dedupeId }: EnqueueOptions) {
      const now = options.now();
      if (isDuplicate(dedupeId, now)) return;
      const message: QueuedMessage = {
        id: randomUUID(),
        seq: ++seq,
        groupId,
        dedupeId,
        job,
        receiveCount: 0,
        visibleAt: now,
        enqueuedAt: now,
        lastError: null,
      };
      arriving.add(message.id);
      try {
        await persist(message);
        recentDedupe.set(dedupeId, now);
        messages.set(message.id, message);
      } finally {
        arriving.delete(message.id);
      }
      schedule(0);
    },

    async ping() {
      await readdir(dir);
    },

    start(next) {
      handler = next;
      stopping = false;
      schedule(0);
    },

    async stop() {
      stopping = true;
      if (timer) clearTimeout(timer);
      await Promise.all([...inFlight.values()].map((f) => f.done));
    },

    pending: () => [...messages.values()].sort((a, b) => a.seq - b.seq).map((m) => structuredClone(m)),

    deadLetters,

    async redrive(ids) {
      const dead = await deadLetters();
      let moved = 0;
      for (const message of dead) {
        if (ids && !ids.includes(message.id)) continue;
        const revived: QueuedMessage = { ...message, receiveCount: 0, visibleAt: options.now(), lastError: null };
        arriving.add(revived.id);
        try {
          await persist(revived);
          await rm(join(deadDir, `${message.id}.json`), { force: true });
          messages.set(revived.id, revived);
        } finally {
          arriving.delete(revived.id);
        }
        moved++;
      }
      schedule(0);
      return moved;
    },
  };
}
