import { existsSync } from "node:fs";
import { copyFile, mkdtemp, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { WORST_CASE_ATTEMPT_MS } from "@patchbay/composition";
import { createJsonLogger } from "@patchbay/composition/logger";
import type { ReplyJob } from "@patchbay/core";
import { describeQueueContract, sampleJob } from "@patchbay/testing/contracts";
import { DEFAULT_QUEUE_OPTIONS, createFileQueue } from "../src/file-queue.ts";
import type { Delivery, FileQueue, FileQueueOptions } from "../src/file-queue.ts";
import { loadSealer } from "../src/sealing.ts";
import { startHarness } from "./harness.ts";
import { eventually, filesUnder, tempDataDir } from "./helpers.ts";

async function queueIn(dir: string, options: Partial<FileQueueOptions> = {}): Promise<FileQueue> {
  return createFileQueue(dir, await loadSealer(join(dir, "vault.key")), options);
}

const FAST: Partial<FileQueueOptions> = { pollIntervalMs: 5, retry: { maxAttempts: 5, backoffMs: () => 10 } };

describeQueueContract("durable file queue", async () => {
  const queue = await queueIn(await tempDataDir(), FAST);
  return {
    queue,
    async received() {
      const jobs: ReplyJob[] = [];
      queue.start(async ({ message }) => {
        jobs.push(message.job);
      });
      await eventually(() => queue.pending().length === 0);
      await queue.stop();
      return jobs;
    },
  };
});

describe("durable file queue", () => {
  test("the job is sealed on disk: a message's text and reply details are not readable in its file", async () => {
    const dir = await tempDataDir();
    const queue = await queueIn(dir, FAST);
    const job = sampleJob("u1");
    job.message.text = "a private question nobody should read";
    job.message.route = { interactionToken: "aW50ZXJhY3Rpb24tdG9rZW4tc2VjcmV0" };
    await queue.enqueue(job, { groupId: "g", dedupeId: "d1" });
    const files = await filesUnder(join(dir, "queue"));
    expect(files).toHaveLength(1);
    const content = files[0]!.content.toString("utf8");
    expect(content).not.toContain("a private question");
    expect(content).not.toContain("aW50ZXJhY3Rpb24tdG9rZW4tc2VjcmV0");
    expect((await queueIn(dir, FAST)).pending()[0]!.job).toEqual(job);
  });

  test("a message survives a restart and is delivered after it", async () => {
    const dir = await tempDataDir();
    const first = await queueIn(dir, FAST);
    await first.enqueue(sampleJob("u1"), { groupId: "g", dedupeId: "d1" });
    // No consumer ran: a new queue over the same directory stands for the restarted process.
    const second = await queueIn(dir, FAST);
    const seen: string[] = [];
    second.start(async ({ message }) => {
      seen.push(message.job.message.key);
    });
    await eventually(() => seen.length === 1);
    await second.stop();
    expect(seen).toEqual(["u1"]);
    expect((await readdir(join(dir, "queue"))).filter((n) => n.endsWith(".json"))).toEqual([]);
  });

  test("a failing message is retried with backoff, then dead-lettered after max receives, and can be redriven", async () => {
    const dir = await tempDataDir();
    const waits: number[] = [];
    const queue = await queueIn(dir, {
      ...FAST,
      retry: {
        maxAttempts: 3,
        backoffMs: (n) => {
          waits.push(n);
          return 5;
        },
      },
    });
    const deliveries: Delivery[] = [];
    queue.start(async (delivery) => {
      deliveries.push(delivery);
      throw new Error("model down");
    });
    await queue.enqueue(sampleJob("u1"), { groupId: "g", dedupeId: "d1" });
    await eventually(async () => (await queue.deadLetters()).length === 1);
    await queue.stop();
    expect(deliveries.map((d) => d.message.receiveCount)).toEqual([1, 2, 3]);
    expect(waits).toEqual([1, 2]);
    const [dead] = await queue.deadLetters();
    expect(dead).toMatchObject({ lastError: "Error: model down", job: { message: { key: "u1" } } });
    expect(queue.pending()).toEqual([]);

    const redriven = await queueIn(dir, FAST);
    expect(await redriven.redrive()).toBe(1);
    const seen: number[] = [];
    redriven.start(async ({ message }) => {
      seen.push(message.receiveCount);
    });
    await eventually(() => seen.length === 1);
    await redriven.stop();
    expect(seen).toEqual([1]);
    expect(await redriven.deadLetters()).toEqual([]);
  });

  test("a running queue picks up dead letters another process redrives", async () => {
    const dir = await tempDataDir();
    const running = await queueIn(dir, { ...FAST, retry: { maxAttempts: 1, backoffMs: () => 10 } });
    const seen: string[] = [];
    running.start(async ({ message }) => {
      seen.push(message.job.message.key);
      if (seen.length === 1) throw new Error("first attempt fails");
    });
    await running.enqueue(sampleJob("u1"), { groupId: "g", dedupeId: "d1" });
    await eventually(async () => (await running.deadLetters()).length === 1);
    const operator = await queueIn(dir, FAST);
    expect(await operator.redrive()).toBe(1);
    await eventually(() => seen.length === 2, 5000);
    await running.stop();
    expect(seen).toEqual(["u1", "u1"]);
    expect(await running.deadLetters()).toEqual([]);
  });

  test("a handler may ask for its retry time", async () => {
    const queue = await queueIn(await tempDataDir(), FAST);
    const times: number[] = [];
    queue.start(async () => {
      times.push(Date.now());
      if (times.length === 1) throw Object.assign(new Error("busy"), { retryInMs: 300 });
    });
    await queue.enqueue(sampleJob("u1"), { groupId: "g", dedupeId: "d1" });
    await eventually(() => times.length === 2);
    await queue.stop();
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(290);
  });

  test("one group is processed one message at a time, other groups in parallel", async () => {
    const queue = await queueIn(await tempDataDir(), { ...FAST, concurrency: 4 });
    const log: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    queue.start(async ({ message }) => {
      log.push(`start ${message.job.message.key}`);
      if (message.job.message.key === "a1") await gate;
      log.push(`end ${message.job.message.key}`);
    });
    await queue.enqueue(sampleJob("a1", "A"), { groupId: "A", dedupeId: "a1" });
    await queue.enqueue(sampleJob("a2", "A"), { groupId: "A", dedupeId: "a2" });
    await queue.enqueue(sampleJob("b1", "B"), { groupId: "B", dedupeId: "b1" });
    await eventually(() => log.includes("end b1"));
    expect(log).not.toContain("start a2");
    release();
    await eventually(() => log.includes("end a2"));
    await queue.stop();
    expect(log.indexOf("end a1")).toBeLessThan(log.indexOf("start a2"));
  });

  test("a delivery that outlives the visibility timeout is delivered again", async () => {
    const queue = await queueIn(await tempDataDir(), { ...FAST, visibilityTimeoutMs: 50 });
    let calls = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    queue.start(async () => {
      calls++;
      if (calls === 1) await gate;
    });
    await queue.enqueue(sampleJob("u1"), { groupId: "g", dedupeId: "d1" });
    await eventually(() => calls === 2);
    release();
    await queue.stop();
    expect(calls).toBe(2);
  });

  test("stop waits for the delivery in flight", async () => {
    const queue = await queueIn(await tempDataDir(), FAST);
    let finished = false;
    let started = false;
    queue.start(async () => {
      started = true;
      await new Promise((resolve) => setTimeout(resolve, 100));
      finished = true;
    });
    await queue.enqueue(sampleJob("u1"), { groupId: "g", dedupeId: "d1" });
    await eventually(() => started);
    await queue.stop();
    expect(finished).toBe(true);
  });
});

describe("a large backlog", () => {
  /** A queue directory in memory where there is one: thousands of fsyncs on a disk would be the test's cost. */
  const backlogDir = async () => (existsSync("/dev/shm") ? mkdtemp(join("/dev/shm", "patchbay-queue-")) : tempDataDir());

  // 5 000 messages wait in 50 chats whose answers are held while 1 000 other chats are answered: a queue that
  // sorted or scanned its pending messages (or its dedupe ids) per delivery or enqueue would pay for the whole
  // backlog on each of these thousands of operations.
  test("thousands of pending messages: other chats are answered, each once and in order, while they wait", { timeout: 120_000 }, async () => {
    const queue = await queueIn(await backlogDir(), { ...FAST, concurrency: 64 });
    const HELD_CHATS = 50;
    const PER_HELD_CHAT = 100;
    const CHATS = 1_000;
    const enqueueAll = async (jobs: [key: string, chat: string][]) => {
      for (let start = 0; start < jobs.length; start += 500) {
        await Promise.all(jobs.slice(start, start + 500).map(([key, chat]) => queue.enqueue(sampleJob(key, chat), { groupId: chat, dedupeId: key })));
      }
    };
    const heldKeys = (chat: number) => Array.from({ length: PER_HELD_CHAT }, (_, n) => `held${chat}-${n}`);
    // Round-robin over the held chats, as messages of many conversations arrive.
    await enqueueAll(Array.from({ length: PER_HELD_CHAT }, (_, n) => Array.from({ length: HELD_CHATS }, (_, chat): [string, string] => [`held${chat}-${n}`, `held${chat}`])).flat());
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const answered = new Map<string, string[]>();
    queue.start(async ({ message }) => {
      if (message.job.message.key.endsWith("-0") && message.groupId.startsWith("held")) await held;
      answered.set(message.groupId, [...(answered.get(message.groupId) ?? []), message.job.message.key]);
    });
    await enqueueAll(Array.from({ length: CHATS }, (_, chat) => [1, 2].map((n): [string, string] => [`chat${chat}-${n}`, `chat${chat}`])).flat());
    // Answered, and their files gone: only the held backlog is left.
    await eventually(() => answered.size === CHATS && queue.pending().length === HELD_CHATS * PER_HELD_CHAT, 100_000);
    for (const [chat, keys] of answered) expect(keys).toEqual([`${chat}-1`, `${chat}-2`]);
    release();
    await eventually(() => answered.size === CHATS + HELD_CHATS && queue.pending().length === 0, 100_000);
    for (let chat = 0; chat < HELD_CHATS; chat++) expect(answered.get(`held${chat}`)).toEqual(heldKeys(chat));
    await queue.stop();
  });

  test("dedupe memory is bounded: past the bound the oldest ids are forgotten, recent ones still deduplicated", async () => {
    const queue = await queueIn(await backlogDir(), { ...FAST, dedupeMemory: 100 });
    for (let i = 0; i < 300; i++) await queue.enqueue(sampleJob(`k${i}`), { groupId: "g", dedupeId: `d${i}` });
    await queue.enqueue(sampleJob("k299 again"), { groupId: "g", dedupeId: "d299" });
    expect(queue.pending()).toHaveLength(300);
    // Forgotten: accepted again, as SQS would after its window.
    await queue.enqueue(sampleJob("k0 again"), { groupId: "g", dedupeId: "d0" });
    expect(queue.pending().map((m) => m.job.message.key).at(-1)).toBe("k0 again");
  });
});

describe("a message file that cannot be read", () => {
  test("is moved aside to the dead letters with a log line naming it, and the rest of the queue is delivered", async () => {
    const dir = await tempDataDir();
    const before = await queueIn(dir, FAST);
    await before.enqueue(sampleJob("u1"), { groupId: "g", dedupeId: "d1" });
    await before.enqueue(sampleJob("u2", "other"), { groupId: "h", dedupeId: "d2" });
    // A file sealed with another DATA_DIR's key (a restored backup, a copied directory): it cannot be opened here.
    const elsewhere = await tempDataDir();
    await (await queueIn(elsewhere, FAST)).enqueue(sampleJob("x1"), { groupId: "g", dedupeId: "dx" });
    const [foreign] = (await readdir(join(elsewhere, "queue"))).filter((n) => n.endsWith(".json"));
    await copyFile(join(elsewhere, "queue", foreign!), join(dir, "queue", foreign!));
    await writeFile(join(dir, "queue", "damaged.json"), "{\"id\": \"damaged\", \"job\": ");

    const lines: string[] = [];
    const after = await queueIn(dir, { ...FAST, logger: createJsonLogger((line) => lines.push(line)) });
    const seen: string[] = [];
    after.start(async ({ message }) => {
      seen.push(message.job.message.key);
    });
    await eventually(() => seen.length === 2);
    await after.stop();
    expect(seen.sort()).toEqual(["u1", "u2"]);
    expect((await readdir(join(dir, "queue", "dead"))).sort()).toEqual(["damaged.json.unreadable", `${foreign}.unreadable`].sort());
    expect(lines.map((line) => JSON.parse(line))).toEqual(
      expect.arrayContaining(
        [foreign!, "damaged.json"].map((name) =>
          expect.objectContaining({ level: "error", msg: "queued message cannot be read, moved to dead letters", file: join(dir, "queue", "dead", `${name}.unreadable`) }),
        ),
      ),
    );
    expect(lines).toHaveLength(2);
    // The dead letters an operator lists and redrives are the readable ones.
    expect(await after.deadLetters()).toEqual([]);
  });

  test("npm start starts anyway, says so once, and answers", async () => {
    const h = await startHarness();
    try {
      await h.restart(() => writeFile(join(h.dataDir, "queue", "0f0e0d0c-sealed-elsewhere.json"), JSON.stringify({ id: "x", job: { v: 1, iv: "AAAA", tag: "AAAA", data: "AAAA" } })));
      expect(h.logs.filter((line) => line.includes("queued message cannot be read"))).toHaveLength(1);
      expect((await h.api("GET", "/health")).status).toBe(200);
      expect((await h.api("POST", "/v1/replicas", { name: "After" })).status).toBe(201);
    } finally {
      await h.close();
    }
  });
});

test("the visibility timeout is longer than the longest answer attempt, so an answer in progress is never handed out again", () => {
  expect(DEFAULT_QUEUE_OPTIONS.visibilityTimeoutMs).toBeGreaterThan(WORST_CASE_ATTEMPT_MS);
});
