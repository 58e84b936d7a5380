import { BatchGetCommand, BatchWriteCommand, DeleteCommand, PutCommand, QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { BatchGetCommandOutput, DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { ConflictError, withReplicaDefaults } from "@patchbay/core";
import type { BotClaim, Integration, IntegrationFilter, IntegrationStore, Platform, Replica, ReplicaStore, SeenChannel, WriteOutcome } from "@patchbay/core";
import { gatewayLeaseKey } from "./dynamo-gateway-leases.ts";
import { conditional, isConditionFailure, strip } from "./dynamo-items.ts";
import type { Item, TableReader } from "./dynamo-items.ts";

/**
 * An attachment of an integration to a replica older than this whose integration does not point there is
 * the leftover of a request that crashed between its writes (a younger one may be a create or a re-point
 * in progress); deleting the replica drops it.
 */
export const ABANDONED_ATTACHMENT_MS = 2 * 60 * 1000;

/** Attributes of a replica item that are bookkeeping, not part of the record: which integrations use it. */
const REPLICA_BOOKKEEPING = ["users"];
/** Attributes of an integration item that are bookkeeping: the tombstone of a delete in progress. */
const INTEGRATION_BOOKKEEPING = ["retiredAt"];
/** Fields a replica keeps from its creation. */
const REPLICA_IDENTITY = new Set(["id", "owner", "createdAt"]);

/** The one item that remembers where the reconciler's walk stopped (no gsi: scans never list it). */
const RECONCILER_KEY = { pk: "RECONCILER", sk: "CURSOR" };

/** What a record write is conditional on, beyond the record existing. */
const LIVE = "attribute_exists(pk) AND attribute_not_exists(retiredAt)";

export interface RecordOptions {
  /** Milliseconds since the epoch (when an abandoned attachment is old enough to drop). */
  now: () => number;
}

/**
 * Replicas, integrations, bot claims and seen chats. No transactions (the local emulator has none), so
 * every invariant that spans two items is kept by conditional writes in a fixed order:
 * - an integration item carries a `revision`; every write of it is conditional on it (or bumps it when it
 *   only sets fields nobody else derives from), so a stale read can never be written back;
 * - a delete first retires the integration (a tombstone no write gets past), so whatever was running
 *   against it when it went notices and undoes its own platform and vault work;
 * - a replica item lists the integrations attached to it (`users`), attached before an integration points
 *   at it and detached after it stops; a replica with users cannot be deleted.
 */
export function createIntegrationRecords(
  client: DynamoDBDocumentClient,
  TableName: string,
  table: TableReader,
  options: RecordOptions,
): ReplicaStore & IntegrationStore {
  const { get, queryPage, queryAll } = table;

  const replicaKey = (id: string) => ({ pk: `RP#${id}`, sk: "RP" });
  const integrationKey = (id: string) => ({ pk: `INT#${id}`, sk: "INT" });
  // Replicas stored before stream/temperature/max_output_tokens existed read with their defaults.
  const toReplica = (item: Item) => withReplicaDefaults(strip<Replica>(item, REPLICA_BOOKKEEPING));

  const integrationItem = (integration: Integration): Item => ({
    ...integrationKey(integration.id),
    kind: "integration",
    gsi1pk: `OWNER#${integration.owner}#INT`,
    gsi1sk: `${integration.createdAt}#${integration.id}`,
    gsi2pk: "INTS",
    gsi2sk: `${integration.createdAt}#${integration.id}`,
    ...integration,
  });

  const toIntegration = (record: Item, stats: Item | undefined): Integration => ({
    ...strip<Integration>(record, INTEGRATION_BOOKKEEPING),
    // Integrations stored before `delivery` existed all received by webhook.
    delivery: (record.delivery as Integration["delivery"] | undefined) ?? "webhook",
    revision: Number(record.revision ?? 0),
    messageCount: Number(stats?.messageCount ?? 0),
    lastMessageAt: typeof stats?.lastMessageAt === "string" ? stats.lastMessageAt : null,
  });

  /** Counters for a page of integration records, in one batch read. */
  const withCounters = async (records: Item[]): Promise<Integration[]> => {
    if (records.length === 0) return [];
    const stats = new Map<string, Item>();
    let keys: Record<string, unknown>[] | undefined = records.map((r) => ({ pk: r.pk, sk: "STATS" }));
    while (keys && keys.length > 0) {
      const result: BatchGetCommandOutput = await client.send(new BatchGetCommand({ RequestItems: { [TableName]: { Keys: keys } } }));
      for (const item of result.Responses?.[TableName] ?? []) stats.set(String(item.pk), item);
      keys = result.UnprocessedKeys?.[TableName]?.Keys;
    }
    return records.map((record) => toIntegration(record, stats.get(String(record.pk))));
  };

  const matches = (filter: IntegrationFilter) => (item: Item) =>
    (!filter.platform || item.platform === filter.platform) && (!filter.replicaId || item.replicaId === filter.replicaId);

  /** Sets fields of a live integration record, bumping its revision; false when it is gone or retired. */
  const setFields = (id: string, fields: Record<string, unknown>) => {
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = { ":one": 1 };
    const sets = Object.entries(fields).map(([name, value], i) => {
      names[`#f${i}`] = name;
      values[`:v${i}`] = value;
      return `#f${i} = :v${i}`;
    });
    return conditional(() =>
      client.send(
        new UpdateCommand({
          TableName,
          Key: integrationKey(id),
          UpdateExpression: `SET ${sets.join(", ")} ADD revision :one`,
          ConditionExpression: LIVE,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      ),
    );
  };

  /** Deletes every item of a partition, 25 at a time. */
  const deletePartition = async (pk: string) => {
    const items = await queryAll({ KeyConditionExpression: "pk = :pk", ExpressionAttributeValues: { ":pk": pk }, ProjectionExpression: "pk, sk" });
    for (let i = 0; i < items.length; i += 25) {
      let pending: Record<string, unknown>[] | undefined = items.slice(i, i + 25).map((item) => ({ DeleteRequest: { Key: { pk: item.pk, sk: item.sk } } }));
      while (pending && pending.length > 0) {
        const result = await client.send(new BatchWriteCommand({ RequestItems: { [TableName]: pending } }));
        pending = result.UnprocessedItems?.[TableName] as Record<string, unknown>[] | undefined;
      }
    }
  };

  /** Drops a replica's attachments that no integration stands behind any more; whether any was dropped. */
  const dropAbandonedAttachments = async (replicaId: string, users: Record<string, string>): Promise<boolean> => {
    let dropped = false;
    for (const [integrationId, at] of Object.entries(users)) {
      const record = await get(`INT#${integrationId}`, "INT");
      const retired = record !== undefined && record.retiredAt !== undefined;
      const pointsHere = record !== undefined && !retired && record.replicaId === replicaId;
      const old = options.now() - Date.parse(at) > ABANDONED_ATTACHMENT_MS;
      // A retired record can never point anywhere again; a missing or elsewhere-pointing one may be mid-write.
      if (pointsHere || (!retired && !old)) continue;
      dropped =
        (await conditional(() =>
          client.send(
            new UpdateCommand({
              TableName,
              Key: replicaKey(replicaId),
              UpdateExpression: "REMOVE #users.#id",
              ConditionExpression: "#users.#id = :at",
              ExpressionAttributeNames: { "#users": "users", "#id": integrationId },
              ExpressionAttributeValues: { ":at": at },
            }),
          ),
        )) || dropped;
    }
    return dropped;
  };

  return {
    // Replicas

    async createReplica(replica) {
      await client.send(
        new PutCommand({
          TableName,
          Item: { ...replicaKey(replica.id), kind: "replica", gsi1pk: `OWNER#${replica.owner}#RP`, gsi1sk: `${replica.createdAt}#${replica.id}`, ...replica, users: {} },
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      );
    },

    async getReplica(owner, id) {
      const item = await get(`RP#${id}`, "RP");
      return item && item.owner === owner ? toReplica(item) : undefined;
    },

    async listReplicas(owner, page) {
      const input = { IndexName: "gsi1", KeyConditionExpression: "gsi1pk = :pk", ExpressionAttributeValues: { ":pk": `OWNER#${owner}#RP` } };
      const [found, all] = await Promise.all([queryPage(input, page), queryAll(input)]);
      return { items: found.items.map(toReplica), total: all.length, nextCursor: found.nextCursor };
    },

    async saveReplica(replica) {
      // Only the settings: the item's list of attached integrations is written concurrently by others.
      const names: Record<string, string> = { "#owner": "owner" };
      const values: Record<string, unknown> = { ":owner": replica.owner };
      const sets = Object.entries(replica)
        .filter(([name, value]) => !REPLICA_IDENTITY.has(name) && value !== undefined)
        .map(([name, value], i) => {
          names[`#f${i}`] = name;
          values[`:v${i}`] = value;
          return `#f${i} = :v${i}`;
        });
      return conditional(() =>
        client.send(
          new UpdateCommand({
            TableName,
            Key: replicaKey(replica.id),
            UpdateExpression: `SET ${sets.join(", ")}`,
            ConditionExpression: "attribute_exists(pk) AND #owner = :owner",
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
          }),
        ),
      );
    },

    async deleteReplica(owner, id) {
      for (let attempt = 0; ; attempt++) {
        const deleted = await conditional(() =>
          client.send(
            new DeleteCommand({
              TableName,
              Key: replicaKey(id),
              ConditionExpression: "#owner = :owner AND (attribute_not_exists(#users) OR size(#users) = :none)",
              ExpressionAttributeNames: { "#owner": "owner", "#users": "users" },
              ExpressionAttributeValues: { ":owner": owner, ":none": 0 },
            }),
          ),
        );
        if (deleted) return true;
        const item = await get(`RP#${id}`, "RP");
        if (!item || item.owner !== owner) return false;
        const users = (item.users ?? {}) as Record<string, string>;
        if (attempt === 0 && (await dropAbandonedAttachments(id, users))) continue;
        const ids = Object.keys(users);
        throw new ConflictError(`Replica "${id}" is used by ${ids.length} integration(s); delete or move them first.`, { integration_ids: ids });
      }
    },

    async attachReplica(owner, replicaId, integrationId, at) {
      for (let attempt = 0; attempt < 3; attempt++) {
        const item = await get(`RP#${replicaId}`, "RP");
        if (!item || item.owner !== owner) return false;
        // Replicas stored before attachments existed have no map yet: the first attachment creates it.
        const hasMap = item.users !== undefined;
        const attached = await conditional(() =>
          client.send(
            new UpdateCommand({
              TableName,
              Key: replicaKey(replicaId),
              UpdateExpression: hasMap ? "SET #users.#id = :at" : "SET #users = :map",
              ConditionExpression: `attribute_exists(pk) AND #owner = :owner AND ${hasMap ? "attribute_exists(#users)" : "attribute_not_exists(#users)"}`,
              ExpressionAttributeNames: { "#owner": "owner", "#users": "users", ...(hasMap ? { "#id": integrationId } : {}) },
              ExpressionAttributeValues: { ":owner": owner, ...(hasMap ? { ":at": at } : { ":map": { [integrationId]: at } }) },
            }),
          ),
        );
        if (attached) return true;
      }
      return false;
    },

    async detachReplica(replicaId, integrationId) {
      await conditional(() =>
        client.send(
          new UpdateCommand({
            TableName,
            Key: replicaKey(replicaId),
            UpdateExpression: "REMOVE #users.#id",
            ConditionExpression: "attribute_exists(#users)",
            ExpressionAttributeNames: { "#users": "users", "#id": integrationId },
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
      await client.send(new PutCommand({ TableName, Item: integrationItem(integration), ConditionExpression: "attribute_not_exists(pk)" }));
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
      if (!record || record.retiredAt !== undefined) return undefined;
      return toIntegration(record, items.find((item) => item.sk === "STATS"));
    },

    async listIntegrations(owner, filter, page) {
      const input = { IndexName: "gsi1", KeyConditionExpression: "gsi1pk = :pk", ExpressionAttributeValues: { ":pk": `OWNER#${owner}#INT` } };
      const keep = matches(filter);
      const [found, all] = await Promise.all([queryPage(input, page, keep), queryAll(input)]);
      return { items: await withCounters(found.items), total: all.filter(keep).length, nextCursor: found.nextCursor };
    },

    async scanIntegrations(page) {
      const found = await queryPage({ IndexName: "gsi2", KeyConditionExpression: "gsi2pk = :pk", ExpressionAttributeValues: { ":pk": "INTS" } }, page);
      return { items: found.items.map((item) => toIntegration(item, undefined)), total: found.items.length, nextCursor: found.nextCursor };
    },

    async reconcilerCursor() {
      const item = await get(RECONCILER_KEY.pk, RECONCILER_KEY.sk);
      return typeof item?.cursor === "string" ? item.cursor : null;
    },

    async saveReconcilerCursor(cursor) {
      await client.send(new PutCommand({ TableName, Item: { ...RECONCILER_KEY, kind: "reconciler", cursor } }));
    },

    async saveIntegration(integration): Promise<WriteOutcome> {
      // Counters (messageCount, lastMessageAt) live in their own item: the responder updates them concurrently.
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
        delivery: integration.delivery,
        tokenLast4: integration.tokenLast4,
        lastError: integration.lastError,
        validatedAt: integration.validatedAt,
        updatedAt: integration.updatedAt,
        revision: integration.revision + 1,
      };
      const names: Record<string, string> = {};
      const values: Record<string, unknown> = { ":read": integration.revision };
      const sets = Object.entries(fields).map(([name, value], i) => {
        names[`#f${i}`] = name;
        values[`:v${i}`] = value;
        return `#f${i} = :v${i}`;
      });
      // Records written before revisions existed read as revision 0.
      const unchanged = integration.revision === 0 ? "(attribute_not_exists(revision) OR revision = :read)" : "revision = :read";
      const saved = await conditional(() =>
        client.send(
          new UpdateCommand({
            TableName,
            Key: integrationKey(integration.id),
            UpdateExpression: `SET ${sets.join(", ")}`,
            ConditionExpression: `${LIVE} AND ${unchanged}`,
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
          }),
        ),
      );
      if (saved) return "saved";
      const current = await get(`INT#${integration.id}`, "INT");
      return current && current.retiredAt === undefined ? "conflict" : "missing";
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

    setRegistration: (id, registration, lastError, at) => setFields(id, { registration, lastError, updatedAt: at }),

    async recordError(id, lastError) {
      await setFields(id, { lastError });
    },

    async retireIntegration(id, at) {
      try {
        const result = await client.send(
          new UpdateCommand({
            TableName,
            Key: integrationKey(id),
            // Out of the owner's index at once, so lists and totals no longer show it; the scan index stays, so an
            // interrupted delete is finished by the reconciler.
            UpdateExpression: "SET retiredAt = :at REMOVE gsi1pk, gsi1sk ADD revision :one",
            ConditionExpression: LIVE,
            ExpressionAttributeValues: { ":at": at, ":one": 1 },
            ReturnValues: "ALL_NEW",
          }),
        );
        return toIntegration(result.Attributes ?? {}, undefined);
      } catch (error) {
        if (isConditionFailure(error)) return undefined;
        throw error;
      }
    },

    async deleteIntegration(id) {
      // The user texts and answers go with the integration, not 7 days later.
      await deletePartition(`DLV#${id}`);
      await deletePartition(`INT#${id}`);
      await client.send(new DeleteCommand({ TableName, Key: gatewayLeaseKey(id) }));
    },

    async rememberChannel(integrationId, channel: SeenChannel) {
      await client.send(new PutCommand({ TableName, Item: { pk: `INT#${integrationId}`, sk: `CHAN#${channel.id}`, kind: "channel", ...channel } }));
    },

    async seenChannels(integrationId) {
      const items = await queryAll({
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :chan)",
        ExpressionAttributeValues: { ":pk": `INT#${integrationId}`, ":chan": "CHAN#" },
      });
      return items.map((item) => strip<SeenChannel>(item)).sort((a, b) => b.lastSeenAt.localeCompare(a.lastSeenAt));
    },
  };
}
