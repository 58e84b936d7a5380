/**
 * The load part of `npm run bench`: `npm start` in its own process (as a person runs it), Telegram webhooks
 * posted by the fake Telegram on loopback, a fake OpenAI model that takes 2 s per answer.
 *   acks:      webhooks from 500 chats, 20 at a time, while the answers run: acks/s, ack p50/p99;
 *   answers:   300 questions from 100 chats (3 each, answered in order per chat) with the 2 s model: answers/s;
 *   streaming: 100 questions from 100 chats with a model streaming for 2 s (drafts in private chats): answers/s.
 */
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { createInterface } from "node:readline";
import { startFakeOpenAI, startFakeTelegram } from "@patchbay/testing";
import type { FakeTelegram } from "@patchbay/testing";
import { freePort, percentile } from "./measure.ts";

export const LOAD_TARGETS = { acksPerSecond: 400, ackP50Ms: 30, answersPerSecond: 25 };
const MODEL_MS = 2000;
const STREAM_CHUNKS = 20;
const CONCURRENT_WEBHOOKS = 20;
const ACK_CHATS = 500;
const ACK_WEBHOOKS = 2000;
const ANSWER_CHATS = 100;
const QUESTIONS_PER_CHAT = 3;
const KEY = "pb_bench_load_key_0123456789abcdef";
const TOKEN = "7770002:AAbench-load-token-abcdefghijklmnop";
const STREAMING_TOKEN = "7770003:AAbench-load-stream-token-abcdefghij";

export interface LoadResult {
  acks: { webhooks: number; chats: number; concurrent: number; perSecond: number; p50Ms: number; p99Ms: number };
  answers: { questions: number; chats: number; modelMs: number; seconds: number; perSecond: number };
  streaming: { questions: number; chats: number; modelMs: number; seconds: number; perSecond: number };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`bench load: ${what} not within ${timeoutMs / 1000} s`);
    await sleep(10);
  }
}

/** `npm start` as a child process; resolves once it listens. Its JSON log lines are read and dropped. */
async function startNpmStart(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, ["packages/local/src/main.ts"], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "inherit"] });
  await new Promise<void>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`bench load: npm start exited with ${code}`)));
    createInterface({ input: child.stdout! }).on("line", (line) => {
      if (line.startsWith("Patchbay listening on")) resolve();
    });
  });
  return child;
}

/** Sends `updates` as webhooks, `concurrent` at a time; each webhook's time until it was acknowledged. */
async function postWebhooks(telegram: FakeTelegram, token: string, url: string, updates: Record<string, unknown>[], concurrent: number): Promise<number[]> {
  const latencies: number[] = [];
  let next = 0;
  const worker = async () => {
    while (next < updates.length) {
      const update = updates[next++]!;
      const t0 = performance.now();
      const response = await telegram.deliver(token, update, { url });
      latencies.push(performance.now() - t0);
      if (response.status !== 200) throw new Error(`bench load: webhook answered ${response.status}`);
    }
  };
  await Promise.all(Array.from({ length: concurrent }, worker));
  return latencies;
}

export async function benchLoad(): Promise<LoadResult> {
  const telegram = await startFakeTelegram({ webhookRateLimit: false });
  const openai = await startFakeOpenAI();
  const dataDir = await mkdtemp(join(tmpdir(), "patchbay-bench-load-"));
  const port = await freePort();
  const stack = await startNpmStart({
    PORT: String(port),
    // Public HTTPS, so the integration is a webhook one (no polling); the fake posts to loopback instead.
    PUBLIC_URL: "https://bench.example",
    DATA_DIR: dataDir,
    API_KEYS: `bench:${KEY}`,
    TELEGRAM_API_URL: telegram.url,
    OPENAI_BASE_URL: openai.url,
    OPENAI_API_KEY: openai.apiKey,
    DEFAULT_MODEL: "openai/gpt-bench",
  });
  const base = `http://127.0.0.1:${port}`;
  const api = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const answer = (await response.json()) as any;
    if (!response.ok) throw new Error(`bench load: ${method} ${path} answered ${response.status}: ${JSON.stringify(answer)}`);
    return answer;
  };

  try {
    telegram.addBot({ token: TOKEN, username: "bench_load_bot" });
    telegram.addBot({ token: STREAMING_TOKEN, username: "bench_stream_bot" });
    const whole = (await api("POST", "/v1/replicas", { name: "Whole", instructions: "Answer.", stream: false })).id as string;
    const streamed = (await api("POST", "/v1/replicas", { name: "Streamed", instructions: "Answer.", stream: true })).id as string;
    const webhookUrl = async (replicaId: string, token: string) =>
      `${base}/webhooks/telegram/${(await api("POST", "/v1/integrations/telegram", { replica_id: replicaId, bot_token: token })).id as string}`;
    const url = await webhookUrl(whole, TOKEN);
    const streamingUrl = await webhookUrl(streamed, STREAMING_TOKEN);
    let updateId = 0;
    const question = (chat: number) => {
      updateId++;
      return {
        update_id: updateId,
        message: { message_id: updateId, from: { id: chat, is_bot: false, first_name: "B" }, chat: { id: chat, type: "private", first_name: "B" }, date: Math.floor(Date.now() / 1000), text: `question ${updateId}` },
      };
    };
    const answered = (token = TOKEN) => telegram.sentMessages(token).length;

    openai.reply(async () => {
      await sleep(MODEL_MS);
      return "An answer.";
    });

    // Acks while answering: the answers of these webhooks run (2 s each) while more arrive.
    const ackUpdates = Array.from({ length: ACK_WEBHOOKS }, (_, i) => question(1_000_000 + (i % ACK_CHATS)));
    const ackStart = performance.now();
    const latencies = (await postWebhooks(telegram, TOKEN, url, ackUpdates, CONCURRENT_WEBHOOKS)).sort((a, b) => a - b);
    const ackSeconds = (performance.now() - ackStart) / 1000;
    await until(() => answered() >= ACK_WEBHOOKS, 600_000, "the acknowledged messages answered");

    // Answers with a 2 s model: every question sent at once, timed until the last answer is out.
    const before = answered();
    const questions = Array.from({ length: ANSWER_CHATS * QUESTIONS_PER_CHAT }, (_, i) => question(2_000_000 + (i % ANSWER_CHATS)));
    const answersStart = performance.now();
    await postWebhooks(telegram, TOKEN, url, questions, CONCURRENT_WEBHOOKS);
    await until(() => answered() - before >= questions.length, 600_000, "the 2 s model's answers");
    const answersSeconds = (performance.now() - answersStart) / 1000;

    // A streaming model: the same 2 s, written in chunks (Telegram drafts, then the final message).
    openai.reply(() => Array.from({ length: STREAM_CHUNKS }, (_, i) => `word${i}`).join(" "));
    openai.setChunkDelay(MODEL_MS / STREAM_CHUNKS);
    const beforeStreaming = answered(STREAMING_TOKEN);
    const streamedQuestions = Array.from({ length: ANSWER_CHATS }, (_, i) => question(3_000_000 + i));
    const streamingStart = performance.now();
    await postWebhooks(telegram, STREAMING_TOKEN, streamingUrl, streamedQuestions, CONCURRENT_WEBHOOKS);
    await until(() => answered(STREAMING_TOKEN) - beforeStreaming >= streamedQuestions.length, 600_000, "the streamed answers");
    const streamingSeconds = (performance.now() - streamingStart) / 1000;

    return {
      acks: { webhooks: ACK_WEBHOOKS, chats: ACK_CHATS, concurrent: CONCURRENT_WEBHOOKS, perSecond: ACK_WEBHOOKS / ackSeconds, p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99) },
      answers: { questions: questions.length, chats: ANSWER_CHATS, modelMs: MODEL_MS, seconds: answersSeconds, perSecond: questions.length / answersSeconds },
      streaming: { questions: streamedQuestions.length, chats: ANSWER_CHATS, modelMs: MODEL_MS, seconds: streamingSeconds, perSecond: streamedQuestions.length / streamingSeconds },
    };
  } finally {
    stack.kill("SIGTERM");
    await new Promise((resolve) => stack.once("exit", resolve));
    await Promise.all([telegram.close(), openai.close()]);
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** The table lines for the load results, each figure beside its target. */
export function loadTable(r: LoadResult): string[] {
  const mark = (ok: boolean) => (ok ? "ok  " : "MISS");
  const f = (n: number, digits = 1) => n.toFixed(digits);
  return [
    "local load through npm start (Telegram webhooks from the fake on loopback)",
    `acks: ${r.acks.webhooks} webhooks from ${r.acks.chats} chats, ${r.acks.concurrent} at a time, while answering`,
    `  acks/s          ${f(r.acks.perSecond).padStart(8)} ${mark(r.acks.perSecond >= LOAD_TARGETS.acksPerSecond)}  target ≥ ${LOAD_TARGETS.acksPerSecond}`,
    `  ack p50 ms      ${f(r.acks.p50Ms, 2).padStart(8)} ${mark(r.acks.p50Ms < LOAD_TARGETS.ackP50Ms)}  target < ${LOAD_TARGETS.ackP50Ms}`,
    `  ack p99 ms      ${f(r.acks.p99Ms, 2).padStart(8)}`,
    `answers: ${r.answers.questions} questions from ${r.answers.chats} chats, a ${r.answers.modelMs / 1000} s model`,
    `  answers/s       ${f(r.answers.perSecond).padStart(8)} ${mark(r.answers.perSecond >= LOAD_TARGETS.answersPerSecond)}  target ≥ ${LOAD_TARGETS.answersPerSecond}  (last answer after ${f(r.answers.seconds)} s)`,
    `streaming: ${r.streaming.questions} questions from ${r.streaming.chats} chats, a model streaming for ${r.streaming.modelMs / 1000} s`,
    `  answers/s       ${f(r.streaming.perSecond).padStart(8)}   (last answer after ${f(r.streaming.seconds)} s)`,
  ];
}
