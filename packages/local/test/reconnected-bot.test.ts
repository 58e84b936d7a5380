import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { slashCommand } from "@patchbay/testing";
import { eventually } from "./helpers.ts";
import { startHarness } from "./harness.ts";
import type { Harness } from "./harness.ts";

/**
 * A bot deleted and connected again gets a new integration id; a message its earlier integration already
 * took (the platform's redelivery, or a captured request replayed) is not answered a second time: dedupe
 * goes by the platform's own identity (Telegram bot + update, Slack bot + message, Discord application +
 * interaction), kept for days after the integration is gone. The responder tells, so acknowledging stays
 * verify + enqueue.
 */

let h: Harness;
let replicaId: string;

beforeAll(async () => {
  h = await startHarness();
  h.openai.reply((request) => `Answer to: ${request.lastUserText}`);
  replicaId = (await h.api("POST", "/v1/replicas", { name: "Ada" })).body.id;
});
afterAll(async () => {
  await h.close();
});

const events = async (integrationId: string) => (await h.api("GET", `/v1/integrations/${integrationId}/events`)).body.data as any[];

async function reconnect(integrationId: string, path: string, body: Record<string, unknown>): Promise<string> {
  expect((await h.api("DELETE", `/v1/integrations/${integrationId}`)).status).toBe(200);
  const again = await h.api("POST", path, { replica_id: replicaId, ...body });
  expect(again.status).toBe(201);
  expect(again.body.id).not.toBe(integrationId);
  return again.body.id;
}

const duplicate = { type: "ignored", reason: "duplicate_delivery", detail: "the platform delivered this message before to an earlier integration of the same bot" };

describe("a bot connected again does not answer what its earlier integration took", () => {
  test("Telegram: the same update redelivered to the new webhook", async () => {
    const token = "7100001:AAHreconnected-bot-token-abcdefghij";
    h.telegram.addBot({ token, id: 7100001, username: "again_bot", can_read_all_group_messages: true });
    const first = (await h.api("POST", "/v1/integrations/telegram", { replica_id: replicaId, bot_token: token })).body.id;
    const update = { update_id: 880001, message: { message_id: 1, from: { id: 42, is_bot: false, first_name: "Grace" }, chat: { id: 42, type: "private" }, date: Math.floor(Date.now() / 1000), text: "only once" } };
    expect((await h.telegram.deliver(token, update)).status).toBe(200);
    await eventually(async () => (await events(first))[0]?.type === "replied");

    const second = await reconnect(first, "/v1/integrations/telegram", { bot_token: token });
    expect((await h.telegram.deliver(token, update)).status).toBe(200);
    await eventually(async () => (await events(second))[0]?.type === "ignored");
    expect(await events(second)).toEqual([expect.objectContaining({ id: "u880001", ...duplicate })]);
    // A new update is answered by the new integration as usual.
    await h.telegram.deliver(token, { ...update, update_id: 880002, message: { ...update.message, message_id: 2, text: "a new one" } });
    await eventually(async () => (await events(second))[0]?.type === "replied");
    expect(h.telegram.sentMessages(token).map((m) => m.text)).toEqual(["Answer to: only once", "Answer to: a new one"]);
  });

  test("Slack: the same message event delivered again to the new Request URL", async () => {
    const team = h.slack.addWorkspace({ id: "T0AGAIN", name: "Again" });
    const app = h.slack.addApp({ team_id: team.id, name: "Ada", bot_user_name: "ada" });
    const dm = h.slack.addChannel({ team_id: team.id, name: "dm", members: [app.bot_user_id, "U0HUMAN"] }).id;
    const connect = { bot_token: app.token, signing_secret: app.signing_secret, workspace_id: team.id };
    const created = (await h.api("POST", "/v1/integrations/slack", { replica_id: replicaId, ...connect })).body;
    const event = h.slack.messageEvent({ channel: dm, user: "U0HUMAN", text: "slack once", channel_type: "im" });
    const envelope = h.slack.eventCallback({ api_app_id: app.app_id, team_id: team.id, event });
    expect((await h.slack.sendEvent(app.app_id, created.webhook_url, envelope)).status).toBe(200);
    await eventually(async () => (await events(created.id))[0]?.type === "replied");

    const second = await reconnect(created.id, "/v1/integrations/slack", connect);
    const url = (await h.api("GET", `/v1/integrations/${second}`)).body.webhook_url;
    expect((await h.slack.sendEvent(app.app_id, url, envelope, { retryNum: 1, retryReason: "http_timeout" })).status).toBe(200);
    await eventually(async () => (await events(second))[0]?.type === "ignored");
    expect(await events(second)).toEqual([expect.objectContaining(duplicate)]);
    expect(h.slack.history(dm).filter((m) => m.text?.startsWith("Answer to: slack once"))).toHaveLength(1);
  });

  test("Discord: a captured interaction replayed to the application connected again", async () => {
    const app = h.discord.addApplication({ name: "Again", botToken: "MTAagain.discord-bot-token.abcdefghijklmnopqrstuvwxyz", botUsername: "again" });
    const guild = h.discord.addGuild({ name: "Again", channels: [{ name: "general", type: 0 }], members: [app.id] });
    const connect = { bot_token: app.botToken, guild_id: guild.id };
    const first = (await h.api("POST", "/v1/integrations/discord", { replica_id: replicaId, ...connect })).body.id;
    const interaction = h.discord.createInteraction(app.id, { data: slashCommand("discord once"), guild_id: guild.id, channel_id: guild.channels[0]!.id });
    expect(await (await h.discord.deliverInteraction(app.id, interaction)).json()).toEqual({ type: 5 });
    await eventually(async () => (await events(first))[0]?.type === "replied");

    const second = await reconnect(first, "/v1/integrations/discord", connect);
    const answerCalls = () => h.discord.calls.filter((call) => call.path.includes(`/${interaction.token}/`)).length;
    const answeredWith = answerCalls();
    expect(answeredWith).toBeGreaterThan(0);
    // Signed afresh by the same application key, within the 5-minute window and the token's 15 minutes. Only
    // the replayer sees the deferral (Discord never delivers an interaction twice); nothing is sent for it.
    const replay = await h.discord.deliverInteraction(app.id, interaction);
    expect(await replay.json()).toEqual({ type: 5 });
    await eventually(async () => (await events(second))[0]?.type === "ignored");
    expect(await events(second)).toEqual([expect.objectContaining({ id: `i${interaction.id}`, ...duplicate })]);
    expect(answerCalls()).toBe(answeredWith);
  });
});
