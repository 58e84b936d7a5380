import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { startFakeTelegram } from "./fake-telegram.ts";
import type { FakeTelegram } from "./fake-telegram.ts";

const TOKEN = "223344:POLL-token_abc";

type Body = { ok: boolean; result?: { update_id: number; message?: { text?: string } }[]; description?: string; error_code?: number };

let tg: FakeTelegram;
let bot = 0;
let token = TOKEN;

beforeAll(async () => {
  tg = await startFakeTelegram({ webhookRateLimit: false });
});
afterAll(() => tg.close());
beforeEach(() => {
  token = `${223344 + ++bot}:POLL-token_abc`;
  tg.addBot({ token, username: `poll_${bot}_bot` });
});

async function getUpdates(params: Record<string, unknown> = {}, signal?: AbortSignal): Promise<{ status: number; body: Body }> {
  const res = await fetch(`${tg.url}/bot${token}/getUpdates`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(params),
    ...(signal ? { signal } : {}),
  });
  return { status: res.status, body: (await res.json()) as Body };
}

/** Resolves once the fake has received `n` getUpdates calls for this bot (the request is then held or answered). */
async function untilCalls(n: number): Promise<void> {
  while (tg.callsTo("getUpdates", token).length < n) await new Promise((resolve) => setTimeout(resolve, 5));
}

const text = (t: string) => ({ message: { message_id: 1, from: { id: 7, is_bot: false, first_name: "Lin" }, chat: { id: 7, type: "private" }, date: 1, text: t } });

describe("fake Telegram: getUpdates", () => {
  test("an update stays until an offset past it confirms it", async () => {
    const queued = tg.queueUpdate(token, text("hello"));
    const first = await getUpdates();
    expect(first.body.result?.map((u) => u.update_id)).toEqual([queued.update_id]);
    // Asked again without an offset: the same update, still unconfirmed.
    expect((await getUpdates()).body.result?.map((u) => u.update_id)).toEqual([queued.update_id]);
    expect((await getUpdates({ offset: (queued.update_id as number) + 1 })).body.result).toEqual([]);
    const [life] = tg.polledUpdates(token);
    expect(life).toMatchObject({ update_id: queued.update_id, timesReturned: 2, confirmedAt: expect.any(Number) });
    expect((await getUpdates()).body.result).toEqual([]);
  });

  test("a long poll waits for the next update and answers with it", async () => {
    const waiting = getUpdates({ timeout: 30 });
    await untilCalls(1);
    const queued = tg.queueUpdate(token, text("arrives while waiting"));
    const answer = await waiting;
    expect(answer.body.result).toEqual([queued]);
  });

  test("a long poll with nothing to return ends empty after its timeout", async () => {
    expect((await getUpdates({ timeout: 1 })).body).toEqual({ ok: true, result: [] });
  });

  test("a second waiting consumer ends the first with 409, like two bot instances", async () => {
    const first = getUpdates({ timeout: 30 });
    await untilCalls(1);
    const second = getUpdates({ timeout: 30 });
    const ended = await first;
    expect(ended.status).toBe(409);
    expect(ended.body).toEqual({
      ok: false,
      error_code: 409,
      description: "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
    });
    const queued = tg.queueUpdate(token, text("for the one still waiting"));
    expect((await second).body.result).toEqual([queued]);
  });

  test("a webhook set before or during a long poll makes it 409", async () => {
    const waiting = getUpdates({ timeout: 30 });
    await untilCalls(1);
    const set = await fetch(`${tg.url}/bot${token}/setWebhook`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ url: "https://example.com/hook" }) });
    expect(set.status).toBe(200);
    expect(await waiting).toEqual({ status: 409, body: { ok: false, error_code: 409, description: "Conflict: terminated by setWebhook request" } });
    const refused = await getUpdates();
    expect(refused.status).toBe(409);
    expect(refused.body.description).toMatch(/^Conflict: can't use getUpdates method while webhook is active/);
  });

  test("deliver() with no webhook queues the update and resolves once getUpdates confirmed it", async () => {
    let confirmed = false;
    const delivery = tg.deliver(token, text("via deliver")).then((response) => {
      confirmed = true;
      return response;
    });
    const got = await getUpdates({ timeout: 30 });
    expect(got.body.result?.[0]?.message?.text).toBe("via deliver");
    expect(confirmed).toBe(false);
    expect((await getUpdates({ offset: got.body.result![0]!.update_id + 1 })).body.result).toEqual([]);
    expect((await delivery).status).toBe(200);
  });

  test("deliver() of an update the consumer's offset is already past resolves at the next poll, without returning it", async () => {
    const first = tg.queueUpdate(token, text("seen"));
    await getUpdates();
    const waiting = getUpdates({ offset: (first.update_id as number) + 1, timeout: 30 });
    await untilCalls(2);
    // Telegram redelivering an update the bot already confirmed: it never reaches the bot again.
    expect((await tg.deliver(token, { ...text("seen"), update_id: first.update_id })).status).toBe(200);
    tg.queueUpdate(token, text("next"));
    expect((await waiting).body.result?.map((u) => u.message?.text)).toEqual(["next"]);
  });

  test("limit, a negative offset, and getWebhookInfo's pending_update_count", async () => {
    const ids = [1, 2, 3].map((n) => tg.queueUpdate(token, text(`m${n}`)).update_id);
    expect((await getUpdates({ limit: 2 })).body.result?.map((u) => u.update_id)).toEqual(ids.slice(0, 2));
    const info = await (await fetch(`${tg.url}/bot${token}/getWebhookInfo`)).json();
    expect(info.result.pending_update_count).toBe(3);
    expect((await getUpdates({ offset: -1 })).body.result?.map((u) => u.update_id)).toEqual(ids.slice(2));
  });

  test("a consumer that hangs up stops waiting; the next update waits for the next consumer", async () => {
    const abort = new AbortController();
    const gone = getUpdates({ timeout: 30 }, abort.signal).catch((error: unknown) => error);
    await untilCalls(1);
    abort.abort();
    expect(await gone).toBeInstanceOf(Error);
    const queued = tg.queueUpdate(token, text("after the crash"));
    expect((await getUpdates({ timeout: 30 })).body.result).toEqual([queued]);
  });
});
