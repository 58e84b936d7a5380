import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import type { BatchGetCommandOutput, DynamoDBDocumentClient, QueryCommandInput } from "@aws-sdk/lib-dynamodb";
import { ValidationError, deliveryRef } from "@patchbay/core";
import type {
  ActivityEvent,
  ApiKeyRecord,
  BotClaim,
  ChatMessage,
  DeliveryClaim,
  DeliveryRef,
  IgnoreReason,
  Integration,
  IntegrationFilter,
  LastError,
  LoggedMessage,
  Page,
  PageRequest,
  Platform,
  Replica,
  ReplyJob,
  SeenChannel,
  Store,
} from "@patchbay/core";

/** How long message records (dedupe, history, activity) are kept. */
export const MESSAGE_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;
/**
 * Longest text the activity log keeps per message (the answer is produced from the full text). Keeps an
 * item far below DynamoDB's 400 KB whatever a platform sends.
 */
export const LOGGED_TEXT_LIMIT = 4000;

type Item = Record<string, unknown>;

const KEY_ATTRIBUTES = ["pk", "sk", "gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk", "expiresAt", "kind"];

function strip<T>(item: Item): T {
  const copy: Item = { ...item };
  for (const key of KEY_ATTRIBUTES) delete copy[key];
  return copy as T;
}

const isConditionFailure = (error: unknown) => error instanceof ConditionalCheckFailedException;

/** Runs a conditional write: false when its condition did not hold; any other failure is thrown. */
async function conditional(write: () => Promise<unknown>): Promise<boolean> {
  try {
    await write();
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

function encodeCursor(key: Item | undefined): string | null {
  return key ? Buffer.from(JSON.stringify(key)).toString("base64url") : null;
}

function decodeCursor(cursor: string | undefined): Item | undefined {
  if (!cursor) return undefined;
  try {
    const key = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (key && typeof key === "object" && !Array.isArray(key)) return key as Item;
  } catch {
    // fall through to the validation error
  }
  throw new ValidationError([{ field: "cursor", message: "is not a cursor this API returned" }]);
}

const seconds = (ms: number) => Math.floor(ms / 1000);

/** The whole store on one DynamoDB table, through the AWS SDK (on AWS and against the local emulator). */
export function createDynamoStore(client: DynamoDBDocumentClient, tableName: string): Store {
  const TableName = tableName;

  const get = async (pk: string, sk: string): Promise<Item | undefined> =>
    (await client.send(new GetCommand({ TableName, Key: { pk, sk }, ConsistentRead: true }))).Item;

  /** Pages through a query, keeping only items `keep` accepts, until `limit` are found. */
  const queryPage = async (
    input: Omit<QueryCommandInput, "TableName" | "ExclusiveStartKey" | "Limit">,
    page: PageRequest,
    keep: (item: Item) => boolean = () => true,
  ): Promise<{ items: Item[]; nextCursor: string | null }> => {
    const items: Item[] = [];
    let startKey = decodeCursor(page.cursor);
    for (;;) {
      const result = await client.send(
        new QueryCommand({ ...input, TableName, ExclusiveStartKey: startKey, Limit: page.limit - items.length }),
      );
      for (const item of result.Items ?? []) if (keep(item)) items.push(item);
      startKey = result.LastEvaluatedKey;
      if (!startKey) return { items, nextCursor: null };
      if (items.length >= page.limit) {
        const last = items[items.length - 1]!;
        return { items, nextCursor: encodeCursor(keyOf(last, input.IndexName)) };
      }
    }
  };

  const queryAll = async (input: Omit<QueryCommandInput, "TableName" | "ExclusiveStartKey">): Promise<Item[]> => {
    const items: Item[] = [];
    let startKey: Item | undefined;
    do {
      const result = await client.send(new QueryCommand({ ...input, TableName, ExclusiveStartKey: startKey }));
      items.push(...(result.Items ?? []));
      startKey = result.LastEvaluatedKey;
    } while (startKey);
    return items;
  };

  const integrationMatches = (filter: IntegrationFilter) => (item: Item) =>
    (!filter.platform || item.platform === filter.platform) && (!filter.replicaId || item.replicaId === filter.replicaId);

  const replicaItem = (replica: Replica): Item => ({
    pk: `RP#${replica.id}`,
    sk: "RP",
    kind: "replica",
    gsi1pk: `OWNER#${replica.owner}#RP`,
    gsi1sk: `${replica.createdAt}#${replica.id}`,
    ...replica,
  });

  const integrationItem = (integration: Integration): Item => ({
    pk: `INT#${integration.id}`,
    sk: "INT",
    kind: "integration",
    gsi1pk: `OWNER#${integration.owner}#INT`,
    gsi1sk: `${integration.createdAt}#${integration.id}`,
    gsi2pk: "INTS",
    gsi2sk: `${integration.createdAt}#${integration.id}`,
    ...integration,
  });

  const withCounters = (record: Item, stats: Item | undefined): Integration => ({
    ...strip<Integration>(record),
    messageCount: Number(stats?.messageCount ?? 0),
    lastMessageAt: typeof stats?.lastMessageAt === "string" ? stats.lastMessageAt : null,
  });

  /** Counters for a page of integration records, in one batch read. */
  const attachCounters = async (records: Item[]): Promise<Integration[]> => {
    if (records.length === 0) return [];
    const stats = new Map<string, Item>();
    let keys: Record<string, unknown>[] | undefined = records.map((r) => ({ pk: r.pk, sk: "STATS" }));
    while (keys && keys.length > 0) {
      const result: BatchGetCommandOutput = await client.send(new BatchGetCommand({ RequestItems: { [TableName]: { Keys: keys } } }));
      for (const item of result.Responses?.[TableName] ?? []) stats.set(String(item.pk), item);
      keys = result.UnprocessedKeys?.[TableName]?.Keys;
    }
    return records.map((record) => withCounters(record, stats.get(String(record.pk))));
  };

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

  /** Moves the lease of a message still in progress (a finished one keeps no lease). */
  const setLease = async (ref: DeliveryRef, until: number) => {
    await conditional(() =>
      client.send(
        new UpdateCommand({
          TableName,
          Key: deliveryKey(ref),
          UpdateExpression: "SET leaseUntil = :until",
          ConditionExpression: "#status = :processing",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: { ":until": until, ":processing": "processing" },
        }),
      ),
    );
  };

  const toEvent = (item: Item): ActivityEvent => {
    const base = {
      id: String(item.messageKey),
      at: String(item.at),
      chatId: String(item.chatId),
      userId: String(item.userId),
      text: String(item.text),
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
    async ping() {
      await client.send(new GetCommand({ TableName, Key: { pk: "PING", sk: "PING" } }));
    },

    // Replicas

    async createReplica(replica) {
      await client.send(
        new PutCommand({ TableName, Item: replicaItem(replica), ConditionExpression: "attribute_not_exists(pk)" }),
      );
    },

    async getReplica(owner, id) {
      const item = await get(`RP#${id}`, "RP");
      return item && item.owner === owner ? strip<Replica>(item) : undefined;
    },

    async listReplicas(owner) {
      const items = await queryAll({
        IndexName: "gsi1",
        KeyConditionExpression: "gsi1pk = :pk",
        ExpressionAttributeValues: { ":pk": `OWNER#${owner}#RP` },
      });
      return items.map((item) => strip<Replica>(item));
    },

    async saveReplica(replica) {
      return conditional(() =>
        client.send(
          new PutCommand({
            TableName,
            Item: replicaItem(replica),
            ConditionExpression: "attribute_exists(pk) AND #owner = :owner",
            ExpressionAttributeNames: { "#owner": "owner" },
            ExpressionAttributeValues: { ":owner": replica.owner },
          }),
        ),
      );
    },

    async deleteReplica(owner, id) {
      return conditional(() =>
        client.send(
          new DeleteCommand({
            TableName,
            Key: { pk: `RP#${id}`, sk: "RP" },
            ConditionExpression: "#owner = :owner",
            ExpressionAttributeNames: { "#owner": "owner" },
            ExpressionAttributeValues: { ":owner": owner },
          }),
        ),
      );
    },

    // Integrations

    async claimBot(platform: Platform, botId: string, integrationId: string, at: string): Promise<BotClaim> {
      try {
        await client.send(
          new PutCommand({
            TableName,
            Item: { pk: `BOT#${platform}#${botId}`, sk: "BOT", kind: "bot", integrationId, claimedAt: at },
            ConditionExpression: "attribute_not_exists(pk)",
          }),
        );
        return { claimed: true };
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        const holder = await get(`BOT#${platform}#${botId}`, "BOT");
        return { claimed: false, holder: String(holder?.integrationId ?? ""), claimedAt: String(holder?.claimedAt ?? "") };
      }
    },

    async releaseBot(platform, botId, integrationId) {
      await conditional(() =>
        client.send(
          new DeleteCommand({
            TableName,
            Key: { pk: `BOT#${platform}#${botId}`, sk: "BOT" },
            ConditionExpression: "integrationId = :id",
            ExpressionAttributeValues: { ":id": integrationId },
          }),
        ),
      );
    },

    async createIntegration(integration) {
      await client.send(
        new PutCommand({ TableName, Item: integrationItem(integration), ConditionExpression: "attribute_not_exists(pk)" }),
      );
    },

    async getIntegration(id) {
      // The record and its counters in one read: INT < STATS, and CHAN# items sort before both.
      const result = await client.send(
        new QueryCommand({
          TableName,
          KeyConditionExpression: "pk = :pk AND sk BETWEEN :int AND :stats",
          ExpressionAttributeValues: { ":pk": `INT#${id}`, ":int": "INT", ":stats": "STATS" },
          ConsistentRead: true,
        }),
      );
      const items = result.Items ?? [];
      const record = items.find((item) => item.sk === "INT");
      return record ? withCounters(record, items.find((item) => item.sk === "STATS")) : undefined;
    },

    async listIntegrations(owner, filter, page) {
      const input = {
        IndexName: "gsi1",
        KeyConditionExpression: "gsi1pk = :pk",
        ExpressionAttributeValues: { ":pk": `OWNER#${owner}#INT` },
      };
      const matches = integrationMatches(filter);
      const [found, all] = await Promise.all([queryPage(input, page, matches), queryAll(input)]);
      return {
        items: await attachCounters(found.items),
        total: all.filter(matches).length,
        nextCursor: found.nextCursor,
      };
    },

    async scanIntegrations(page) {
      const found = await queryPage(
        { IndexName: "gsi2", KeyConditionExpression: "gsi2pk = :pk", ExpressionAttributeValues: { ":pk": "INTS" } },
        page,
      );
      return { items: found.items.map((item) => strip<Integration>(item)), total: found.items.length, nextCursor: found.nextCursor };
    },

    async saveIntegration(integration) {
      // Counters (messageCount, lastMessageAt) are left alone: the responder updates them concurrently.
      const fields = {
        name: integration.name,
        replicaId: integration.replicaId,
        active: integration.active,
        registration: integration.registration,
        bot: integration.bot,
        channelIds: integration.channelIds,
        channels: integration.channels,
        guildId: integration.guildId,
        guildName: integration.guildName,
        workspaceId: integration.workspaceId,
        workspaceName: integration.workspaceName,
        mention: integration.mention,
        scope: integration.scope,
        threadAutoCreate: integration.threadAutoCreate,
        welcomeMessage: integration.welcomeMessage,
        tokenLast4: integration.tokenLast4,
        lastError: integration.lastError,
        validatedAt: integration.validatedAt,
        updatedAt: integration.updatedAt,
      };
      const names: Record<string, string> = {};
      const values: Record<string, unknown> = {};
      const sets = Object.entries(fields).map(([name, value], i) => {
        names[`#f${i}`] = name;
        values[`:v${i}`] = value;
        return `#f${i} = :v${i}`;
      });
      return conditional(() =>
        client.send(
          new UpdateCommand({
            TableName,
            Key: { pk: `INT#${integration.id}`, sk: "INT" },
            UpdateExpression: `SET ${sets.join(", ")}`,
            ConditionExpression: "attribute_exists(pk)",
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
          }),
        ),
      );
    },

    async recordReply(id, at) {
      await client.send(
        new UpdateCommand({
          TableName,
          Key: { pk: `INT#${id}`, sk: "STATS" },
          UpdateExpression: "ADD messageCount :one SET lastMessageAt = :at",
          ExpressionAttributeValues: { ":one": 1, ":at": at },
        }),
      );
    },

    async setRegistration(id, registration, lastError, at) {
      await conditional(() =>
        client.send(
          new UpdateCommand({
            TableName,
            Key: { pk: `INT#${id}`, sk: "INT" },
            UpdateExpression: "SET registration = :r, lastError = :e, updatedAt = :at",
            ConditionExpression: "attribute_exists(pk)",
            ExpressionAttributeValues: { ":r": registration, ":e": lastError, ":at": at },
          }),
        ),
      );
    },

    async recordError(id, lastError) {
      await conditional(() =>
        client.send(
          new UpdateCommand({
            TableName,
            Key: { pk: `INT#${id}`, sk: "INT" },
            UpdateExpression: "SET lastError = :e",
            ConditionExpression: "attribute_exists(pk)",
            ExpressionAttributeValues: { ":e": lastError },
          }),
        ),
      );
    },

    async deleteIntegration(id) {
      const items = await queryAll({
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": `INT#${id}` },
        ProjectionExpression: "pk, sk",
      });
      for (let i = 0; i < items.length; i += 25) {
        const batch = items.slice(i, i + 25).map((item) => ({ DeleteRequest: { Key: { pk: item.pk, sk: item.sk } } }));
        let pending: typeof batch | undefined = batch;
        while (pending && pending.length > 0) {
          const result = await client.send(new BatchWriteCommand({ RequestItems: { [TableName]: pending } }));
          pending = result.UnprocessedItems?.[TableName] as typeof batch | undefined;
        }
      }
    },

    async rememberChannel(integrationId, channel: SeenChannel) {
      await client.send(
        new PutCommand({ TableName, Item: { pk: `INT#${integrationId}`, sk: `CHAN#${channel.id}`, kind: "channel", ...channel } }),
      );
    },

    async seenChannels(integrationId) {
      const items = await queryAll({
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :chan)",
        ExpressionAttributeValues: { ":pk": `INT#${integrationId}`, ":chan": "CHAN#" },
      });
      return items
        .map((item) => strip<SeenChannel>(item))
        .sort((a, b) => b.lastSeenAt.localeCompare(a.lastSeenAt));
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
      const values: Record<string, unknown> = { ":processing": "processing", ":lease": now + leaseMs };
      const sets = ["#status = :processing", "leaseUntil = :lease"];
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
        };
      };
      try {
        // A message never taken (or only logged as ignored, or long expired) starts from nothing.
        return await claim(
          `SET ${sets.join(", ")}, partsSent = :zero, messageIds = :none REMOVE answer, #error, latencyMs`,
          "attribute_not_exists(pk) OR expiresAt < :nowSeconds OR #status = :ignored",
          { ":zero": 0, ":none": [], ":nowSeconds": seconds(now), ":ignored": "ignored" },
          { "#error": "error" },
        );
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
      try {
        // A failed message, or one whose worker vanished, resumes with the answer and parts already sent.
        return await claim(`SET ${sets.join(", ")}`, "#status = :failed OR (#status = :processing AND leaseUntil < :now)", {
          ":failed": "failed",
          ":now": now,
        });
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
      const current = await get(key.pk, key.sk);
      if (current?.status === "done") return { state: "done" };
      return { state: "busy", retryInMs: Math.max(1000, Number(current?.leaseUntil ?? now) - now) };
    },

    async saveAnswer(ref, answer) {
      await client.send(
        new UpdateCommand({
          TableName,
          Key: deliveryKey(ref),
          UpdateExpression: "SET answer = :answer",
          ExpressionAttributeValues: { ":answer": answer },
        }),
      );
    },

    async recordPartSent(ref, messageId, done) {
      if (!done) {
        await client.send(
          new UpdateCommand({
            TableName,
            Key: deliveryKey(ref),
            UpdateExpression: "SET partsSent = partsSent + :one, messageIds = list_append(messageIds, :id)",
            ExpressionAttributeValues: { ":one": 1, ":id": [messageId] },
          }),
        );
        return;
      }
      // Done: the answer and the history index keys arrive together, so the message enters gsi1 once.
      await client.send(
        new UpdateCommand({
          TableName,
          Key: deliveryKey(ref),
          UpdateExpression:
            "SET partsSent = partsSent + :one, messageIds = list_append(messageIds, :id), #status = :done, latencyMs = :latency, answer = :answer, " +
            "gsi1pk = :conversation, gsi1sk = :sk REMOVE leaseUntil",
          ConditionExpression: "attribute_exists(pk)",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: {
            ":one": 1,
            ":id": [messageId],
            ":done": "done",
            ":latency": done.latencyMs,
            ":answer": done.answer,
            ":conversation": `CONV#${ref.integrationId}#${ref.conversationId}`,
            ":sk": deliveryKey(ref).sk,
          },
        }),
      );
    },

    renewLease: (ref, until) => setLease(ref, until),

    releaseDelivery: (ref) => setLease(ref, 0),

    async recordFailure(ref, error) {
      await conditional(() =>
        client.send(
          new UpdateCommand({
            TableName,
            Key: deliveryKey(ref),
            UpdateExpression: "SET #status = :failed, #error = :error REMOVE leaseUntil",
            ConditionExpression: "attribute_exists(pk) AND #status <> :done",
            ExpressionAttributeNames: { "#status": "status", "#error": "error" },
            ExpressionAttributeValues: { ":failed": "failed", ":error": error, ":done": "done" },
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

/** The key of an item in the table and, for index queries, in that index: what a cursor resumes from. */
function keyOf(item: Item, indexName: string | undefined): Item {
  const key: Item = { pk: item.pk, sk: item.sk };
  if (indexName === "gsi1") Object.assign(key, { gsi1pk: item.gsi1pk, gsi1sk: item.gsi1sk });
  if (indexName === "gsi2") Object.assign(key, { gsi2pk: item.gsi2pk, gsi2sk: item.gsi2sk });
  return key;
}
