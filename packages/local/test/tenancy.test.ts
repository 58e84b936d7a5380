import { afterAll, beforeAll, expect, test } from "vitest";
import { BOB_KEY, startHarness } from "./harness.ts";
import type { Harness } from "./harness.ts";
import { eventually } from "./helpers.ts";

let h: Harness;
let counter = 0;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

async function replica(key?: string) {
  return (await h.api("POST", "/v1/replicas", { name: "Ada" }, key)).body.id as string;
}

function addBot() {
  const id = 8200000 + ++counter;
  const token = `${id}:AAtenancy-${counter}-abcdefghijklmnopq`;
  h.telegram.addBot({ token, id, username: `tenancy_${counter}_bot`, can_read_all_group_messages: true });
  return token;
}

const forged = (key: unknown) => Buffer.from(JSON.stringify(key)).toString("base64url");

test("a made-up cursor answers 400 VALIDATION_ERROR naming cursor, with nothing logged as a failure", async () => {
  const replicaId = await replica();
  const integration = (await h.api("POST", "/v1/integrations/telegram", { replica_id: replicaId, bot_token: addBot() })).body;
  const logged = h.logs.length;
  const cursors = [forged({ pk: "x" }), forged({ pk: "INT#x", sk: "INT", gsi1pk: "OWNER#bob#INT", gsi1sk: "x" }), forged({ pk: 1, sk: 2 })];
  for (const cursor of cursors) {
    for (const path of [
      `/v1/integrations?cursor=${cursor}`,
      `/v1/replicas/${replicaId}/integrations?cursor=${cursor}`,
      `/v1/integrations/${integration.id}/events?cursor=${cursor}`,
    ]) {
      const answer = await h.api("GET", path);
      expect({ path, status: answer.status }).toEqual({ path, status: 400 });
      expect(answer.body.error).toMatchObject({ code: "VALIDATION_ERROR", fields: [{ field: "cursor", message: expect.any(String) }] });
    }
  }
  const failures = h.logs.slice(logged).filter((line) => /"level":"error"|"stack"/.test(line));
  expect(failures).toEqual([]);
});

test("the 409 for an already-connected bot names the holding integration to its owner only", async () => {
  const token = addBot();
  const held = (await h.api("POST", "/v1/integrations/telegram", { replica_id: await replica(), bot_token: token })).body;
  const again = await h.api("POST", "/v1/integrations/telegram", { replica_id: await replica(), bot_token: token });
  expect(again.status).toBe(409);
  expect(again.body.error.integration_id).toBe(held.id);

  const stranger = await h.api("POST", "/v1/integrations/telegram", { replica_id: await replica(BOB_KEY), bot_token: token }, BOB_KEY);
  expect(stranger.status).toBe(409);
  expect(stranger.body.error.code).toBe("CONFLICT");
  expect(JSON.stringify(stranger.body)).not.toContain(held.id);
  expect((await h.api("GET", "/v1/integrations", undefined, BOB_KEY)).body.total).toBe(0);
});

test("deleting an integration removes its users' texts and the answers from the store at once", async () => {
  const token = addBot();
  const integration = (await h.api("POST", "/v1/integrations/telegram", { replica_id: await replica(), bot_token: token })).body;
  const chat = { id: 77, type: "private" as const, first_name: "Grace" };
  const update = { message: { message_id: 1, from: { id: 77, is_bot: false, first_name: "Grace" }, chat, date: Math.floor(Date.now() / 1000), text: "my secret plans" } };
  expect((await h.telegram.deliver(token, update)).status).toBe(200);
  await eventually(() => h.telegram.sentMessages(token).length === 1);
  const now = Date.now();
  await eventually(async () => (await h.stack.store.listEvents(integration.id, { limit: 10 }, now)).items[0]?.type === "replied");
  expect(await h.stack.store.recentTurns(integration.id, "77", 10, now)).not.toEqual([]);

  expect((await h.api("DELETE", `/v1/integrations/${integration.id}`)).status).toBe(200);
  expect((await h.stack.store.listEvents(integration.id, { limit: 10 }, now)).items).toEqual([]);
  expect(await h.stack.store.recentTurns(integration.id, "77", 10, now)).toEqual([]);
});
