import { ChangeMessageVisibilityBatchCommand, SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { APIGatewayProxyResultV2, APIGatewayProxyStructuredResultV2, SQSBatchResponse } from "aws-lambda";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { linkResources, settingsLink } from "./linked-resources.ts";
import { createDocumentClient, createDynamoStore, ensureTable } from "@patchbay/aws";
import { WORST_CASE_ATTEMPT_MS } from "@patchbay/composition";
import { createApiKeyService, systemClock } from "@patchbay/core";
import { startEmbeddedDynamo } from "@patchbay/local";
import type { EmbeddedDynamo } from "@patchbay/local";
import { startFakeTelegram } from "@patchbay/testing";
import type { FakeTelegram } from "@patchbay/testing";
import { mockSecretsManager, mockSqsFifo } from "@patchbay/testing/aws-mocks";
import { httpApiEvent, sqsEvent } from "./lambda-events.ts";

const TABLE = "patchbay-test-Table";
const QUEUE_URL = "https://sqs.eu-west-1.amazonaws.com/123456789012/patchbay-test-ResponderQueue.fifo";
const DLQ_URL = "https://sqs.eu-west-1.amazonaws.com/123456789012/patchbay-test-ResponderDlq.fifo";
const KEY = "pb_handler_test_key_0123456789";
const PUBLIC_URL = "https://abc123.execute-api.eu-west-1.amazonaws.com";

let dynamo: EmbeddedDynamo;
let telegram: FakeTelegram;
let sqs: ReturnType<typeof mockSqsFifo>;
let secrets: ReturnType<typeof mockSecretsManager>;
type Handler<E, R> = (event: E, context?: unknown) => Promise<R>;
let api: Handler<unknown, APIGatewayProxyResultV2>;
let telegramIngress: Handler<unknown, APIGatewayProxyResultV2>;
let responder: Handler<unknown, SQSBatchResponse>;
/** A fresh 90 s invocation's Lambda context: time for any attempt. */
const ROOMY = { getRemainingTimeInMillis: () => 90_000 };

beforeAll(async () => {
  // The handlers' SDK clients sign with the environment's credentials (below), so the emulator accepts those.
  dynamo = await startEmbeddedDynamo(null, { credentials: { accessKeyId: "test", secretAccessKey: "test" } });
  telegram = await startFakeTelegram({ webhookRateLimit: false });
  linkResources({
    Table: { name: TABLE, type: "sst.aws.Dynamo" },
    ResponderQueue: { url: QUEUE_URL, type: "sst.aws.Queue" },
    DeadLetters: { url: DLQ_URL, type: "sst.sst.Linkable" },
    TenantSecrets: { prefix: "patchbay/test/", type: "sst.sst.Linkable" },
    OpenAiApiKey: { value: "", type: "sst.sst.Secret" },
    Settings: settingsLink({ publicUrl: PUBLIC_URL, telegramApiUrl: telegram.url }),
  });
  // The AWS SDK's own endpoint setting points DynamoDB at the embedded emulator; SQS and Secrets Manager are mocked.
  Object.assign(process.env, { AWS_REGION: "eu-west-1", AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test", AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint });
  sqs = mockSqsFifo(SQSClient);
  secrets = mockSecretsManager(SecretsManagerClient);
  const client = createDocumentClient({ endpoint: dynamo.endpoint });
  await ensureTable(client, TABLE);
  await createApiKeyService({ store: createDynamoStore(client, TABLE), clock: systemClock }).seed("ops", KEY);

  api = (await import("../src/api.ts")).handler as never;
  telegramIngress = (await import("../src/ingress/telegram.ts")).handler as never;
  responder = (await import("../src/responder.ts")).handler as never;
});

afterAll(async () => {
  sqs.mock.restore();
  secrets.mock.restore();
  await telegram.close();
  await dynamo.close();
});

const result = (r: APIGatewayProxyResultV2) => r as APIGatewayProxyStructuredResultV2;
const json = (r: APIGatewayProxyResultV2) => JSON.parse(result(r).body ?? "null");

async function callApi(method: string, path: string, body?: unknown) {
  return api(
    httpApiEvent({
      method,
      path,
      routeKey: path === "/health" ? "GET /health" : "ANY /v1/{proxy+}",
      headers: { Authorization: `Bearer ${KEY}`, "Content-Type": "application/json" },
      ...(body !== undefined ? { body: JSON.stringify(body), base64: true } : {}),
    }),
  );
}

describe("Lambda handlers on real-shaped events", () => {
  let integrationId = "";
  let secretToken = "";
  const token = "4440001:AAlambda-handler-token-abcdefghijk";

  test("api: base64 bodies and mixed-case headers; health; errors carry the request id", async () => {
    const health = await callApi("GET", "/health");
    expect([result(health).statusCode, json(health)]).toEqual([200, { status: "ok", store: true, queue: true }]);
    const created = await callApi("POST", "/v1/replicas", { name: "Ada", instructions: "Be kind." });
    expect(result(created).statusCode).toBe(201);
    expect(json(created)).toMatchObject({ name: "Ada", model: "echo" });
    const bad = await callApi("POST", "/v1/replicas", { nope: 1 });
    expect(result(bad).statusCode).toBe(400);
    expect(json(bad).request_id).toBe(result(bad).headers?.["x-request-id"]);
  });

  test("api: connecting a Telegram bot stores its secrets in Secrets Manager under the stage prefix", async () => {
    telegram.addBot({ token, username: "lambda_bot", can_read_all_group_messages: true });
    const replica = json(await callApi("GET", "/v1/replicas")).data[0];
    const connected = await callApi("POST", "/v1/integrations/telegram", { replica_id: replica.id, bot_token: token });
    expect(result(connected).statusCode).toBe(201);
    integrationId = json(connected).id;
    expect(json(connected).webhook_url).toBe(`${PUBLIC_URL}/webhooks/telegram/${integrationId}`);
    expect([...secrets.secrets.keys()]).toEqual([`patchbay/test/${integrationId}`]);
    secretToken = telegram.webhookOf(token).secret_token!;
  });

  test("telegram ingress: verifies the secret, acknowledges, and sends the job to SQS with the chat as group", async () => {
    const update = { update_id: 1001, message: { message_id: 5, from: { id: 77, is_bot: false, first_name: "Lin" }, chat: { id: 77, type: "private" }, date: 1, text: "hello lambda" } };
    const event = (secret: string) =>
      httpApiEvent({
        method: "POST",
        path: `/webhooks/telegram/${integrationId}`,
        routeKey: "POST /webhooks/telegram/{id}",
        pathParameters: { id: integrationId },
        headers: { "Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": secret },
        body: JSON.stringify(update),
        base64: true,
      });
    expect(result(await telegramIngress(event("wrong"))).statusCode).toBe(401);
    expect(sqs.sent).toEqual([]);
    expect(result(await telegramIngress(event(secretToken))).statusCode).toBe(200);
    expect(sqs.mock.commandCalls(SendMessageCommand).map((c) => c.args[0].input)).toEqual([
      expect.objectContaining({ QueueUrl: QUEUE_URL, MessageGroupId: `${integrationId}:77`, MessageDeduplicationId: `${integrationId}:u1001` }),
    ]);
  });

  test("responder: answers the batch on Telegram with four DynamoDB writes; a failing record alone comes back after its backoff", async () => {
    const [message] = sqs.sent;
    const writes: string[] = [];
    const send = DynamoDBDocumentClient.prototype.send;
    const spy = vi.spyOn(DynamoDBDocumentClient.prototype, "send").mockImplementation(function (this: DynamoDBDocumentClient, ...args: unknown[]) {
      const name = (args[0] as { constructor: { name: string } }).constructor.name;
      if (/^(Put|Update|Delete|BatchWrite)/.test(name)) writes.push(name);
      return (send as (...a: unknown[]) => unknown).apply(this, args);
    } as never);
    let ok: SQSBatchResponse;
    try {
      ok = await responder(sqsEvent([{ id: "r1", body: message!.MessageBody, groupId: message!.MessageGroupId! }]), ROOMY);
    } finally {
      spy.mockRestore();
    }
    expect(ok).toEqual({ batchItemFailures: [] });
    // The message taken by the platform's identity, claim, done (answer + history), counters: the cost that scales
    // with messages (the ingress writes none).
    expect(writes).toEqual(["PutCommand", "UpdateCommand", "UpdateCommand", "UpdateCommand"]);
    expect(telegram.sentMessages(token).map((m) => m.text)).toEqual(["[echo — development model, no AI] hello lambda"]);

    const job = (key: string, text: string) => {
      const parsed = JSON.parse(message!.MessageBody);
      return JSON.stringify({ ...parsed, message: { ...parsed.message, key, text } });
    };
    telegram.failNext("sendMessage", { kind: "error", status: 500, description: "Internal Server Error" });
    const batch = await responder(
      sqsEvent([
        { id: "f1", body: job("u2001", "first"), groupId: "g-77" },
        { id: "f2", body: job("u2002", "second"), groupId: "g-77" },
        { id: "o1", body: job("u2003", "other chat"), groupId: "g-88", receiveCount: 2 },
      ]),
      ROOMY,
    );
    expect(batch.batchItemFailures).toEqual([{ itemIdentifier: "f1" }]);
    const visibility = sqs.mock.commandCalls(ChangeMessageVisibilityBatchCommand).map((c) => c.args[0].input);
    // First every record is kept visible-soon while in work (a dead invocation returns them within a minute), then the failure's backoff.
    expect(visibility.at(-2)).toEqual({
      QueueUrl: QUEUE_URL,
      Entries: ["rh-f1", "rh-f2", "rh-o1"].map((ReceiptHandle, i) => ({ Id: String(i), ReceiptHandle, VisibilityTimeout: 60 })),
    });
    expect(visibility.at(-1)).toEqual({ QueueUrl: QUEUE_URL, Entries: [{ Id: "0", ReceiptHandle: "rh-f1", VisibilityTimeout: 5 }] });
    expect(telegram.sentMessages(token).map((m) => m.text)).toEqual(
      expect.arrayContaining(["[echo — development model, no AI] second", "[echo — development model, no AI] other chat"]),
    );
  });

  test("responder: a failure no retry can fix goes to the dead-letter queue at once, not through four more receives", async () => {
    const parsed = JSON.parse(sqs.sent[0]!.MessageBody!);
    const body = JSON.stringify({ ...parsed, message: { ...parsed.message, key: "u3001", text: "after revocation" } });
    telegram.failNext("sendMessage", { kind: "error", status: 401, description: "Unauthorized" });
    const calls = sqs.mock.commandCalls(SendMessageCommand).length;
    const batch = await responder(sqsEvent([{ id: "d1", body, groupId: "g-77" }]), ROOMY);
    expect(batch).toEqual({ batchItemFailures: [] });
    expect(sqs.mock.commandCalls(SendMessageCommand).slice(calls).map((c) => c.args[0].input)).toEqual([
      { QueueUrl: DLQ_URL, MessageBody: body, MessageGroupId: "g-77", MessageDeduplicationId: "d1" },
    ]);
    const events = json(await callApi("GET", `/v1/integrations/${integrationId}/events`)).data;
    expect(events[0]).toMatchObject({ type: "failed", error: { code: "INVALID_CREDENTIALS" } });
    expect(json(await callApi("GET", `/v1/integrations/${integrationId}`)).last_error).toMatchObject({ code: "INVALID_CREDENTIALS" });
  });

  test("responder: with less time left than an attempt can take, no record starts; they go back at once, and a chat at its last receive as fresh copies", async () => {
    const parsed = JSON.parse(sqs.sent[0]!.MessageBody!);
    const body = (key: string) => JSON.stringify({ ...parsed, message: { ...parsed.message, key, text: key } });
    const answered = telegram.sentMessages(token).length;
    const sends = sqs.mock.commandCalls(SendMessageCommand).length;
    // Time for the first record only: every later check finds less left than WORST_CASE_ATTEMPT_MS.
    const remaining = [90_000];
    const context = { getRemainingTimeInMillis: () => remaining.shift() ?? WORST_CASE_ATTEMPT_MS - 1 };
    const batch = await responder(
      sqsEvent([
        { id: "t1", body: body("u4001"), groupId: "g-1" },
        { id: "t2", body: body("u4002"), groupId: "g-1" },
        // Received for the fifth time (maxReceives): one more receive and SQS would dead-letter it untried.
        { id: "t3", body: body("u4003"), groupId: "g-2", receiveCount: 5 },
        { id: "t4", body: body("u4004"), groupId: "g-2", receiveCount: 2 },
      ]),
      context,
    );
    expect(telegram.sentMessages(token).slice(answered).map((m) => m.text)).toEqual(["[echo — development model, no AI] u4001"]);
    expect(batch.batchItemFailures).toEqual([{ itemIdentifier: "t2" }]);
    const visibility = sqs.mock.commandCalls(ChangeMessageVisibilityBatchCommand).map((c) => c.args[0].input);
    expect(visibility.at(-1)).toEqual({ QueueUrl: QUEUE_URL, Entries: [{ Id: "0", ReceiptHandle: "rh-t2", VisibilityTimeout: 0 }] });
    expect(sqs.mock.commandCalls(SendMessageCommand).slice(sends).map((c) => c.args[0].input)).toEqual([
      { QueueUrl: QUEUE_URL, MessageBody: body("u4003"), MessageGroupId: "g-2", MessageDeduplicationId: "t3:again" },
      { QueueUrl: QUEUE_URL, MessageBody: body("u4004"), MessageGroupId: "g-2", MessageDeduplicationId: "t4:again" },
    ]);
    // Never attempted: nothing about them in the activity log.
    const keys = json(await callApi("GET", `/v1/integrations/${integrationId}/events`)).data.map((e: { id: string }) => e.id);
    expect(keys).toContain("u4001");
    expect(keys).not.toEqual(expect.arrayContaining(["u4002"]));
    expect(keys.filter((k: string) => ["u4002", "u4003", "u4004"].includes(k))).toEqual([]);
  });

  test("responder: an invocation that never has an attempt's time left (a time limit set too low) still answers one record", async () => {
    const parsed = JSON.parse(sqs.sent[0]!.MessageBody!);
    const body = (key: string) => JSON.stringify({ ...parsed, message: { ...parsed.message, key, text: key } });
    const answered = telegram.sentMessages(token).length;
    const batch = await responder(
      sqsEvent([
        { id: "s1", body: body("u6001"), groupId: "g-3" },
        { id: "s2", body: body("u6002"), groupId: "g-3" },
      ]),
      { getRemainingTimeInMillis: () => WORST_CASE_ATTEMPT_MS - 1 },
    );
    expect(telegram.sentMessages(token).slice(answered).map((m) => m.text)).toEqual(["[echo — development model, no AI] u6001"]);
    expect(batch.batchItemFailures).toEqual([{ itemIdentifier: "s2" }]);
  });

  test("responder: the last attempt is Patchbay's own count, not SQS's receives; a message SQS would dead-letter untried goes on as a copy", async () => {
    const parsed = JSON.parse(sqs.sent[0]!.MessageBody!);
    const body = JSON.stringify({ ...parsed, message: { ...parsed.message, key: "u5001", text: "fifth receive, first try" } });
    const sends = sqs.mock.commandCalls(SendMessageCommand).length;
    telegram.failNext("sendMessage", { kind: "error", status: 500, description: "Internal Server Error" });
    // Received five times (held elsewhere, handed back), tried once: not the last attempt.
    const batch = await responder(sqsEvent([{ id: "c1", body, groupId: "g-77", receiveCount: 5 }]), ROOMY);
    expect(batch).toEqual({ batchItemFailures: [] });
    expect(sqs.mock.commandCalls(SendMessageCommand).slice(sends).map((c) => c.args[0].input)).toEqual([
      { QueueUrl: QUEUE_URL, MessageBody: body, MessageGroupId: "g-77", MessageDeduplicationId: "c1:again" },
    ]);
    const events = json(await callApi("GET", `/v1/integrations/${integrationId}/events`)).data;
    expect(events.find((e: { id: string }) => e.id === "u5001")).toMatchObject({ type: "processing" });
    // The copy, received for the first time, is the second attempt and is answered.
    const copy = await responder(sqsEvent([{ id: "c1-copy", body, groupId: "g-77" }]), ROOMY);
    expect(copy).toEqual({ batchItemFailures: [] });
    expect(telegram.sentMessages(token).at(-1)?.text).toBe("[echo — development model, no AI] fifth receive, first try");
  });

  test("a redelivered record that was already answered is acknowledged without a second reply", async () => {
    const [message] = sqs.sent;
    const before = telegram.sentMessages(token).length;
    const again = await responder(sqsEvent([{ id: "r1-again", body: message!.MessageBody, groupId: message!.MessageGroupId!, receiveCount: 2 }]), ROOMY);
    expect(again).toEqual({ batchItemFailures: [] });
    expect(telegram.sentMessages(token).length).toBe(before);
  });

  test("metrics: ingress and responder write embedded-metric lines for the stage — Received, then Answered with its latencies", async () => {
    const lines: { _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][] }[] } }[] = [];
    const write = process.stdout.write.bind(process.stdout);
    const spy = vi.spyOn(process.stdout, "write").mockImplementation(((chunk: string | Uint8Array, ...rest: never[]) => {
      const text = String(chunk);
      if (!text.includes('"_aws"')) return write(chunk, ...rest);
      for (const line of text.trim().split("\n")) lines.push(JSON.parse(line));
      return true;
    }) as never);
    try {
      const update = { update_id: 1003, message: { message_id: 9, from: { id: 78, is_bot: false, first_name: "Kim" }, chat: { id: 78, type: "private" }, date: 1, text: "count me" } };
      const webhook = httpApiEvent({
        method: "POST",
        path: `/webhooks/telegram/${integrationId}`,
        routeKey: "POST /webhooks/telegram/{id}",
        pathParameters: { id: integrationId },
        headers: { "Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": secretToken },
        body: JSON.stringify(update),
      });
      expect(result(await telegramIngress(webhook)).statusCode).toBe(200);
      const message = sqs.sent.at(-1)!;
      expect(await responder(sqsEvent([{ id: "m1", body: message.MessageBody, groupId: message.MessageGroupId! }]), ROOMY)).toEqual({ batchItemFailures: [] });
    } finally {
      spy.mockRestore();
    }
    expect(lines.map(({ _aws, ...fields }) => fields)).toEqual([
      { service: "patchbay-test", platform: "telegram", Received: 1 },
      { service: "patchbay-test", platform: "telegram", Answered: 1, AnswerLatency: expect.any(Number), ModelLatency: expect.any(Number) },
    ]);
    expect(lines.map((l) => l._aws.CloudWatchMetrics.map((m) => [m.Namespace, m.Dimensions]))).toEqual(
      lines.map(() => [["Patchbay", [["service", "platform"], ["service"]]]]),
    );
  });
});
