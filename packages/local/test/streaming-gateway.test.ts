import { afterAll, beforeAll, expect, test } from "vitest";
import { LOCAL_LISTENERS } from "../src/transports/index.ts";
import { eventually } from "./helpers.ts";
import { startHarness } from "./harness.ts";
import type { Harness } from "./harness.ts";

const MESSAGE_CONTENT_LIMITED = 1 << 19;
const ANSWER = `**Bold** start ${Array.from({ length: 24 }, (_, i) => `word${i}`).join(" ")}.`;

let h: Harness;
let replicaId: string;

beforeAll(async () => {
  h = await startHarness({
    stack: {
      listeners: LOCAL_LISTENERS,
      transports: { intervalMs: 50, discord: { backoff: { initialMs: 50, maxMs: 400 }, recheckMs: 100 } },
    },
  });
  h.openai.reply(() => ANSWER);
  replicaId = (await h.api("POST", "/v1/replicas", { name: "Ada", instructions: "You are Ada." })).body.id;
});
afterAll(() => h.close());

test("a Discord channel mention (over the Gateway) gets its first words as a reply, edited in place to the whole answer; a 429 on an edit waits", async () => {
  const app = h.discord.addApplication({ name: "Stream gateway", botToken: "MTGS1.gateway-stream-token-1.abcdefghijklmnop", botUsername: "gstream", flags: MESSAGE_CONTENT_LIMITED });
  const guild = h.discord.addGuild({ name: "Stream guild", channels: [{ name: "general", type: 0 }], members: [app.id] });
  const general = guild.channels[0]!.id;
  const connected = await h.api("POST", "/v1/integrations/discord", { replica_id: replicaId, bot_token: app.botToken, guild_id: guild.id });
  expect(connected.body.delivery).toBe("gateway");
  await h.discord.gateway.waitForLive(app.id);
  const answers = () => h.discord.messages(general).filter((m) => m.author.id === app.botId);

  const hold = h.openai.holdNextStream(6);
  const asked = h.discord.sendMessage(general, { content: `<@${app.botId}> stream here` });
  await hold.reached;
  const [first] = await eventually(() => (answers().length === 1 ? answers() : undefined));
  expect(first).toMatchObject({ content: "**Bold** start word0 word1 word2 word3", type: 19, message_reference: { message_id: asked.id } });
  h.discord.failNext("editMessage", { kind: "rate_limit", retryAfter: 0.5 });
  hold.release();

  await eventually(() => answers()[0]?.content === ANSWER);
  expect(answers()).toHaveLength(1);
  expect(answers()[0]!.id).toBe(first!.id);
  const edits = h.discord.callsTo("editMessage").filter((call) => call.path === `/channels/${general}/messages/${first!.id}`);
  expect(edits.map((call) => call.status)).toEqual([429, 200]);
  expect(edits[1]!.body).toMatchObject({ content: ANSWER, allowed_mentions: { parse: [], replied_user: false } });
  const events = (await h.api("GET", `/v1/integrations/${connected.body.id}/events`)).body.data as any[];
  expect(events.find((e) => e.type === "replied")).toMatchObject({ message_ids: [first!.id] });
});
