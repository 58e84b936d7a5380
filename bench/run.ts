/**
 * `npm run bench`: per ingress function, bundle size, cold start (importing the bundle and building its
 * handler in a fresh process) and warm acknowledgement latency (signed API Gateway events through the
 * Lambda handler, embedded DynamoDB store, in-process queue); then streaming (bench/streaming.ts) and the local
 * load test through npm start (bench/load.ts). Prints each figure beside its target, writes bench/results/latest.json.
 */
import { execFile } from "node:child_process";
import { createHmac, generateKeyPairSync, sign } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { cpus } from "node:os";
import { resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { promisify } from "node:util";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { handle } from "hono/aws-lambda";
import { createDocumentClient, createDynamoStore, ensureTable } from "@patchbay/aws";
import { systemClock } from "@patchbay/core";
import type { Integration, MessageQueue, Platform, ReplyJob, SecretBundle, TokenVault } from "@patchbay/core";
import { createIngressApp } from "@patchbay/functions/ingress-app";
import { startEmbeddedDynamo } from "@patchbay/local";
import { PLATFORM_MODULES } from "@patchbay/platforms";
import { bundleAll } from "../scripts/bundle.ts";
import { LOAD_TARGETS, benchLoad, loadTable } from "./load.ts";
import { benchStreaming, streamingTable } from "./streaming.ts";
import { percentile } from "./measure.ts";

const COLD_RUNS = 15;
const WARM_REQUESTS = 2000;
const WARMUP_REQUESTS = 200;
const TARGETS = { bundleKb: 300, coldMs: 45, warmP50Ms: 0.5 };
const run = promisify(execFile);
/** Discord ids are snowflakes; the driver reads no other kind. */
const DISCORD_APP_ID = "1100000000000000001";

const median = (values: number[]) => percentile([...values].sort((a, b) => a - b), 50);

/** The links a deployed function would have, so the bundle's config reads succeed. */
const SST_ENV = {
  SST_RESOURCE_App: JSON.stringify({ name: "patchbay", stage: "bench" }),
  SST_RESOURCE_Table: JSON.stringify({ name: "bench" }),
  SST_RESOURCE_ResponderQueue: JSON.stringify({ url: "https://sqs.eu-west-1.amazonaws.com/123456789012/bench.fifo" }),
  SST_RESOURCE_TenantSecrets: JSON.stringify({ prefix: "patchbay/bench/" }),
  SST_RESOURCE_OpenAiApiKey: JSON.stringify({ value: "" }),
  SST_RESOURCE_Settings: JSON.stringify({
    publicUrl: "https://bench.example",
    telegramApiUrl: "https://api.telegram.org",
    slackApiUrl: "https://slack.com/api/",
    discordApiUrl: "https://discord.com/api/v10",
    openaiBaseUrl: "https://api.openai.com/v1",
    defaultModel: "echo",
    maxReceives: 5,
  }),
  AWS_REGION: "eu-west-1",
};

async function coldStart(bundle: string): Promise<number[]> {
  const probe = `const t0 = performance.now(); await import(${JSON.stringify(resolve(bundle))}); process.stdout.write(String(performance.now() - t0));`;
  const times: number[] = [];
  for (let i = 0; i < COLD_RUNS; i++) {
    const { stdout } = await run(process.execPath, ["--input-type=module", "-e", probe], { env: { ...process.env, ...SST_ENV } });
    times.push(Number(stdout));
  }
  return times;
}

function httpEvent(platform: Platform, id: string, body: string, headers: Record<string, string>): APIGatewayProxyEventV2 {
  const path = `/webhooks/${platform}/${id}`;
  return {
    version: "2.0",
    routeKey: `POST /webhooks/${platform}/{id}`,
    rawPath: path,
    rawQueryString: "",
    headers: { "content-type": "application/json", ...headers },
    requestContext: {
      accountId: "123456789012",
      apiId: "bench",
      domainName: "bench.example",
      domainPrefix: "bench",
      http: { method: "POST", path, protocol: "HTTP/1.1", sourceIp: "127.0.0.1", userAgent: "bench" },
      requestId: "bench",
      routeKey: `POST /webhooks/${platform}/{id}`,
      stage: "$default",
      time: "",
      timeEpoch: 0,
    },
    pathParameters: { id },
    body: Buffer.from(body).toString("base64"),
    isBase64Encoded: true,
  };
}

function integration(platform: Platform, id: string, bot: Integration["bot"]): Integration {
  const at = new Date().toISOString();
  return {
    id, owner: "bench", platform, replicaId: "rp_bench", name: "bench", active: true, registration: "ok", bot, revision: 0,
    channelIds: [], channels: [], guildId: "1", guildName: "g", workspaceId: "T1", workspaceName: "w", mention: null,
    scope: "all", threadAutoCreate: false, welcomeMessage: null, delivery: "webhook", tokenLast4: "0000", messageCount: 0, connectedAt: at,
    lastMessageAt: null, lastError: null, validatedAt: at, createdAt: at, updatedAt: at,
  };
}

/** Signed requests for answerable messages, a fresh message each time. */
function requests(platform: Platform, id: string, n: number, secrets: SecretBundle, discordKey: ReturnType<typeof generateKeyPairSync>["privateKey"]) {
  return Array.from({ length: n }, (_, i) => {
    if (platform === "telegram") {
      const body = JSON.stringify({ update_id: i + 1, message: { message_id: i + 1, from: { id: 7, is_bot: false, first_name: "B" }, chat: { id: 7 + (i % 50), type: "private" }, date: 1, text: `hello ${i}` } });
      return httpEvent(platform, id, body, { "X-Telegram-Bot-Api-Secret-Token": secrets.webhook_secret! });
    }
    if (platform === "slack") {
      const ts = String(Math.floor(Date.now() / 1000));
      const body = JSON.stringify({ type: "event_callback", team_id: "T1", api_app_id: "A1", event_id: `Ev${i}`, event: { type: "app_mention", user: "U1", text: "<@UBOT> hi", ts: `1700000000.${String(i).padStart(6, "0")}`, channel: "C1", channel_type: "channel" } });
      const signature = `v0=${createHmac("sha256", secrets.signing_secret!).update(`v0:${ts}:${body}`).digest("hex")}`;
      return httpEvent(platform, id, body, { "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature });
    }
    const ts = String(Math.floor(Date.now() / 1000));
    const interactionId = String((BigInt(Date.now() - 1420070400000) << 22n) + BigInt(i));
    const body = JSON.stringify({ id: interactionId, application_id: DISCORD_APP_ID, type: 2, token: `tok${i}`, guild_id: "1", channel_id: "2", member: { user: { id: "3", username: "b" } }, data: { name: "ask", type: 1, options: [{ name: "question", type: 3, value: `q ${i}` }] } });
    const signature = sign(null, Buffer.from(ts + body), discordKey).toString("hex");
    return httpEvent(platform, id, body, { "X-Signature-Ed25519": signature, "X-Signature-Timestamp": ts });
  });
}

async function warmAck(platform: Platform) {
  const dynamo = await startEmbeddedDynamo(null);
  const client = createDocumentClient({ endpoint: dynamo.endpoint, region: "local", credentials: dynamo.credentials });
  await ensureTable(client, "bench");
  const store = createDynamoStore(client, "bench");
  const enqueued: ReplyJob[] = [];
  const queue: MessageQueue = { enqueue: async (job) => void enqueued.push(job), ping: async () => undefined };
  const secretsById = new Map<string, SecretBundle>();
  const vault: TokenVault = {
    put: async (id, s) => void secretsById.set(id, s),
    get: async (id) => secretsById.get(id),
    delete: async (id) => void secretsById.delete(id),
  };
  const keys = generateKeyPairSync("ed25519");
  const publicKey = keys.publicKey.export({ format: "der", type: "spki" }).subarray(-32).toString("hex");
  const id = `int_bench${platform}`;
  const secrets = { bot_token: "x", webhook_secret: "w".repeat(64), signing_secret: "s".repeat(32) };
  const bot = platform === "discord" ? { id: DISCORD_APP_ID, username: "bench", public_key: publicKey } : { id: "BBOT", username: "bench", user_id: "UBOT" };
  await store.createIntegration(integration(platform, id, bot));
  await vault.put(id, secrets);
  const logger = { info: () => undefined, warn: () => undefined, error: () => undefined };
  const handler = handle(createIngressApp(PLATFORM_MODULES[platform].driver, { store, vault, queue, clock: systemClock, logger }));
  const events = requests(platform, id, WARMUP_REQUESTS + WARM_REQUESTS, secrets, keys.privateKey);
  const latencies: number[] = [];
  for (const [i, event] of events.entries()) {
    const t0 = performance.now();
    const result = (await handler(event as unknown as Parameters<typeof handler>[0], {} as never)) as APIGatewayProxyStructuredResultV2;
    const elapsed = performance.now() - t0;
    if (result.statusCode !== 200) throw new Error(`${platform}: request ${i} answered ${result.statusCode}: ${result.body}`);
    if (i >= WARMUP_REQUESTS) latencies.push(elapsed);
  }
  if (enqueued.length !== events.length) throw new Error(`${platform}: ${enqueued.length} of ${events.length} requests were enqueued`);
  client.destroy();
  await dynamo.close();
  latencies.sort((a, b) => a - b);
  return { requests: latencies.length, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

const sizes = await bundleAll();
const results = [];
for (const platform of ["telegram", "slack", "discord"] as const) {
  const size = sizes.find((s) => s.name === `ingress-${platform}`)!;
  const cold = await coldStart(size.file);
  const warm = await warmAck(platform);
  results.push({ function: `ingress-${platform}`, bundleKb: size.bytes / 1024, gzipKb: size.gzipBytes / 1024, coldStartMs: median(cold), coldStartRuns: cold, warm });
}

const fmt = (n: number, digits = 2) => n.toFixed(digits);
const mark = (ok: boolean) => (ok ? "ok  " : "MISS");
console.log(`\nnode ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}`);
console.log(`targets: bundle < ${TARGETS.bundleKb} KB, cold start ≤ ${TARGETS.coldMs} ms, warm ack p50 ≤ ${TARGETS.warmP50Ms} ms\n`);
console.log("function           bundle KB       cold start ms (median)   warm ack p50 ms   p99 ms   requests");
for (const r of results) {
  console.log(
    `${r.function.padEnd(17)}  ${fmt(r.bundleKb, 1).padStart(7)} ${mark(r.bundleKb < TARGETS.bundleKb)}  ${fmt(r.coldStartMs).padStart(8)} ${mark(r.coldStartMs <= TARGETS.coldMs)}            ${fmt(r.warm.p50, 3).padStart(7)} ${mark(r.warm.p50 <= TARGETS.warmP50Ms)}  ${fmt(r.warm.p99, 3).padStart(7)}  ${r.warm.requests}`,
  );
}
const streaming = await benchStreaming();
console.log(`\n${streamingTable(streaming).join("\n")}`);
const load = await benchLoad();
console.log(`\n${loadTable(load).join("\n")}`);
await mkdir("bench/results", { recursive: true });
await writeFile(
  "bench/results/latest.json",
  JSON.stringify({ at: new Date().toISOString(), node: process.version, cpus: cpus().length, cpu: cpus()[0]?.model, targets: { ...TARGETS, load: LOAD_TARGETS }, bundles: sizes, results, streaming, load }, null, 2),
);
console.log("\nwritten to bench/results/latest.json");
