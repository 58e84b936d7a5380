import { afterAll, expect, test } from "vitest";
import { startFakeOpenAI, startFakeTelegram } from "@patchbay/testing";
import { eventually, freePort, tempDataDir } from "./helpers.ts";
import { npmStartProcesses, processApi } from "./processes.ts";

const KEY = "pb_crash_test_key_0123456789";
const processes = npmStartProcesses();
afterAll(() => processes.killAll());

// Acknowledged means answered: a message accepted by ingress survives kill -9 mid-answer and is answered once after restart.
test("kill -9 while the model is answering; after restart the message is answered exactly once", async () => {
  const telegram = await startFakeTelegram({ webhookRateLimit: false });
  const openai = await startFakeOpenAI();
  const token = "5550001:AAcrash-test-token-abcdefghijklmno";
  telegram.addBot({ token, username: "crash_bot", can_read_all_group_messages: true });
  let calls = 0;
  openai.reply(async () => {
    calls++;
    if (calls === 1) await new Promise(() => undefined); // the first process dies while waiting here
    return "answered after the crash";
  });
  const port = await freePort();
  const env = {
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    DATA_DIR: await tempDataDir(),
    API_KEYS: `ops:${KEY}`,
    TELEGRAM_API_URL: telegram.url,
    OPENAI_BASE_URL: openai.url,
    OPENAI_API_KEY: openai.apiKey,
    DEFAULT_MODEL: "openai/gpt-test",
  };
  const api = processApi(port, KEY).call;

  try {
    const first = await processes.start(env);
    const replica = await api("POST", "/v1/replicas", { name: "Ada" });
    await api("POST", "/v1/integrations/telegram", { replica_id: replica.id, bot_token: token });
    const update = { update_id: 777, message: { message_id: 1, from: { id: 9, is_bot: false, first_name: "Lin" }, chat: { id: 9, type: "private" }, date: 1, text: "survive this" } };
    expect((await telegram.deliver(token, update)).status).toBe(200);
    await eventually(() => openai.requests.length === 1);
    await processes.kill9(first.child);
    expect(telegram.sentMessages(token)).toEqual([]);

    const restartedAt = Date.now();
    const second = await processes.start(env);
    await eventually(() => telegram.sentMessages(token).length === 1, 60_000);
    expect(Date.now() - restartedAt).toBeLessThan(60_000);
    expect(telegram.sentMessages(token)[0]!.text).toBe("answered after the crash");
    // Telegram redelivers the same update (it never saw the reply): still one answer.
    expect((await telegram.deliver(token, update)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(telegram.sentMessages(token)).toHaveLength(1);

    // SIGTERM: clean exit.
    second.child.kill("SIGTERM");
    const code = await new Promise((resolve) => second.child.once("exit", resolve));
    expect(code).toBe(0);
    expect(second.output()).toContain("stopped");
    expect(first.output() + second.output()).not.toContain(token);
  } finally {
    await telegram.close();
    await openai.close();
  }
}, 90_000);
