import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import type { SendMessageCommandInput } from "@aws-sdk/client-sqs";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { SQSBatchResponse } from "aws-lambda";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { linkResources, settingsLink } from "./linked-resources.ts";
import { createDocumentClient, createDynamoStore, createSecretsManagerVault, ensureTable } from "@patchbay/aws";
import { createPatchbay } from "@patchbay/composition";
import type { Adapters } from "@patchbay/composition";
import { createJsonLogger } from "@patchbay/composition/logger";
import type { Clock, GatewayResume, Integration, Store, TokenVault } from "@patchbay/core";
import { startEmbeddedDynamo } from "@patchbay/local";
import type { EmbeddedDynamo } from "@patchbay/local";
import { runLeasedListener } from "@patchbay/platforms/discord";
import type { ListenerReport } from "@patchbay/platforms/discord";
import { slashCommand, startFakeDiscord } from "@patchbay/testing";
import type { FakeDiscord, FakeDiscordApplication } from "@patchbay/testing";
import { mockSecretsManager, mockSqsFifo } from "@patchbay/testing/aws-mocks";
import { sampleIntegration, sampleReplica } from "@patchbay/testing/contracts";
import { gatewayLeaseKey } from "../../aws/src/dynamo-gateway-leases.ts";
import { eventually } from "../../local/test/helpers.ts";
import { sqsEvent } from "./lambda-events.ts";

const TABLE = "patchbay-test-Table";
const QUEUE_URL = "https://sqs.eu-west-1.amazonaws.com/123456789012/patchbay-test-ResponderQueue.fifo";
const PUBLIC_URL = "https://abc123.execute-api.eu-west-1.amazonaws.com";
const PREFIX = "patchbay/test/";
const REPLICA = "rp_listener";
const MESSAGE_CONTENT_LIMITED = 1 << 19;
/** Short enough for tests, in the proportions of the real schedule (a refresh every few percent of a window). */
const TIMING = { refreshMs: 50, scheduleMs: 600, handoverMarginMs: 400, leaseMs: 1_000 };
const ECHO = "[echo — development model, no AI] ";
/** A listener invocation in its own process, for a test to kill. */
const LISTENER_PROCESS = fileURLToPath(new URL("./discord-listener-process.ts", import.meta.url));

let dynamo: EmbeddedDynamo;
let discord: FakeDiscord;
let sqs: ReturnType<typeof mockSqsFifo>;
let secrets: ReturnType<typeof mockSecretsManager>;
let store: Store;
let documents: DynamoDBDocumentClient;
let vault: TokenVault;
const children: ChildProcess[] = [];
type Listener = (event: unknown, context: { awsRequestId: string; getRemainingTimeInMillis(): number }) => Promise<ListenerReport>;
let listener: Listener;
let responder: (event: unknown, lambdaContext: unknown) => Promise<SQSBatchResponse>;
let apps = 0;
let invocations = 0;
const created: string[] = [];

beforeAll(async () => {
  dynamo = await startEmbeddedDynamo(null, { credentials: { accessKeyId: "test", secretAccessKey: "test" } });
  discord = await startFakeDiscord();
  linkResources({
    Table: { name: TABLE, type: "sst.aws.Dynamo" },
    ResponderQueue: { url: QUEUE_URL, type: "sst.aws.Queue" },
    DeadLetters: { url: `${QUEUE_URL}-dlq`, type: "sst.sst.Linkable" },
    TenantSecrets: { prefix: PREFIX, type: "sst.sst.Linkable" },
    Settings: settingsLink({ publicUrl: PUBLIC_URL, discordApiUrl: discord.url }),
  });
  Object.assign(process.env, { AWS_REGION: "eu-west-1", AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test", AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint });
  sqs = mockSqsFifo(SQSClient);
  secrets = mockSecretsManager(SecretsManagerClient);
  documents = createDocumentClient({ endpoint: dynamo.endpoint });
  await ensureTable(documents, TABLE);
  store = createDynamoStore(documents, TABLE);
  vault = createSecretsManagerVault(new SecretsManagerClient({}), { prefix: PREFIX, cacheTtlMs: 0 });
  await store.createReplica(sampleReplica("ops", REPLICA));
  listener = (await import("../src/discord-listener.ts")).createListenerHandler(TIMING);
  responder = (await import("../src/responder.ts")).handler as never;
});

// Each test's bots are its own: what an earlier test connected is gone before the next one listens.
afterEach(async () => {
  for (const id of created.splice(0)) {
    await store.retireIntegration(id, new Date().toISOString());
    await store.deleteIntegration(id);
  }
});

afterAll(async () => {
  for (const child of children) child.kill("SIGKILL");
  sqs.mock.restore();
  secrets.mock.restore();
  await discord.close();
  await dynamo.close();
});

/** A Lambda context whose time runs out `remainingMs` from now, with a fresh request id. */
function context(remainingMs: number) {
  const end = Date.now() + remainingMs;
  return { awsRequestId: `req-${++invocations}`, getRemainingTimeInMillis: () => end - Date.now() };
}

/** A Discord integration as connecting one on AWS leaves it: the record (delivery `gateway`) and its token in Secrets Manager. */
async function connected(overrides: Partial<Integration> = {}) {
  const n = ++apps;
  const app = discord.addApplication({ name: `Ada ${n}`, botToken: `MTL${n}.listener-token-${n}.abcdefghijklmnopqrstuvwxyz`, flags: MESSAGE_CONTENT_LIMITED });
  const guild = discord.addGuild({ name: `Guild ${n}`, channels: [{ name: "general", type: 0 }], members: [app.id] });
  const id = `int_listener_${n}`;
  const integration = sampleIntegration("ops", id, {
    platform: "discord",
    replicaId: REPLICA,
    bot: { id: app.id, username: app.botUsername, bot_user_id: app.botId, public_key: app.verifyKey },
    guildId: guild.id,
    guildName: guild.name,
    mention: null,
    delivery: "gateway",
    tokenLast4: app.botToken.slice(-4),
    ...overrides,
  });
  await store.createIntegration(integration);
  created.push(id);
  await vault.put(id, { bot_token: app.botToken });
  return { app, id, guildId: guild.id, channel: guild.channels[0]!.id };
}

const mention = (app: FakeDiscordApplication, text: string) => `<@${app.botId}> ${text}`;

/** Every SendMessage the listeners made for an integration, duplicates included (SQS FIFO would drop them). */
const sends = (integrationId: string) =>
  sqs.mock
    .commandCalls(SendMessageCommand)
    .map((call) => call.args[0].input)
    .filter((input) => input.MessageGroupId?.startsWith(`${integrationId}:`));

const sentTexts = (integrationId: string) => sends(integrationId).map((input) => JSON.parse(input.MessageBody!).message.text as string);

/** The responder on every job the listeners sent (here, and `more` from elsewhere), as SQS would deliver them if it kept every copy. */
async function answerAll(integrationId: string, more: SendMessageCommandInput[] = []) {
  const records = [...more, ...sends(integrationId)].map((input, i) => ({ id: `${integrationId}-${i}`, body: input.MessageBody!, groupId: input.MessageGroupId! }));
  for (const record of records) expect(await responder(sqsEvent([record]), context(15 * 60_000))).toEqual({ batchItemFailures: [] });
}

/** An instance run directly, its clock or logger replaced; `remainingMs` as its invocation's time left. */
async function instance(instanceId: string, remainingMs: number, replace: Partial<Pick<Adapters, "clock" | "logger">>) {
  const config = (await import("../src/config.ts")).readAwsConfig();
  const adapters = { ...(await import("../src/aws-adapters.ts")).createAwsAdapters(config), ...replace };
  const deadline = adapters.clock.now() + remainingMs;
  return runLeasedListener(
    { ...adapters, pipeline: createPatchbay(adapters, config.settings).pipeline },
    {
      apiUrl: discord.url,
      instanceId,
      deadline,
      handoverAt: deadline - TIMING.handoverMarginMs,
      refreshMs: TIMING.refreshMs,
      leaseMs: TIMING.leaseMs,
      successorWindowMs: TIMING.scheduleMs + TIMING.refreshMs,
    },
  );
}

/** The session a lease holds for its next holder, as its item in the table has it. */
async function savedResume(integrationId: string): Promise<GatewayResume | undefined> {
  const { Item } = await documents.send(new GetCommand({ TableName: TABLE, Key: gatewayLeaseKey(integrationId), ConsistentRead: true }));
  return Item?.resume as GatewayResume | undefined;
}

const replies = (channel: string, app: FakeDiscordApplication) => discord.messages(channel).filter((m) => m.author.id === app.botId).map((m) => m.content);

describe("the Discord listener function", () => {
  test("with no Discord integration listening it returns at once, holding nothing", async () => {
    await connected({ active: false });
    await connected({ delivery: "webhook" });
    await connected({ registration: "error" });
    expect(await listener({}, context(60_000))).toEqual({ held: [], resumed: [], handedOver: [], lost: [] });
    expect(await store.heldGatewayLeases()).toEqual([]);
  });

  test("holds the bot's Gateway, sends each addressed message to the queue like a webhook would, and hands the session over at its end", async () => {
    const { app, id, channel } = await connected();
    const running = listener({}, context(3_500));
    await discord.gateway.waitForLive(app.id);
    const asked = discord.sendMessage(channel, { content: mention(app, "what is a lease?") });
    discord.sendMessage(channel, { content: "people talking among themselves" });
    await eventually(() => sends(id).length === 1);
    expect(sends(id)).toEqual([
      expect.objectContaining({ QueueUrl: QUEUE_URL, MessageGroupId: expect.stringMatching(new RegExp(`^${id}:`)), MessageDeduplicationId: expect.stringContaining(asked.id) }),
    ]);
    expect(sentTexts(id)).toEqual(["what is a lease?"]);
    // The bot token comes from the stage's secrets, by the integration's name there.
    expect(secrets.mock.commandCalls(GetSecretValueCommand).map((call) => call.args[0].input)).toContainEqual({ SecretId: `${PREFIX}${id}` });
    const report = await running;
    expect(report).toEqual({ held: [id], resumed: [], handedOver: [id], lost: [] });
    // Handed over, not ended: the session stays resumable and the lease is free for the next instance.
    expect(discord.gateway.sessions(app.id).map((s) => s.resumable)).toEqual([true]);
    expect(await store.heldGatewayLeases()).toEqual([]);
    const events = (await store.listEvents(id, { limit: 10 }, Date.now())).items;
    expect(events.map((e) => e.type === "ignored" && e.reason)).toEqual(["not_addressed"]);
  });

  test("hand-over: the next instance RESUMEs (no second IDENTIFY), what came in between is replayed, nothing is lost or answered twice", async () => {
    const { app, id, channel } = await connected();
    const first = listener({}, context(2_000));
    await discord.gateway.waitForLive(app.id);
    discord.sendMessage(channel, { content: mention(app, "before the hand-over") });
    expect(await first).toEqual({ held: [id], resumed: [], handedOver: [id], lost: [] });
    // Nobody listens now; Discord keeps this for the session.
    discord.sendMessage(channel, { content: mention(app, "while nobody listens") });

    const second = listener({}, context(3_500));
    await discord.gateway.waitForLive(app.id, { count: 2 });
    discord.sendMessage(channel, { content: mention(app, "after the hand-over") });
    await eventually(() => sentTexts(id).includes("after the hand-over"));
    expect(await second).toEqual({ held: [id], resumed: [id], handedOver: [id], lost: [] });

    expect(discord.gateway.identifies(app.id)).toBe(1);
    expect(discord.gateway.connections(app.id).map((c) => c.how)).toEqual(["identify", "resume"]);
    expect([...new Set(sentTexts(id))].sort()).toEqual(["after the hand-over", "before the hand-over", "while nobody listens"]);
    await answerAll(id);
    expect(replies(channel, app).sort()).toEqual([`${ECHO}after the hand-over`, `${ECHO}before the hand-over`, `${ECHO}while nobody listens`]);
  });

  test("an instance started just before another's hand-over waits for it and takes over at once; one started earlier leaves", async () => {
    const { app, id, channel } = await connected();
    const holder = listener({}, context(1_500));
    await discord.gateway.waitForLive(app.id);
    discord.sendMessage(channel, { content: mention(app, "first") });
    // Started once the holder's end is within the schedule's interval, this instance stays for it.
    await eventually(async () => (await store.heldGatewayLeases()).some((lease) => lease.integrationId === id && lease.endsBy - Date.now() < TIMING.scheduleMs));
    // Renewed on every pass, but never past the holder's deadline.
    const [lease] = (await store.heldGatewayLeases()).filter((held) => held.integrationId === id);
    expect(lease!.until).toBeLessThanOrEqual(lease!.endsBy);
    const successor = listener({}, context(3_000));
    await discord.gateway.waitForLive(app.id, { count: 2 });
    discord.sendMessage(channel, { content: mention(app, "second") });
    await eventually(() => sentTexts(id).includes("second"));
    expect(await holder).toEqual({ held: [id], resumed: [], handedOver: [id], lost: [] });
    expect(await successor).toEqual({ held: [id], resumed: [id], handedOver: [id], lost: [] });
    expect(discord.gateway.identifies(app.id)).toBe(1);

    // A lease that ends after the next scheduled start is left to that one.
    const longHolder = listener({}, context(4_000));
    await discord.gateway.waitForLive(app.id, { count: 3 });
    expect(await listener({}, context(60_000))).toEqual({ held: [], resumed: [], handedOver: [], lost: [] });
    expect(await longHolder).toEqual({ held: [id], resumed: [id], handedOver: [id], lost: [] });
  });

  // Longer than the default timeout: starting a process of its own takes seconds on a busy machine.
  test("a crashed invocation (killed, nothing released): once its leases run out the next one takes the bot and RESUMEs from what its passes saved; the gap is replayed, each message answered once", async () => {
    const { app, id, channel } = await connected();
    const crashing = spawn(process.execPath, [LISTENER_PROCESS], {
      env: { ...process.env, LISTENER_TIMING: JSON.stringify(TIMING), LISTENER_SECRETS: JSON.stringify(Object.fromEntries(secrets.secrets)), LISTENER_REQUEST_ID: "req-crashing" },
      stdio: ["ignore", "pipe", "pipe", "ipc"],
    });
    children.push(crashing);
    const crashedSends: SendMessageCommandInput[] = [];
    crashing.on("message", (message: { sent: SendMessageCommandInput }) => crashedSends.push(message.sent));
    let output = "";
    crashing.stdout!.on("data", (chunk) => (output += chunk));
    crashing.stderr!.on("data", (chunk) => (output += chunk));
    await discord.gateway.waitForLive(app.id, { timeoutMs: 15_000 }).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${output}`);
    });
    const before = discord.sendMessage(channel, { content: mention(app, "before the crash") });
    await eventually(() => crashedSends.length === 1);
    // Its passes save the session as it moves: once past that message, the store holds all the next holder needs.
    const beforeSequence = discord.gateway.sessions(app.id)[0]!.events.find((event) => (event.d as { id?: string }).id === before.id)!.s;
    await eventually(async () => ((await savedResume(id))?.sequence ?? 0) >= beforeSequence);

    crashing.kill("SIGKILL");
    await once(crashing, "exit");
    // Its socket just dropped (no close frame), which keeps the session resumable; nobody listens now.
    await eventually(() => discord.gateway.connections(app.id)[0]!.closedAt !== undefined);
    expect(discord.gateway.connections(app.id).map((c) => [c.closedBy, c.closeCode])).toEqual([["client", 1006]]);
    discord.sendMessage(channel, { content: mention(app, "while nobody listens") });
    // Nothing renews its leases any more; the invocation the schedule starts once they ran out takes the bot.
    await eventually(async () => (await store.heldGatewayLeases()).every((lease) => lease.integrationId !== id || lease.until <= Date.now()));
    const next = listener({}, context(2_500));
    await discord.gateway.waitForLive(app.id, { count: 2 });
    discord.sendMessage(channel, { content: mention(app, "after the take-over") });
    await eventually(() => sentTexts(id).includes("after the take-over"));
    expect(await next).toEqual({ held: [id], resumed: [id], handedOver: [id], lost: [] });

    expect(discord.gateway.identifies(app.id)).toBe(1);
    const [, resumed] = discord.gateway.connections(app.id);
    expect(resumed).toMatchObject({ how: "resume", path: "/resume" });
    expect((resumed!.received.find((payload) => payload.op === 6)!.d as { seq: number }).seq).toBeGreaterThanOrEqual(beforeSequence);
    const texts = (inputs: SendMessageCommandInput[]) => inputs.map((input) => JSON.parse(input.MessageBody!).message.text as string);
    expect(texts(crashedSends)).toEqual(["before the crash"]);
    expect(sentTexts(id)).toEqual(["while nobody listens", "after the take-over"]);
    await answerAll(id, crashedSends);
    expect(replies(channel, app).sort()).toEqual([`${ECHO}after the take-over`, `${ECHO}before the crash`, `${ECHO}while nobody listens`]);
  }, 40_000);

  test("a stalled holder is overtaken once its lease runs out: the next instance RESUMEs, a message both saw is answered once, and the stalled one's next pass finds the lease taken and closes its session without ending it", async () => {
    const { app, id, channel } = await connected();
    // The first instance's passes stall (a hung call, a paused process) while its session goes on receiving.
    let stalled = false;
    let parked = false;
    let unstall!: () => void;
    const stall = new Promise<void>((resolve) => (unstall = resolve));
    const clock: Clock = {
      now: () => Date.now(),
      sleep: async (ms) => {
        await new Promise((resolve) => setTimeout(resolve, ms));
        if (!stalled) return;
        parked = true;
        await stall;
      },
    };
    const first = instance("stalling", 60_000, { clock });
    await discord.gateway.waitForLive(app.id);
    await eventually(async () => (await savedResume(id)) !== undefined);
    stalled = true;
    await eventually(() => parked);
    // Its session still hands this on, but no pass renews its leases or saves that any more.
    discord.sendMessage(channel, { content: mention(app, "seen by both") });
    await eventually(() => sends(id).length === 1);
    await eventually(async () => (await store.heldGatewayLeases()).every((lease) => lease.integrationId !== id || lease.until <= Date.now()));

    // Long enough to still hold the bot when the stalled one comes back.
    const second = listener({}, context(10_000));
    // The second RESUMEs from the last save: "seen by both" is replayed. Discord tells the stalled one's socket
    // its session is gone (op 9), and its library IDENTIFYs a new one (once its 5 s identify spacing allows).
    await discord.gateway.waitForLive(app.id, { count: 3, timeoutMs: 15_000 });
    await eventually(() => sends(id).length === 2);
    unstall();
    expect(await first).toEqual({ held: [id], resumed: [], handedOver: [], lost: [id] });
    // Closed without ending: nothing it held is cut off from the instance that holds the lease now.
    const [original, resumed, reidentified] = discord.gateway.connections(app.id);
    expect([original!.how, resumed!.how, reidentified!.how]).toEqual(["identify", "resume", "identify"]);
    expect(reidentified).toMatchObject({ closedBy: "client", closeCode: 4200 });
    expect(discord.gateway.sessions(app.id).map((session) => session.resumable)).toEqual([true, true]);
    discord.sendMessage(channel, { content: mention(app, "after the overtaking") });
    await eventually(() => sentTexts(id).includes("after the overtaking"));
    expect(await second).toEqual({ held: [id], resumed: [id], handedOver: [id], lost: [] });

    expect(sentTexts(id)).toEqual(["seen by both", "seen by both", "after the overtaking"]);
    // Both copies reach the responder (as if SQS kept both); the delivery claim lets one through.
    await answerAll(id);
    expect(replies(channel, app).sort()).toEqual([`${ECHO}after the overtaking`, `${ECHO}seen by both`]);
    expect((await store.getIntegration(id))?.messageCount).toBe(2);
  }, 40_000);

  test("a crashed holder's session that Discord no longer resumes (INVALID_SESSION): a new one is IDENTIFYd and the log names the gap", async () => {
    const { app, id, channel } = await connected();
    const now = Date.now();
    const savedAt = now - 4 * 60_000;
    // What a holder that crashed minutes ago left: a lease run out, and the session its last pass saved.
    await store.renewGatewayHolder("req-crashed", savedAt + TIMING.leaseMs, now + 10 * 60_000);
    await store.takeGatewayLease(id, "req-crashed", now - 5 * 60_000);
    expect(await store.saveGatewayResume(id, "req-crashed", { sessionId: "timed-out-session", sequence: 12, resumeUrl: `${discord.gateway.url}resume`, savedAt })).toBe(true);
    const logs: string[] = [];
    const running = instance("req-after-crash", 2_500, { logger: createJsonLogger((line) => logs.push(line)) });
    await discord.gateway.waitForLive(app.id);
    discord.sendMessage(channel, { content: mention(app, "anyone there?") });
    await eventually(() => sentTexts(id).includes("anyone there?"));
    expect(await running).toEqual({ held: [id], resumed: [], handedOver: [id], lost: [] });

    // The RESUME was refused; the new session cost one IDENTIFY.
    const refused = discord.gateway.connections().filter((c) => c.received.some((payload) => payload.op === 6 && (payload.d as { session_id?: string }).session_id === "timed-out-session"));
    expect(refused.map((c) => [c.path, c.how, c.sent.some((payload) => payload.op === 9)])).toEqual([["/resume", undefined, true]]);
    expect(discord.gateway.connections(app.id).map((c) => c.how)).toEqual(["identify"]);
    expect(discord.gateway.identifies(app.id)).toBe(1);
    const gap = logs.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => String(line.msg).includes("could not be resumed"));
    expect(gap).toEqual([
      expect.objectContaining({
        level: "warn",
        integration_id: id,
        previous_holder: "req-crashed",
        lost_session_id: "timed-out-session",
        lost_after_sequence: 12,
        lost_since: new Date(savedAt).toISOString(),
        lost_until: expect.any(String),
      }),
    ]);
    await answerAll(id);
    expect(replies(channel, app)).toEqual([`${ECHO}anyone there?`]);
  });

  test("an interaction that comes over the Gateway (no Interactions Endpoint URL) is acknowledged by the session and answered like a webhook's", async () => {
    const { app, id, guildId, channel } = await connected();
    const running = listener({}, context(3_000));
    await discord.gateway.waitForLive(app.id);
    const interaction = discord.createInteraction(app.id, { data: slashCommand("over the gateway?"), guild_id: guildId, channel_id: channel });
    discord.dispatchInteraction(app.id, interaction);
    await eventually(() => discord.interactionStatus(interaction.token).acknowledged);
    expect(discord.interactionStatus(interaction.token).responseType).toBe(5);
    await running;
    await answerAll(id);
    expect(discord.interactionMessages(interaction.token).filter((m) => m.kind === "edit").map((m) => m.content)).toEqual([`${ECHO}over the gateway?`]);
  });

  test("pausing or deleting closes the connection within a refresh and frees the lease; the instance then returns", async () => {
    const paused = await connected();
    const deleted = await connected();
    const running = listener({}, context(60_000));
    await discord.gateway.waitForLive(paused.app.id);
    await discord.gateway.waitForLive(deleted.app.id);
    const integration = (await store.getIntegration(paused.id))!;
    expect(await store.saveIntegration({ ...integration, active: false })).toBe("saved");
    await discord.gateway.waitForNoConnection(paused.app.id);
    await store.retireIntegration(deleted.id, new Date().toISOString());
    await store.deleteIntegration(deleted.id);
    await discord.gateway.waitForNoConnection(deleted.app.id);
    // Ended, not handed over: the bot goes offline and nothing is left to resume.
    const report = await running;
    expect({ ...report, held: report.held.sort() }).toEqual({ held: [paused.id, deleted.id].sort(), resumed: [], handedOver: [], lost: [] });
    expect(discord.gateway.sessions(paused.app.id).map((s) => s.resumable)).toEqual([false]);
    expect(await store.heldGatewayLeases()).toEqual([]);
  });

  test("a Gateway that cannot be opened (Discord answering 500) is opened again on the next pass, leaving the integration as it was", async () => {
    const { app, id, channel } = await connected();
    discord.failNext("getGatewayBot", { kind: "error", status: 500, message: "Internal Server Error" });
    const running = listener({}, context(3_000));
    await discord.gateway.waitForLive(app.id);
    const statuses = discord.callsTo("getGatewayBot").filter((call) => call.appId === app.id).map((call) => call.status);
    expect([statuses[0], new Set(statuses.slice(1))]).toEqual([500, new Set([200])]);
    discord.sendMessage(channel, { content: mention(app, "still here?") });
    await eventually(() => sentTexts(id).includes("still here?"));
    expect(await running).toEqual({ held: [id, id], resumed: [], handedOver: [id], lost: [] });
    expect(await store.getIntegration(id)).toMatchObject({ registration: "ok", lastError: null });
  });

  test("a Gateway closed for good (4014) marks the integration error with a last_error naming the fix, and is not reopened", async () => {
    const { app, id } = await connected();
    const running = listener({}, context(60_000));
    await discord.gateway.waitForLive(app.id);
    discord.gateway.closeConnections(app.id, 4014);
    expect(await running).toEqual({ held: [id], resumed: [], handedOver: [], lost: [] });
    const integration = await store.getIntegration(id);
    expect(integration).toMatchObject({ registration: "error", lastError: { code: "INSUFFICIENT_PERMISSIONS", message: expect.stringMatching(/Message Content Intent/) } });
    expect(await listener({}, context(60_000))).toEqual({ held: [], resumed: [], handedOver: [], lost: [] });
    expect(discord.gateway.identifies(app.id)).toBe(1);
  });
});
