import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, expect, test } from "vitest";
import { startFakeOpenAI, startFakeTelegram } from "@patchbay/testing";
import { eventually, freePort, tempDataDir } from "./helpers.ts";

const MAIN = fileURLToPath(new URL("../src/main.ts", import.meta.url));
const KEY = "pb_crash_test_key_0123456789";
const children: ChildProcess[] = [];

afterAll(() => {
  for (const child of children) child.kill("SIGKILL");
});


/** `npm start`'s entry point in its own process; resolves once it listens. */
async function startProcess(env: Record<string, string>): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(process.execPath, [MAIN], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  let output = "";
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  await eventually(() => output.includes("Patchbay listening on"), 20_000);
  return { child, output: () => output };
}

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
  const api = async (method: string, path: string, body: unknown) => {
    const response = await fetch(`http://127.0.0.1:${port}${path}`, {
      method,
      headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    return (await response.json()) as { id: string };
  };

  try {
    const first = await startProcess(env);
    const replica = await api("POST", "/v1/replicas", { name: "Ada" });
    await api("POST", "/v1/integrations/telegram", { replica_id: replica.id, bot_token: token });
    const update = { update_id: 777, message: { message_id: 1, from: { id: 9, is_bot: false, first_name: "Lin" }, chat: { id: 9, type: "private" }, date: 1, text: "survive this" } };
    expect((await telegram.deliver(token, update)).status).toBe(200);
    await eventually(() => openai.requests.length === 1);
    first.child.kill("SIGKILL");
    await new Promise((resolve) => first.child.once("exit", resolve));
    expect(telegram.sentMessages(token)).toEqual([]);

    const restartedAt = Date.now();
    const second = await startProcess(env);
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
