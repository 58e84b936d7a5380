import { randomUUID } from "node:crypto";
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { LeaseLostError, deliveryRef } from "@patchbay/core";
import type {
  ActivityEvent,
  ApiKeyRecord,
  ChatMessage,
  DeliveryClaim,
  DeliveryRef,
  IgnoreReason,
  ImageReport,
  LastError,
  LeasedRef,
  LoggedMessage,
  ReplyJob,
  Store,
} from "@patchbay/core";
import { createGatewayLeases } from "./dynamo-gateway-leases.ts";
import { createIntegrationRecords } from "./dynamo-integrations.ts";
import { createPlatformMessages } from "./dynamo-platform-messages.ts";
import type { RecordOptions } from "./dynamo-integrations.ts";
import { conditional, createTableReader, isConditionFailure, seconds, strip } from "./dynamo-items.ts";
import type { Item } from "./dynamo-items.ts";

/** How long message records (dedupe, history, activity) are kept. */
export const MESSAGE_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;
/**
 * Longest text the activity log keeps per message (the answer is produced from the full text). Keeps an
 * item far below DynamoDB's 400 KB whatever a platform sends.
 */
export const LOGGED_TEXT_LIMIT = 4000;

/** The whole store on one DynamoDB table, through the AWS SDK (on AWS and against the local emulator). */
export function createDynamoStore(client: DynamoDBDocumentClient, tableName: string, options: Partial<RecordOptions> = {}): Store {
  const TableName = tableName;

  const table = createTableReader(client, TableName);
  const { get, queryPage, queryAll } = table;
  const records = createIntegrationRecords(client, TableName, table, { now: options.now ?? Date.now });

  const deliveryKey = (ref: DeliveryRef) => ({ pk: `DLV#${ref.integrationId}`, sk: `${ref.sentAt}#${ref.key}` });

  const messageAttributes = (message: LoggedMessage, at: string, nowMs: number): Item => ({
    kind: "delivery",
    expiresAt: seconds(nowMs + MESSAGE_RETENTION_MS),
    messageKey: message.key,
    conversationId: message.conversationId,
    at,
    chatId: message.chatId,
    userId: message.userId,
    userName: message.userName.slice(0, LOGGED_TEXT_LIMIT),
    text: message.text.slice(0, LOGGED_TEXT_LIMIT),
  });

  /** Moves the lease of a message still in progress, while this claim holds it (a finished one keeps no lease). */
  const setLease = (ref: LeasedRef, until: number) =>
    conditional(() =>
      client.send(
        new UpdateCommand({
          TableName,
          Key: deliveryKey(ref),
          UpdateExpression: "SET leaseUntil = :until",
          ConditionExpression: "#status = :processing AND leaseToken = :lease",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: { ":until": until, ":processing": "processing", ":lease": ref.lease },
        }),
      ),
    );

  /** A write only the claim holding the message may make; LeaseLostError for a claim that was taken over. */
  const asHolder = async (write: () => Promise<unknown>) => {
    if (!(await conditional(write))) throw new LeaseLostError();
  };

  /** Done: the answer and the history index keys arrive together, so the message enters gsi1 once. */
  const markDone = (ref: LeasedRef, done: { latencyMs: number; answer: string }, also: { set: string; values: Record<string, unknown> }) =>
    asHolder(() =>
      client.send(
        new UpdateCommand({
          TableName,
          Key: deliveryKey(ref),
          UpdateExpression: `SET ${also.set}#status = :done, latencyMs = :latency, answer = :answer, gsi1pk = :conversation, gsi1sk = :sk REMOVE leaseUntil`,
          ConditionExpression: "leaseToken = :lease",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: {
            ":lease": ref.lease,
            ...also.values,
            ":done": "done",
            ":latency": done.latencyMs,
            ":answer": done.answer,
            ":conversation": `CONV#${ref.integrationId}#${ref.conversationId}`,
            ":sk": deliveryKey(ref).sk,
          },
        }),
      ),
    );

  const toEvent = (item: Item): ActivityEvent => {
    const base = {
      id: String(item.messageKey),
      at: String(item.at),
      chatId: String(item.chatId),
      userId: String(item.userId),
      text: String(item.text),
      ...(item.images !== undefined ? { images: item.images as ImageReport } : {}),
    };
    switch (item.status) {
      case "ignored":
        return {
          ...base,
          type: "ignored",
          reason: item.reason as IgnoreReason,
          ...(typeof item.detail === "string" ? { detail: item.detail } : {}),
        };
      case "done":
        return { ...base, type: "replied", latencyMs: Number(item.latencyMs), messageIds: (item.messageIds as string[]) ?? [] };
      case "failed":
        return { ...base, type: "failed", error: item.error as LastError };
      default:
        return { ...base, type: "processing" };
    }
  };

  return {
    ...records,
    ...createPlatformMessages(client, TableName),
    ...createGatewayLeases(client, TableName, table),

    async ping() {
      await client.send(new GetCommand({ TableName, Key: { pk: "PING", sk: "PING" } }));
    },

    // Deliveries: one record per platform message, from claim to outcome.

    async recordIgnored(integrationId, message, reason, at, detail) {
      const now = Date.parse(at);
      await conditional(() =>
        client.send(
          new PutCommand({
            TableName,
            Item: {
              ...deliveryKey(deliveryRef(integrationId, message)),
              ...messageAttributes(message, at, now),
              status: "ignored",
              reason,
              ...(detail ? { detail: detail.slice(0, LOGGED_TEXT_LIMIT) } : {}),
            },
            ConditionExpression: "attribute_not_exists(pk) OR expiresAt < :now",
            ExpressionAttributeValues: { ":now": seconds(now) },
          }),
        ),
      );
    },

    async claimDelivery(job: ReplyJob, now: number, leaseMs: number): Promise<DeliveryClaim> {
      const key = deliveryKey(deliveryRef(job.integrationId, job.message));
      const names: Record<string, string> = { "#status": "status" };
      const lease = randomUUID();
      const values: Record<string, unknown> = { ":processing": "processing", ":until": now + leaseMs, ":lease": lease, ":one": 1 };
      const sets = ["#status = :processing", "leaseUntil = :until", "leaseToken = :lease"];
      Object.entries(messageAttributes(job.message, job.receivedAt, now)).forEach(([name, value], i) => {
        names[`#a${i}`] = name;
        values[`:a${i}`] = value;
        sets.push(`#a${i} = :a${i}`);
      });
      const claim = async (update: string, condition: string, extraValues: Record<string, unknown>, extraNames = {}) => {
        const result = await client.send(
          new UpdateCommand({
            TableName,
            Key: key,
            UpdateExpression: update,
            ConditionExpression: condition,
            ExpressionAttributeNames: { ...names, ...extraNames },
            ExpressionAttributeValues: { ...values, ...extraValues },
            ReturnValues: "ALL_NEW",
          }),
        );
        const item = result.Attributes ?? {};
        return {
          state: "claimed" as const,
          answer: typeof item.answer === "string" ? item.answer : null,
          partsSent: Number(item.partsSent ?? 0),
          messageIds: (item.messageIds as string[]) ?? [],
          lease,
          attempt: Number(item.attempts ?? 1),
        };
      };
      try {
        // A message never taken (or only logged as ignored, or long expired) starts from nothing.
        return await claim(
          `SET ${sets.join(", ")}, partsSent = :zero, messageIds = :none, attempts = :one REMOVE answer, #error, latencyMs, images`,
          "attribute_not_exists(pk) OR expiresAt < :nowSeconds OR #status = :ignored",
          { ":zero": 0, ":none": [], ":nowSeconds": seconds(now), ":ignored": "ignored" },
          { "#error": "error" },
        );
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
      try {
        // A message whose last attempt failed or whose worker vanished resumes with the answer and parts already sent.
        return await claim(`SET ${sets.join(", ")}, attempts = if_not_exists(attempts, :zero) + :one`, "#status = :processing AND leaseUntil < :now", {
          ":zero": 0,
          ":now": now,
        });
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
      try {
        // A message that failed for good, redriven: its attempts start over.
        return await claim(`SET ${sets.join(", ")}, attempts = :one`, "#status = :failed", { ":failed": "failed" });
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
      const current = await get(key.pk, key.sk);
      if (current?.status === "done") return { state: "done" };
      return { state: "busy", retryInMs: Math.max(1000, Number(current?.leaseUntil ?? now) - now) };
    },

    saveAnswer: (ref, answer) =>
      asHolder(() =>
        client.send(
          new UpdateCommand({
            TableName,
            Key: deliveryKey(ref),
            UpdateExpression: "SET answer = :answer",
            ConditionExpression: "leaseToken = :lease",
            ExpressionAttributeValues: { ":answer": answer, ":lease": ref.lease },
          }),
        ),
      ),

    async recordPartSent(ref, messageId, done) {
      if (!done) {
        await asHolder(() =>
          client.send(
            new UpdateCommand({
              TableName,
              Key: deliveryKey(ref),
              UpdateExpression: "SET partsSent = partsSent + :one, messageIds = list_append(messageIds, :id)",
              ConditionExpression: "leaseToken = :lease",
              ExpressionAttributeValues: { ":one": 1, ":id": [messageId], ":lease": ref.lease },
            }),
          ),
        );
        return;
      }
      await markDone(ref, done, { set: "partsSent = partsSent + :one, messageIds = list_append(messageIds, :id), ", values: { ":one": 1, ":id": [messageId] } });
    },

    recordAnswered: (ref, done, messageIds) =>
      markDone(ref, done, { set: "partsSent = :count, messageIds = :ids, ", values: { ":count": messageIds.length, ":ids": messageIds } }),

    renewLease: (ref, until) => setLease(ref, until),

    async releaseDelivery(ref) {
      await setLease(ref, 0);
    },

    recordImages: (ref, report) =>
      asHolder(() =>
        client.send(
          new UpdateCommand({
            TableName,
            Key: deliveryKey(ref),
            UpdateExpression: "SET images = :images",
            ConditionExpression: "leaseToken = :lease",
            ExpressionAttributeValues: { ":images": report, ":lease": ref.lease },
          }),
        ),
      ),

    async recordFailure(ref, error) {
      await conditional(() =>
        client.send(
          new UpdateCommand({
            TableName,
            Key: deliveryKey(ref),
            UpdateExpression: "SET #status = :failed, #error = :error REMOVE leaseUntil",
            // The attempt that failed gives its lease: a claim taken since by another worker is left alone.
            ConditionExpression: `attribute_exists(pk) AND #status <> :done${"lease" in ref ? " AND leaseToken = :lease" : ""}`,
            ExpressionAttributeNames: { "#status": "status", "#error": "error" },
            ExpressionAttributeValues: { ":failed": "failed", ":error": error, ":done": "done", ...("lease" in ref ? { ":lease": ref.lease } : {}) },
          }),
        ),
      );
    },

    async listEvents(integrationId, page, now) {
      const found = await queryPage(
        {
          KeyConditionExpression: "pk = :pk",
          ExpressionAttributeValues: { ":pk": `DLV#${integrationId}` },
          ScanIndexForward: false,
        },
        page,
        (item) => Number(item.expiresAt) > seconds(now),
      );
      return { items: found.items.map(toEvent), total: found.items.length, nextCursor: found.nextCursor };
    },

    async recentTurns(integrationId, conversationId, maxExchanges, now) {
      const found = await queryPage(
        {
          IndexName: "gsi1",
          KeyConditionExpression: "gsi1pk = :pk",
          ExpressionAttributeValues: { ":pk": `CONV#${integrationId}#${conversationId}` },
          ScanIndexForward: false,
        },
        { limit: maxExchanges },
        (item) => item.status === "done" && typeof item.answer === "string" && Number(item.expiresAt) > seconds(now),
      );
      const turns: ChatMessage[] = [];
      for (const item of found.items.reverse()) {
        const name = String(item.userName ?? "").replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 64);
        turns.push({ role: "user", content: String(item.text), ...(name ? { name } : {}) });
        turns.push({ role: "assistant", content: String(item.answer) });
      }
      return turns;
    },

    // API keys

    async putApiKey(record: ApiKeyRecord) {
      return conditional(() =>
        client.send(
          new PutCommand({
            TableName,
            Item: {
              pk: `KEY#${record.hash}`,
              sk: "KEY",
              kind: "apikey",
              gsi1pk: `OWNER#${record.owner}#KEY`,
              gsi1sk: record.createdAt,
              gsi2pk: "KEYS",
              gsi2sk: record.createdAt,
              ...record,
            },
            ConditionExpression: "attribute_not_exists(pk)",
          }),
        ),
      );
    },

    async findApiKey(hash) {
      const item = await get(`KEY#${hash}`, "KEY");
      return item ? strip<ApiKeyRecord>(item) : undefined;
    },

    async listApiKeys(owner) {
      const items = await queryAll({
        IndexName: "gsi1",
        KeyConditionExpression: "gsi1pk = :pk",
        ExpressionAttributeValues: { ":pk": `OWNER#${owner}#KEY` },
      });
      return items.map((item) => strip<ApiKeyRecord>(item));
    },

    async hasAnyApiKey() {
      const result = await client.send(
        new QueryCommand({
          TableName,
          IndexName: "gsi2",
          KeyConditionExpression: "gsi2pk = :pk",
          ExpressionAttributeValues: { ":pk": "KEYS" },
          Limit: 1,
        }),
      );
      return (result.Items ?? []).length > 0;
    },

    async revokeApiKey(hash, at) {
      return conditional(() =>
        client.send(
          new UpdateCommand({
            TableName,
            Key: { pk: `KEY#${hash}`, sk: "KEY" },
            UpdateExpression: "SET revokedAt = :at",
            ConditionExpression: "attribute_exists(pk)",
            ExpressionAttributeValues: { ":at": at },
          }),
        ),
      );
    },
  };
}
