import { afterAll, beforeAll, expect, test } from "vitest";
import { deliveryRef } from "@patchbay/core";
import type { Clock } from "@patchbay/core";
import { eventually } from "./helpers.ts";
import { startHarness } from "./harness.ts";
import type { Harness } from "./harness.ts";

/**
 * A worker that stalled past its lease (a paused process) and was overtaken sends nothing and releases
 * nothing: the lease carries its claim's token, checked on every lease operation. The stall is an injected
 * clock jumping ahead, the takeover a second claim made through the store at that moment.
 */

const LONG_STALL_MS = 10 * 60 * 1000;
let offsetMs = 0;
const clock: Clock = { now: () => Date.now() + offsetMs, sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) };

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ stack: { clock } });
});
afterAll(async () => {
  await h.close();
});

test("an overtaken worker neither sends its answer nor releases the new holder's lease; the holder's work goes on", async () => {
  const replicaId = (await h.api("POST", "/v1/replicas", { name: "Ada" })).body.id;
  const token = "7200001:AAHlease-takeover-token-abcdefghij";
  h.telegram.addBot({ token, id: 7200001, username: "lease_bot", can_read_all_group_messages: true });
  const integrationId = (await h.api("POST", "/v1/integrations/telegram", { replica_id: replicaId, bot_token: token })).body.id;
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  h.openai.reply(async () => {
    await gate;
    return "the stalled worker's answer";
  });

  await h.telegram.deliver(token, { message: { message_id: 1, from: { id: 42, is_bot: false, first_name: "Grace" }, chat: { id: 42, type: "private" }, date: Math.floor(Date.now() / 1000), text: "who answers?" } });
  await eventually(() => h.openai.requests.length === 1);
  const [queued] = h.stack.queue.pending();
  const job = queued!.job;

  // The worker waiting on the model stalls for ten minutes; meanwhile another worker takes the message over.
  offsetMs += LONG_STALL_MS;
  const takeover = await h.stack.store.claimDelivery(job, clock.now(), 60_000);
  expect(takeover).toMatchObject({ state: "claimed", attempt: 2 });
  const holder = { ...deliveryRef(integrationId, job.message), lease: (takeover as { lease: string }).lease };

  release();
  await eventually(() => h.logs.some((line) => line.includes('"answer attempt failed"') && line.includes('"CONFLICT"')));
  expect(h.telegram.sentMessages(token)).toEqual([]);
  // Still the holder's: the overtaken worker's release changed nothing, and no failure was recorded.
  expect(await h.stack.store.claimDelivery(job, clock.now(), 60_000)).toMatchObject({ state: "busy" });
  const [event] = (await h.api("GET", `/v1/integrations/${integrationId}/events`)).body.data;
  expect(event).toMatchObject({ type: "processing" });

  await h.stack.store.recordPartSent(holder, "m-holder", { latencyMs: 5, answer: "the holder's answer" });
  const [done] = (await h.api("GET", `/v1/integrations/${integrationId}/events`)).body.data;
  expect(done).toMatchObject({ type: "replied", message_ids: ["m-holder"] });
});
