import { afterAll, afterEach, beforeAll, expect, test } from "vitest";
import type { MetricEvent } from "@patchbay/core";
import { eventually } from "./helpers.ts";
import { startHarness } from "./harness.ts";
import type { Harness } from "./harness.ts";

/** The outcomes the pipeline and the responder count (EMF lines on AWS: packages/aws/test/emf-metrics.test.ts), end to end. */

let h: Harness;
let replicaId: string;
let counter = 0;
const recorded: MetricEvent[] = [];

beforeAll(async () => {
  h = await startHarness({ stack: { metrics: { record: (event) => void recorded.push(event) } } });
  h.openai.reply((request) => `Answer to: ${request.lastUserText}`);
  replicaId = (await h.api("POST", "/v1/replicas", { name: "Ada" })).body.id;
});
afterAll(async () => {
  await h.close();
});
afterEach(() => {
  h.telegram.clearFailures();
  h.openai.clearFailures();
  recorded.length = 0;
});

function connect() {
  const n = ++counter;
  return h.connectTelegramBot(replicaId, 7300000 + n, `Metrics${n}_bot`);
}

let messageId = 900;
const message = (text: string, chat: { id: number; type: "private" | "group" }) => ({
  message: {
    message_id: ++messageId,
    from: { id: 88, is_bot: false, first_name: "Kim" },
    chat: { ...chat, ...(chat.type === "group" ? { title: "Team" } : { first_name: "Kim" }) },
    date: Math.floor(Date.now() / 1000),
    text,
  },
});

const settled = (count: number) => eventually(() => recorded.length >= count && [...recorded], 15_000);

test("an answered message: received, then answered with its latency and the model's", async () => {
  const bot = await connect();
  await h.telegram.deliver(bot.token, message("hello", { id: 88, type: "private" }));
  const [received, answered] = await settled(2);
  expect(received).toEqual({ name: "received", platform: "telegram", ignored: null });
  expect(answered).toMatchObject({ name: "answered", platform: "telegram" });
  const { answerLatencyMs, modelLatencyMs } = answered as Extract<MetricEvent, { name: "answered" }>;
  expect(modelLatencyMs).toEqual(expect.any(Number));
  expect(answerLatencyMs).toBeGreaterThanOrEqual(modelLatencyMs!);
  expect(h.telegram.sentMessages(bot.token).map((m) => m.text)).toEqual(["Answer to: hello"]);
});

test("a group message not addressed to the bot: received and ignored, with the reason", async () => {
  const bot = await connect();
  await h.telegram.deliver(bot.token, message("just chatting", { id: -100500, type: "group" }));
  expect(await settled(1)).toEqual([{ name: "received", platform: "telegram", ignored: "not_addressed" }]);
});

test("a model failure that a retry fixes: one failed attempt, not final, then answered", async () => {
  const bot = await connect();
  h.openai.failNext({ kind: "server_error", status: 503 }, 1);
  await h.telegram.deliver(bot.token, message("try again", { id: 89, type: "private" }));
  const events = await settled(3);
  expect(events.map((e) => e.name)).toEqual(["received", "failed", "answered"]);
  expect(events[1]).toEqual({ name: "failed", platform: "telegram", code: "MODEL_ERROR", final: false });
});

test("a revoked bot token: one failed attempt, final (dead letters)", async () => {
  const bot = await connect();
  h.telegram.failNext("sendMessage", { kind: "error", status: 401, description: "Unauthorized" }, 5);
  await h.telegram.deliver(bot.token, message("still there?", { id: 90, type: "private" }));
  const events = await settled(2);
  expect(events).toEqual([
    { name: "received", platform: "telegram", ignored: null },
    { name: "failed", platform: "telegram", code: "INVALID_CREDENTIALS", final: true },
  ]);
});

test("a queued message whose integration was paused meanwhile: ignored by the responder", async () => {
  const bot = await connect();
  await h.stack.queue.stop();
  await h.telegram.deliver(bot.token, message("queued before the pause", { id: 91, type: "private" }));
  expect((await h.api("PATCH", `/v1/integrations/${bot.integrationId}`, { active: false })).status).toBe(200);
  await h.restart();
  expect(await settled(2)).toEqual([
    { name: "received", platform: "telegram", ignored: null },
    { name: "ignored", platform: "telegram", reason: "integration_inactive" },
  ]);
});
