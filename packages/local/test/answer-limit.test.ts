import { afterAll, beforeAll, expect, test } from "vitest";
import { MAX_ANSWER_LENGTH } from "@patchbay/core";
import { eventually } from "./helpers.ts";
import { startHarness } from "./harness.ts";
import type { Harness } from "./harness.ts";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

test("a runaway model answer with broken link markup is cut at MAX_ANSWER_LENGTH before it is formatted and sent", async () => {
  const replicaId = (await h.api("POST", "/v1/replicas", { name: "Ada" })).body.id;
  const token = "7300001:AAlimit-token-abcdefghijklmnopqrstu";
  h.telegram.addBot({ token, id: 7300001, username: "Limit_bot", can_read_all_group_messages: true });
  expect((await h.api("POST", "/v1/integrations/telegram", { replica_id: replicaId, bot_token: token })).status).toBe(201);
  // The shape that used to take seconds of CPU per 10 000 characters.
  h.openai.reply(() => "[a](http://x.y/(".repeat(3000));
  await h.telegram.deliver(token, {
    message: { message_id: 1, from: { id: 9, is_bot: false, first_name: "Q" }, chat: { id: 9, type: "private" }, date: Math.floor(Date.now() / 1000), text: "go" },
  });
  const sent = await eventually(() => {
    const all = h.telegram.sentMessages(token);
    return all.length > 0 && all.at(-1)!.text.endsWith("…") ? all : undefined;
  });
  const total = sent.reduce((sum, m) => sum + m.text.length, 0);
  expect(total).toBeLessThanOrEqual(MAX_ANSWER_LENGTH);
  expect(total).toBeGreaterThan(MAX_ANSWER_LENGTH / 2);
});
