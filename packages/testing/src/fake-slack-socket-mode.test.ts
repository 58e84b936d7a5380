import { ErrorCode, LogLevel, WebClient } from "@slack/web-api";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startFakeSlack } from "./fake-slack.ts";
import type { FakeSlack, SlackAppInstall, SlackChannel } from "./fake-slack.ts";

let slack: FakeSlack;
let app: SlackAppInstall;
let channel: SlackChannel;

beforeAll(async () => {
  slack = await startFakeSlack({ workspaces: [{ id: "T0SOCKET01", name: "Sockets" }] });
  app = slack.addApp({ name: "Socketeer" });
  channel = slack.addChannel({ name: "general", members: [app.bot_user_id, "U0HUMAN001"] });
});
afterAll(() => slack.close());

const web = (token: string) => new WebClient(token, { slackApiUrl: slack.url, retryConfig: { retries: 0 }, logLevel: LogLevel.ERROR });

/** A bare Socket Mode client: the frames it got, in order, and a way to wait for the next one. */
async function connect(): Promise<{ socket: WebSocket; frames: any[]; next(type?: string): Promise<any> }> {
  const { url } = await web(app.app_token).apps.connections.open();
  const socket = new WebSocket(url!);
  const frames: any[] = [];
  const waiters: (() => void)[] = [];
  socket.addEventListener("message", (event) => {
    frames.push(JSON.parse(String(event.data)));
    for (const wake of waiters.splice(0)) wake();
  });
  let seen = 0;
  const next = async (type?: string) => {
    for (;;) {
      while (seen < frames.length) {
        const frame = frames[seen++];
        if (!type || frame.type === type) return frame;
      }
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  };
  return { socket, frames, next };
}

describe("fake Slack: Socket Mode", () => {
  test("apps.connections.open takes the app-level token only", async () => {
    const { url } = await web(app.app_token).apps.connections.open();
    expect(url).toMatch(new RegExp(`^ws://127\\.0\\.0\\.1:\\d+/link/\\?ticket=[0-9a-f-]+&app_id=${app.app_id}$`));
    expect(app.app_token).toMatch(new RegExp(`^xapp-1-${app.app_id}-\\d{13}-[0-9a-f]{64}$`));
    const refused = await web(app.token).apps.connections.open().catch((error: { code?: string; data?: { error?: string } }) => error);
    expect(refused).toMatchObject({ code: ErrorCode.PlatformError, data: { error: "not_allowed_token_type" } });
    const unknown = await web("xapp-1-A0NOPE-1-abc").apps.connections.open().catch((error: { data?: { error?: string } }) => error);
    expect(unknown).toMatchObject({ data: { error: "invalid_auth" } });
  });

  test("hello, an events_api envelope, its acknowledgement", async () => {
    const client = await connect();
    expect(await client.next("hello")).toMatchObject({ type: "hello", num_connections: 1, connection_info: { app_id: app.app_id } });

    const body = slack.eventCallback({ api_app_id: app.app_id, event: slack.appMentionEvent({ channel: channel.id, user: "U0HUMAN001", text: `<@${app.bot_user_id}> hi` }) });
    const pushed = slack.pushSocketEvent(app.app_id, body);
    const envelope = await client.next("events_api");
    expect(envelope).toEqual({ envelope_id: expect.any(String), payload: body, type: "events_api", accepts_response_payload: false, retry_attempt: 0, retry_reason: "" });
    client.socket.send(JSON.stringify({ envelope_id: envelope.envelope_id }));
    const result = await pushed;
    expect(result.acked).toBe(true);
    expect(result.envelope).toMatchObject({ envelope_id: envelope.envelope_id, ackedAt: expect.any(Number), ack: { envelope_id: envelope.envelope_id } });
    // Delivered over the socket like over HTTP: the message is in the channel's history.
    expect(slack.history(channel.id).map((m) => m.text)).toContain(`<@${app.bot_user_id}> hi`);
    client.socket.close();
  });

  test("an envelope nobody acknowledges is reported unacknowledged after the deadline", async () => {
    const client = await connect();
    await client.next("hello");
    const body = slack.eventCallback({ api_app_id: app.app_id, event: slack.messageEvent({ channel: channel.id, user: "U0HUMAN001", text: "ignored" }) });
    const result = await slack.pushSocketEvent(app.app_id, body, { ackTimeoutMs: 200 });
    expect(result.acked).toBe(false);
    expect(result.envelope.ackedAt).toBeUndefined();
    client.socket.close();
  });

  test("refresh_requested: the app opens a second connection, then closes the first; the fake closes what is left behind", async () => {
    const first = await connect();
    await first.next("hello");
    slack.disconnectSocket(app.app_id, "refresh_requested", { closeAfterMs: 300 });
    expect(await first.next("disconnect")).toEqual({ type: "disconnect", reason: "refresh_requested", debug_info: { host: expect.stringMatching(/^applink-fake-/) } });
    const second = await connect();
    await second.next("hello");
    const closed = new Promise((resolve) => first.socket.addEventListener("close", resolve));
    first.socket.close(1000);
    await closed;
    const body = slack.eventCallback({ api_app_id: app.app_id, event: slack.messageEvent({ channel: channel.id, user: "U0HUMAN001", text: "after refresh" }) });
    const pushed = slack.pushSocketEvent(app.app_id, body);
    const envelope = await second.next("events_api");
    second.socket.send(JSON.stringify({ envelope_id: envelope.envelope_id }));
    expect((await pushed).acked).toBe(true);

    // A connection that ignores the disconnect is closed by the fake.
    slack.disconnectSocket(app.app_id, "refresh_requested", { closeAfterMs: 50 });
    await new Promise((resolve) => second.socket.addEventListener("close", resolve));
    // The fake's own close event can come a moment after the client's.
    while (slack.socketConnections(app.app_id).at(-1)?.closedBy === undefined) await new Promise((resolve) => setTimeout(resolve, 5));
    const mine = slack.socketConnections(app.app_id).slice(-2);
    expect(mine.map((c) => c.closedBy)).toEqual(["client", "server"]);
  });

  test("a dropped connection ends without a close handshake, and a ticket works once", async () => {
    const { url } = await web(app.app_token).apps.connections.open();
    const socket = new WebSocket(url!);
    await new Promise((resolve) => socket.addEventListener("open", resolve));
    const closed = new Promise<CloseEvent>((resolve) => socket.addEventListener("close", resolve));
    slack.dropSocketConnections(app.app_id);
    expect((await closed).code).toBe(1006);
    const again = new WebSocket(url!);
    const refused = await new Promise((resolve) => {
      again.addEventListener("error", () => resolve("refused"));
      again.addEventListener("open", () => resolve("opened"));
    });
    expect(refused).toBe("refused");
  });
});
