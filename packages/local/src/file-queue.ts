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
  /** Bound on the dedupe ids remembered; past it the oldest are forgotten before their window ends. */
  dedupeMemory: number;
  now: () => number;
  /** Where a message file that cannot be read is reported. */
  logger: Logger;
}

export const DEFAULT_QUEUE_OPTIONS: FileQueueOptions = {
  retry: RETRY_POLICY,
  // Longer than any attempt, as on AWS: a message still being answered is never handed out (and counted) again.
  visibilityTimeoutMs: 2 * WORST_CASE_ATTEMPT_MS,
  // An answer mostly waits on the model and the platform: many run at once on one process.
  concurrency: 100,
  pollIntervalMs: 250,
  dedupeWindowMs: 5 * 60_000,
  dedupeMemory: 100_000,
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

  /**
   * The scheduler's state, so no queue operation walks the backlog (only the once-a-second look for files
   * another process wrote lists the directory): each group's messages in order, the groups
   * whose head can be delivered now (in the order they became ready), and a heap of the groups waiting for
   * their head's backoff to end.
   */
  const messages = new Map<string, QueuedMessage>();
  const groups = new Map<string, Group>();
  const ready = new Set<Group>();
  const waiting = new MinHeap<{ at: number; group: Group }>((a, b) => a.at - b.at);
  const recentDedupe = new Map<string, number>();
  const inFlight = new Map<string, Flight>();
  /** Every delivery still running, including one whose visibility ran out (stop waits for all). */
  const running = new Set<Promise<void>>();
  let seq = 0;
  let handler: DeliveryHandler | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopping = false;

  /** Puts a group where its head belongs: ready, waiting for its backoff, or nowhere (empty or in flight). */
  const place = (group: Group, now: number) => {
    const head = group.messages[0];
    if (!head || group.flight) return;
    if (head.visibleAt <= now) ready.add(group);
    else waiting.push({ at: head.visibleAt, group });
  };

  const add = (message: QueuedMessage, now: number) => {
    messages.set(message.id, message);
    seq = Math.max(seq, message.seq);
    let group = groups.get(message.groupId);
    if (!group) groups.set(message.groupId, (group = { id: message.groupId, messages: [] }));
    // Enqueued messages come in seq order; only one adopted from another process may belong earlier.
    let at = group.messages.length;
    while (at > 0 && group.messages[at - 1]!.seq > message.seq) at--;
    group.messages.splice(at, 0, message);
    if (at === 0) place(group, now);
  };

  /** Drops a finished message; its group's next one becomes the head. */
  const remove = (message: QueuedMessage, now: number) => {
    messages.delete(message.id);
    const group = groups.get(message.groupId);
    if (!group) return;
    const at = group.messages.indexOf(message);
    if (at >= 0) group.messages.splice(at, 1);
    if (group.messages.length === 0 && !group.flight) {
      groups.delete(group.id);
      ready.delete(group);
    } else if (at === 0) place(group, now);
  };

  const stored: QueuedMessage[] = [];
  for (const name of await readdir(dir)) {
    if (!name.endsWith(".json")) continue;
    const message = await load(name);
    if (message) stored.push({ ...message, visibleAt: 0 });
  }
  for (const message of stored.sort((a, b) => a.seq - b.seq)) add(message, 0);

  const fileOf = (id: string) => join(dir, `${id}.json`);
  const persist = (message: QueuedMessage) => writeFileAtomic(fileOf(message.id), encode(message));

  /** Ids are remembered in the order they came, so the expired ones are always at the front. */
  const isDuplicate = (dedupeId: string, now: number) => {
    for (const [id, at] of recentDedupe) {
      if (now - at <= options.dedupeWindowMs && recentDedupe.size <= options.dedupeMemory) break;
      recentDedupe.delete(id);
    }
    return recentDedupe.has(dedupeId);
  };

  const deliver = async (message: QueuedMessage, flight: Flight) => {
    message.receiveCount += 1;
    await persist(message);
    try {
      await handler!({ message: structuredClone(message) });
      // File first: while it exists, a directory scan may adopt it again.
      await rm(fileOf(message.id), { force: true });
      remove(message, options.now());
    } catch (error) {
      message.lastError = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      const step = nextRetry(error, message.receiveCount, options.retry);
      if (step.deadLetter) {
        await writeFileAtomic(join(deadDir, `${message.id}.json`), encode(message));
        await rm(fileOf(message.id), { force: true });
        await syncDirectory(dir);
        remove(message, options.now());
      } else {
        // From the failure: the wait a handler asks for starts when it asks.
        message.visibleAt = options.now() + step.delayMs;
        await persist(message);
      }
    } finally {
      // A delivery whose visibility ran out no longer holds its group: the one that took over does.
      if (flight.group.flight === flight) {
        flight.group.flight = undefined;
        inFlight.delete(message.id);
        if (flight.group.messages.length === 0) groups.delete(flight.group.id);
        else place(flight.group, options.now());
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
      if (!name.endsWith(".json") || messages.has(id) || arriving.has(id)) continue;
      const message = await load(name);
      if (message && !messages.has(message.id)) add(message, now);
    }
  };

  /** Groups whose delivery outlived the visibility timeout are deliverable again (at most `concurrency` to look at). */
  const expireFlights = (now: number) => {
    for (const [id, flight] of inFlight) {
      if (flight.deadline > now) continue;
      inFlight.delete(id);
      flight.group.flight = undefined;
      place(flight.group, now);
    }
  };

  const tick = async () => {
    if (stopping || !handler) return;
    const now = options.now();
    await adoptNewFiles(now).catch(() => undefined);
    expireFlights(now);
    while (waiting.size > 0 && waiting.peek()!.at <= now) {
      const { at, group } = waiting.pop()!;
      // Entries of an earlier head or an earlier backoff are stale; the current one has its own entry.
      if (group.messages[0]?.visibleAt === at) place(group, now);
    }
    for (const group of ready) {
      if (inFlight.size >= options.concurrency) break;
      ready.delete(group);
      const message = group.messages[0];
      // A stale entry: the group emptied, or its head is in flight or waits on a newer backoff.
      if (!message || group.flight || message.visibleAt > now) continue;
      const flight: Flight = { group, deadline: now + options.visibilityTimeoutMs };
      group.flight = flight;
      inFlight.set(message.id, flight);
      const done = deliver(message, flight)
        .catch(() => undefined)
        .finally(() => {
          running.delete(done);
          schedule(0);
        });
      running.add(done);
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
        add(message, now);
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
      await Promise.all([...running]);
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
          if (!messages.has(revived.id)) add(revived, options.now());
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

interface Group {
  id: string;
  /** Waiting and in-flight messages of the group, in seq order; the first is the head. */
  messages: QueuedMessage[];
  /** The delivery holding the group, while one does. */
  flight?: Flight | undefined;
}

interface Flight {
  group: Group;
  /** When the visibility timeout ends and the message may be delivered again. */
  deadline: number;
}

/** A binary min-heap: push and pop in O(log n). */
class MinHeap<T> {
  private readonly items: T[] = [];
  private readonly before: (a: T, b: T) => number;

  constructor(before: (a: T, b: T) => number) {
    this.before = before;
  }

  get size() {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  push(item: T): void {
    const items = this.items;
    items.push(item);
    for (let i = items.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (this.before(items[i]!, items[parent]!) >= 0) break;
      [items[i], items[parent]] = [items[parent]!, items[i]!];
      i = parent;
    }
  }

  pop(): T | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length > 0 && last !== undefined) {
      items[0] = last;
      for (let i = 0; ; ) {
        const left = 2 * i + 1;
        const right = left + 1;
        let least = i;
        if (left < items.length && this.before(items[left]!, items[least]!) < 0) least = left;
        if (right < items.length && this.before(items[right]!, items[least]!) < 0) least = right;
        if (least === i) break;
        [items[i], items[least]] = [items[least]!, items[i]!];
        i = least;
      }
    }
    return top;
  }
}
