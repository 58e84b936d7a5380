import { afterAll, expect, test } from "vitest";
import { startFakeOpenAI, startFakeTelegram } from "@patchbay/testing";
import { eventually, freePort, tempDataDir } from "./helpers.ts";
import { npmStartProcesses, processApi } from "./processes.ts";

const KEY = "pb_polling_crash_key_0123456789";
const processes = npmStartProcesses();
afterAll(() => processes.killAll());

const dm = (n: number, text: string) => ({
  message: { message_id: n, from: { id: 9, is_bot: false, first_name: "Lin" }, chat: { id: 9, type: "private" }, date: Math.floor(Date.now() / 1000), text },
});

// No PUBLIC_URL: npm start long-polls Telegram. kill -9 twice — mid-answer, then while a long poll is held — and
// between the kills updates arrive while nothing runs. Every update is answered once and none is fetched twice.
test("kill -9 while polling neither loses nor repeats an update", async () => {
  const telegram = await startFakeTelegram({ webhookRateLimit: false });
  const openai = await startFakeOpenAI();
  const token = "5550002:AApolling-crash-token-abcdefghijk";
  telegram.addBot({ token, username: "polling_crash_bot" });
  let calls = 0;
  openai.reply(async (request) => {
    if (++calls === 1) await new Promise(() => undefined); // the first process dies while this answer is being written
    return `answer to ${request.lastUserText}`;
  });
  const port = await freePort();
  const env = {
    PORT: String(port),
    DATA_DIR: await tempDataDir(),
    API_KEYS: `ops:${KEY}`,
    TELEGRAM_API_URL: telegram.url,
    OPENAI_BASE_URL: openai.url,
    OPENAI_API_KEY: openai.apiKey,
    DEFAULT_MODEL: "openai/gpt-test",
  };
  const { call, replied } = processApi(port, KEY);
  const api = (path: string, body: unknown) => call<{ id: string; delivery?: string }>("POST", path, body);
  const answers = () => telegram.sentMessages(token).map((m) => m.text);
  // Until the fake has seen a killed process hang up, it would hand a new update to that dead long poll (so would
  // Telegram: such an update is returned again to the next poller, as it was never confirmed).
  const noPollHeld = () => !telegram.callsTo("getUpdates", token).some((call) => call.response === undefined);

  try {
    const first = await processes.start(env);
    expect(first.output()).toContain("Telegram: long polling (PUBLIC_URL is not public HTTPS)");
    const replica = await api("/v1/replicas", { name: "Ada" });
    const integration = await api("/v1/integrations/telegram", { replica_id: replica.id, bot_token: token });
    expect(integration).toMatchObject({ delivery: "polling" });

    // Confirmed to Telegram means the pipeline took it and its offset is on disk.
    expect((await telegram.deliver(token, dm(1, "one"))).status).toBe(200);
    await eventually(() => openai.requests.length === 1);
    await processes.kill9(first.child);
    await eventually(noPollHeld);
    telegram.queueUpdate(token, dm(2, "two (sent while nothing ran)"));

    const pollsBefore = telegram.callsTo("getUpdates", token).length;
    const second = await processes.start(env);
    // The answer that was in flight is taken over once its lease ends (30 s), like in crash.test.ts.
    await eventually(() => answers().length === 2, 90_000);
    expect(answers().sort()).toEqual(["answer to one", "answer to two (sent while nothing ran)"]);
    const [one] = telegram.polledUpdates(token);
    // The restarted poller began where the first one's offset file said.
    expect(telegram.callsTo("getUpdates", token)[pollsBefore]?.params.offset).toBe(one!.update_id + 1);

    // kill -9 while a long poll is held and nothing is in flight: both answers recorded, not only sent (between
    // Telegram taking a message and the record of it, a crash resends: Telegram's sendMessage has no idempotency key).
    await eventually(async () => (await replied(integration.id)) === 2, 30_000);
    await eventually(() => telegram.callsTo("getUpdates", token).some((call) => call.response === undefined));
    await processes.kill9(second.child);
    await eventually(noPollHeld);
    telegram.queueUpdate(token, dm(3, "three"));
    const third = await processes.start(env);
    await eventually(() => answers().length === 3, 30_000);

    expect(answers().sort()).toEqual(["answer to one", "answer to three", "answer to two (sent while nothing ran)"]);
    expect(telegram.polledUpdates(token).map((u) => ({ text: (u.update.message as { text: string }).text, timesReturned: u.timesReturned }))).toEqual([
      { text: "one", timesReturned: 1 },
      { text: "two (sent while nothing ran)", timesReturned: 1 },
      { text: "three", timesReturned: 1 },
    ]);

    third.child.kill("SIGTERM");
    expect(await new Promise((resolve) => third.child.once("exit", resolve))).toBe(0);
    expect(first.output() + second.output() + third.output()).not.toContain(token);
  } finally {
    await telegram.close();
    await openai.close();
  }
}, 180_000);
