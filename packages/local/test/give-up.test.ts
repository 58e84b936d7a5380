import { afterAll, afterEach, beforeAll, expect, test } from "vitest";
import { eventually } from "./helpers.ts";
import { startHarness } from "./harness.ts";
import type { Harness } from "./harness.ts";

/** Failures no retry can fix go to dead letters on the first attempt, visible in events, last_error and the logs. */

let h: Harness;
let replicaId: string;
let counter = 0;

beforeAll(async () => {
  h = await startHarness();
  h.openai.reply((request) => `Answer to: ${request.lastUserText}`);
  replicaId = (await h.api("POST", "/v1/replicas", { name: "Ada" })).body.id;
});
afterAll(async () => {
  await h.close();
});
// A fault not consumed by one test (the first attempt is the only one) must not leak into the next.
afterEach(() => {
  h.telegram.clearFailures();
  h.openai.clearFailures();
});

function connect() {
  const n = ++counter;
  return h.connectTelegramBot(replicaId, 7100000 + n, `GiveUp${n}_bot`);
}

let messageId = 500;
const privateMessage = (text: string) => ({
  message: {
    message_id: ++messageId,
    from: { id: 77, is_bot: false, first_name: "Lin" },
    chat: { id: 77, type: "private", first_name: "Lin" },
    date: Math.floor(Date.now() / 1000),
    text,
  },
});

async function failedEvent(integrationId: string) {
  return eventually(async () => {
    const list = (await h.api("GET", `/v1/integrations/${integrationId}/events`)).body.data as any[];
    return list[0]?.type === "failed" ? list[0] : undefined;
  }, 15_000);
}

const logLines = (integrationId: string) =>
  h.logs.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.integration_id === integrationId);

test("a revoked bot token: one send attempt, a failed event, last_error on the integration, a dead letter", async () => {
  const bot = await connect();
  h.telegram.failNext("sendMessage", { kind: "error", status: 401, description: "Unauthorized" }, 5);
  await h.telegram.deliver(bot.token, privateMessage("still there?"));
  const event = await failedEvent(bot.integrationId);
  expect(event).toMatchObject({ error: { code: "INVALID_CREDENTIALS", message: expect.stringContaining("@BotFather") } });
  await eventually(async () => (await h.stack.queue.deadLetters()).some((d) => d.job.integrationId === bot.integrationId));
  expect(h.telegram.callsTo("sendMessage", bot.token)).toHaveLength(1);
  const integration = (await h.api("GET", `/v1/integrations/${bot.integrationId}`)).body;
  expect(integration.last_error).toMatchObject({ code: "INVALID_CREDENTIALS", message: expect.stringContaining("@BotFather") });

  const lines = logLines(bot.integrationId);
  expect(lines.filter((l) => l.msg === "answer attempt failed")).toHaveLength(1);
  expect(lines.some((l) => l.msg === "message sent to dead letters")).toBe(true);
  const all = h.logs.join("\n");
  expect(all).not.toContain(bot.token);
  expect(all).not.toContain("still there?");
});

test("a chat the bot was removed from is not retried", async () => {
  const bot = await connect();
  h.telegram.failNext("sendMessage", { kind: "error", status: 403, description: "Forbidden: bot was blocked by the user" }, 5);
  await h.telegram.deliver(bot.token, privateMessage("hello?"));
  expect(await failedEvent(bot.integrationId)).toMatchObject({ error: { code: "PLATFORM_ERROR", message: expect.stringContaining("blocked") } });
  expect(h.telegram.callsTo("sendMessage", bot.token)).toHaveLength(1);
});

test("a refused model key is MODEL_AUTH: one model call, no retry, last_error says what to fix", async () => {
  const bot = await connect();
  const before = h.openai.requests.length;
  h.openai.failNext({ kind: "error", status: 401, message: "Incorrect API key provided: sk-wrong-123456.", type: "invalid_request_error", code: "invalid_api_key" }, 5);
  await h.telegram.deliver(bot.token, privateMessage("think hard"));
  const event = await failedEvent(bot.integrationId);
  expect(event.error.code).toBe("MODEL_AUTH");
  expect(event.error.message).not.toContain("sk-wrong-123456");
  expect(h.openai.requests.length - before).toBe(1);
  expect((await h.api("GET", `/v1/integrations/${bot.integrationId}`)).body.last_error).toMatchObject({ code: "MODEL_AUTH" });
  expect(h.telegram.sentMessages(bot.token)).toEqual([]);
});

test("a model that keeps failing with 5xx is retried to the last attempt and fails as MODEL_ERROR", async () => {
  const bot = await connect();
  const before = h.openai.requests.length;
  h.openai.failNext({ kind: "server_error", status: 503 }, 5);
  await h.telegram.deliver(bot.token, privateMessage("are you up?"));
  expect((await failedEvent(bot.integrationId)).error.code).toBe("MODEL_ERROR");
  expect(h.openai.requests.length - before).toBe(5);
  // A transient failure is not the user's to fix: the integration shows no last_error.
  expect((await h.api("GET", `/v1/integrations/${bot.integrationId}`)).body.last_error).toBeNull();
});

test("pausing also stops messages already queued: they are logged as ignored, never answered", async () => {
  const bot = await connect();
  await h.stack.queue.stop();
  await h.telegram.deliver(bot.token, privateMessage("queued before the pause"));
  expect((await h.api("PATCH", `/v1/integrations/${bot.integrationId}`, { active: false })).status).toBe(200);
  await h.restart();
  const [event] = await eventually(async () => {
    const list = (await h.api("GET", `/v1/integrations/${bot.integrationId}/events`)).body.data as any[];
    return list[0]?.type === "ignored" ? list : undefined;
  }, 15_000);
  expect(event).toMatchObject({ reason: "integration_inactive" });
  expect(h.telegram.sentMessages(bot.token)).toEqual([]);
  expect(h.stack.queue.pending()).toEqual([]);
});
