import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { SlackAppInstall } from "@patchbay/testing";
import { LOCAL_LISTENERS } from "../src/transports/index.ts";
import { eventually } from "./helpers.ts";
import { startHarness } from "./harness.ts";
import type { Harness } from "./harness.ts";

let h: Harness;
let replicaId: string;

beforeAll(async () => {
  h = await startHarness({
    stack: {
      listeners: LOCAL_LISTENERS,
      transports: { intervalMs: 50, slack: { backoff: { initialMs: 50, maxMs: 400 }, heartbeatMs: 100, deadAfterMs: 1_000 } },
    },
  });
  h.openai.reply((request) => `Answer to: ${request.lastUserText}`);
  replicaId = (await h.api("POST", "/v1/replicas", { name: "Ada", instructions: "You are Ada." })).body.id;
});
afterAll(() => h.close());

interface Connected {
  app: SlackAppInstall;
  integrationId: string;
  body: any;
  general: string;
}

let teams = 0;

function workspace(init: { authTestIncludesAppId?: boolean } = {}) {
  const team = h.slack.addWorkspace({ id: `T0${++teams}SOCK`, name: `Sockets ${teams}` });
  const app = h.slack.addApp({ team_id: team.id, name: "Ada", bot_user_name: "ada", ...init });
  const general = h.slack.addChannel({ team_id: team.id, name: "general", members: [app.bot_user_id, "U0HUMAN"] }).id;
  return { app, general };
}

async function connect(settings: (app: SlackAppInstall) => Record<string, unknown> = (app) => ({ app_token: app.app_token })): Promise<Connected> {
  const { app, general } = workspace();
  const answer = await h.api("POST", "/v1/integrations/slack", { replica_id: replicaId, bot_token: app.token, signing_secret: app.signing_secret, ...settings(app) });
  expect(answer.status).toBe(201);
  return { app, integrationId: answer.body.id, body: answer.body, general };
}

const openConnections = (c: Connected) => h.slack.socketConnections(c.app.app_id).filter((conn) => conn.closedAt === undefined);
const connected = (c: Connected) => eventually(() => openConnections(c).length === 1);

const mention = (c: Connected, text: string) =>
  h.slack.eventCallback({ api_app_id: c.app.app_id, event: h.slack.appMentionEvent({ channel: c.general, user: "U0HUMAN", text: `<@${c.app.bot_user_id}> ${text}` }) });

/** The events log once the queue is empty and nothing is being answered. */
async function settledEvents(c: Connected): Promise<any[]> {
  return eventually(async () => {
    const list = (await h.api("GET", `/v1/integrations/${c.integrationId}/events`)).body.data as any[];
    return list.every((e) => e.type !== "processing") && h.stack.queue.pending().length === 0 ? list : undefined;
  });
}

describe("Slack through Socket Mode", () => {
  test("connecting with app_token: delivery socket, the token in the vault only, hello, an acknowledged envelope answered in its thread", async () => {
    const c = await connect();
    expect(c.body).toMatchObject({ delivery: "socket", status: "active" });
    expect(c.body.warnings).toBeUndefined();
    expect(JSON.stringify(c.body)).not.toContain(c.app.app_token);
    expect((await h.stack.vault.get(c.integrationId))?.app_token).toBe(c.app.app_token);
    expect(h.slack.callsTo("apps.connections.open").length).toBeGreaterThanOrEqual(1);

    await connected(c);
    const body = mention(c, "hello over the socket");
    const pushed = await h.slack.pushSocketEvent(c.app.app_id, body);
    expect(pushed.acked).toBe(true);
    expect(pushed.envelope.ack).toEqual({ envelope_id: pushed.envelope.envelope_id });
    await eventually(() => h.slack.posted(c.general).length === 1);
    const [answer] = h.slack.posted(c.general);
    expect(answer).toMatchObject({ markdown_text: "Answer to: @ada hello over the socket", thread_ts: String(body.event.ts) });

    // Slack sends a mention twice (app_mention and message) and redelivers what it thinks was missed: one answer.
    const copy = h.slack.eventCallback({ api_app_id: c.app.app_id, event: { ...h.slack.messageEvent({ channel: c.general, user: "U0HUMAN", text: String(body.event.text), ts: String(body.event.ts) }) } });
    expect((await h.slack.pushSocketEvent(c.app.app_id, copy)).acked).toBe(true);
    expect((await h.slack.pushSocketEvent(c.app.app_id, body, { retryAttempt: 1, retryReason: "timeout" })).acked).toBe(true);
    // Acknowledged means the pipeline took them: once the queue is empty, everything is decided.
    const log = await settledEvents(c);
    expect(log.filter((e) => e.type === "replied")).toHaveLength(1);
    expect(h.slack.posted(c.general)).toHaveLength(1);
  });

  test("refresh_requested: the next connection opens before the old one closes, and events go on", async () => {
    const c = await connect();
    await connected(c);
    h.slack.disconnectSocket(c.app.app_id, "refresh_requested");
    await eventually(() => h.slack.socketConnections(c.app.app_id).length === 2 && openConnections(c).length === 1);
    const [old, fresh] = h.slack.socketConnections(c.app.app_id);
    expect(old!.closedBy).toBe("client");
    expect(fresh!.openedAt).toBeLessThanOrEqual(old!.closedAt!);
    expect(fresh!.received).toEqual([]); // nothing unacknowledged left behind on it

    const pushed = await h.slack.pushSocketEvent(c.app.app_id, mention(c, "after the refresh"));
    expect(pushed).toMatchObject({ acked: true, envelope: { connection_id: fresh!.id } });
    await eventually(() => h.slack.posted(c.general).some((m) => m.markdown_text?.endsWith("after the refresh")));
  });

  test("a connection that drops is opened again", async () => {
    const c = await connect();
    await connected(c);
    h.slack.dropSocketConnections(c.app.app_id);
    await eventually(() => h.slack.socketConnections(c.app.app_id).length === 2 && openConnections(c).length === 1);
    expect(h.slack.socketConnections(c.app.app_id)[0]!.closeCode).toBe(1006);
    expect((await h.slack.pushSocketEvent(c.app.app_id, mention(c, "after the drop"))).acked).toBe(true);
    await eventually(() => h.slack.posted(c.general).some((m) => m.markdown_text?.endsWith("after the drop")));
  });

  test("a half-open connection (silent, never closed) is noticed by its missing pongs and replaced", async () => {
    const c = await connect();
    await connected(c);
    h.slack.freezeSocketConnections(c.app.app_id);
    await eventually(() => h.slack.socketConnections(c.app.app_id).length === 2);
    const pushed = await h.slack.pushSocketEvent(c.app.app_id, mention(c, "after the silence"));
    expect(pushed).toMatchObject({ acked: true, envelope: { connection_id: h.slack.socketConnections(c.app.app_id)[1]!.id } });
    await eventually(() => h.slack.posted(c.general).some((m) => m.markdown_text?.endsWith("after the silence")));
  });

  test("Socket Mode turned off (link_disabled) is named in last_error", async () => {
    const c = await connect();
    await connected(c);
    h.slack.disconnectSocket(c.app.app_id, "link_disabled", { closeAfterMs: 20 });
    await eventually(async () => /Socket Mode off/.test((await h.api("GET", `/v1/integrations/${c.integrationId}`)).body.last_error?.message ?? ""));
  });

  test("pausing closes the socket, resuming opens one, deleting closes it", async () => {
    const c = await connect();
    await connected(c);
    expect((await h.api("PATCH", `/v1/integrations/${c.integrationId}`, { active: false })).status).toBe(200);
    await eventually(() => openConnections(c).length === 0);
    expect((await h.api("PATCH", `/v1/integrations/${c.integrationId}`, { active: true })).status).toBe(200);
    await connected(c);
    expect((await h.api("DELETE", `/v1/integrations/${c.integrationId}`)).status).toBe(200);
    await eventually(() => openConnections(c).length === 0);
    expect(h.slack.socketConnections(c.app.app_id).every((conn) => conn.closedBy === "client")).toBe(true);
  });

  test("a refused app_token is 422 naming app_token, and nothing is stored", async () => {
    const { app } = workspace();
    const before = (await h.api("GET", "/v1/integrations?platform=slack")).body.total;
    const refused = await h.api("POST", "/v1/integrations/slack", { replica_id: replicaId, bot_token: app.token, signing_secret: app.signing_secret, app_token: "xapp-1-A0NOPE-1-deadbeef" });
    expect(refused.status).toBe(422);
    expect(refused.body.error).toMatchObject({ code: "INVALID_CREDENTIALS", message: expect.stringMatching(/app-level token .*app_token \(xapp-…\)/) });
    const malformed = await h.api("POST", "/v1/integrations/slack", { replica_id: replicaId, bot_token: app.token, signing_secret: app.signing_secret, app_token: app.token });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.fields).toEqual([expect.objectContaining({ field: "app_token" })]);
    expect((await h.api("GET", "/v1/integrations?platform=slack")).body.total).toBe(before);
  });

  test("an app_token of another app than the bot token is refused when Slack names the app", async () => {
    const { app } = workspace({ authTestIncludesAppId: true });
    const other = workspace();
    const refused = await h.api("POST", "/v1/integrations/slack", { replica_id: replicaId, bot_token: app.token, signing_secret: app.signing_secret, app_token: other.app.app_token });
    expect(refused.status).toBe(422);
    expect(refused.body.error.message).toMatch(/app_token belongs to another Slack app/);
  });

  test("without app_token and without a public URL, the create answer says what to set", async () => {
    const c = await connect(() => ({}));
    expect(c.body.delivery).toBe("webhook");
    expect(c.body.warnings).toEqual([expect.stringMatching(/PUBLIC_URL \(http:\/\/127\.0\.0\.1:\d+\) is not a public HTTPS URL.*app_token \(xapp-…\)/)]);
    const validation = await h.api("POST", `/v1/integrations/${c.integrationId}/validate`);
    expect(validation.body.warnings).toEqual([expect.stringMatching(/none can: Slack only calls a public HTTPS Request URL/)]);
  });
});
