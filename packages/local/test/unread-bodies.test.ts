import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startHarness } from "./harness.ts";
import type { Harness } from "./harness.ts";
import { ALICE_KEY } from "./harness.ts";
import { endlessRequest } from "./raw-http.ts";

/**
 * Bodies that never end, sent without Content-Length: nothing Patchbay reads before it knows who is asking
 * can hold the process. On /v1 the bearer key is checked before a body byte is read; on the Slack and
 * Discord webhooks reading stops at the platform's cap, before any signature check.
 */

let h: Harness;
let slackUrl: string;
let discordUrl: string;

beforeAll(async () => {
  h = await startHarness();
  const replicaId = (await h.api("POST", "/v1/replicas", { name: "Unread" })).body.id;
  const team = h.slack.addWorkspace({ id: "T0UNREAD", name: "Unread" });
  const slackApp = h.slack.addApp({ team_id: team.id, name: "Ada", bot_user_name: "ada" });
  const slack = await h.api("POST", "/v1/integrations/slack", {
    replica_id: replicaId,
    bot_token: slackApp.token,
    signing_secret: slackApp.signing_secret,
    workspace_id: team.id,
  });
  expect(slack.status).toBe(201);
  slackUrl = new URL(slack.body.webhook_url).pathname;
  const discordApp = h.discord.addApplication({ name: "Unread", botToken: "MTAunread.discord-bot-token.abcdefghijklmnopqrstuvwxyz", botUsername: "unread" });
  const guild = h.discord.addGuild({ name: "Unread", channels: [{ name: "general", type: 0 }], members: [discordApp.id] });
  const discord = await h.api("POST", "/v1/integrations/discord", { replica_id: replicaId, bot_token: discordApp.botToken, guild_id: guild.id });
  expect(discord.status).toBe(201);
  discordUrl = new URL(discord.body.webhook_url).pathname;
});
afterAll(async () => {
  await h.close();
});

const CHUNK = `{"padding":"${"x".repeat(16 * 1024)}`;

describe("/v1: the bearer key before the body", () => {
  test.each([
    ["no key", {}],
    ["a wrong key", { authorization: "Bearer pb_wrong_key_123456789" }],
  ])("%s → 401 without reading the body: a sender that stalls after its first bytes is answered", async (_, auth) => {
    const answer = await endlessRequest(h.stack.url, {
      method: "POST",
      path: "/v1/replicas",
      headers: { "content-type": "application/json", ...auth },
      chunk: CHUNK,
      stall: true,
      hangAfterMs: 5000,
    });
    expect({ status: answer.status, code: answer.json?.error?.code }).toEqual({ status: 401, code: "UNAUTHORIZED" });
    expect((await h.api("GET", "/v1/replicas")).body.total).toBe(1);
  });

  test("no key and a body that never stops → 401, and the connection is closed rather than drained", async () => {
    const answer = await endlessRequest(h.stack.url, {
      method: "POST",
      path: "/v1/replicas",
      headers: { "content-type": "application/json" },
      chunk: CHUNK,
    });
    expect({ status: answer.status, code: answer.json?.error?.code }).toEqual({ status: 401, code: "UNAUTHORIZED" });
    expect(answer.closed).toBe(true);
  });

  test("with a valid key the body is read up to 1 MiB and refused there (413)", async () => {
    const answer = await endlessRequest(h.stack.url, {
      method: "POST",
      path: "/v1/replicas",
      headers: { "content-type": "application/json", authorization: `Bearer ${ALICE_KEY}` },
      chunk: CHUNK,
    });
    expect({ status: answer.status, code: answer.json?.error?.code }).toEqual({ status: 413, code: "PAYLOAD_TOO_LARGE" });
    expect((await h.api("GET", "/v1/replicas")).body.total).toBe(1);
  });
});

describe("webhooks: reading stops at the platform's cap, before the signature is checked", () => {
  test("an unknown integration → 404 without reading the body", async () => {
    const answer = await endlessRequest(h.stack.url, {
      method: "POST",
      path: "/webhooks/slack/int_doesnotexist0",
      headers: { "content-type": "application/json" },
      chunk: CHUNK,
      stall: true,
      hangAfterMs: 5000,
    });
    expect({ status: answer.status, code: answer.json?.error?.code, closed: answer.closed }).toEqual({ status: 404, code: "NOT_FOUND", closed: true });
  });

  test.each([
    ["Slack", () => slackUrl],
    ["Discord", () => discordUrl],
  ])("%s: an unsigned endless body → 413, nothing logged for the integration", async (_, path) => {
    const answer = await endlessRequest(h.stack.url, { method: "POST", path: path(), headers: { "content-type": "application/json" }, chunk: CHUNK });
    expect({ status: answer.status, code: answer.json?.error?.code }).toEqual({ status: 413, code: "PAYLOAD_TOO_LARGE" });
    // The rest is never read: the connection is closed rather than drained.
    expect(answer.closed).toBe(true);
    const id = path().split("/").pop()!;
    expect((await h.api("GET", `/v1/integrations/${id}/events`)).body.data).toEqual([]);
  });
});
