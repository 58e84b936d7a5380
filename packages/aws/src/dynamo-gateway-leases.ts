import { PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { GatewayLease, GatewayLeaseClaim, GatewayLeaseStore, GatewayResume } from "@patchbay/core";
import { conditional, isConditionFailure, seconds } from "./dynamo-items.ts";
import type { Item, TableReader } from "./dynamo-items.ts";

/** Every lease in one partition: a listener reads them all in one query instead of trying each integration. */
const PARTITION = "GATEWAY";
/** Holders apart from the leases, so the query reads only the leases; a pass then reads the few holders they name. */
const HOLDERS = "GATEWAY-HOLDER";
/**
 * An item outlives its last write this long before DynamoDB's TTL may drop it: a session is resumable for
 * minutes only, and a take racing the integration's delete would otherwise leave the item behind for good.
 */
const RETENTION_MS = 24 * 60 * 60 * 1000;

const resumeOf = (item: Item | undefined): GatewayResume | null => {
  const resume = item?.resume as GatewayResume | undefined;
  return resume ? { sessionId: resume.sessionId, sequence: Number(resume.sequence), resumeUrl: resume.resumeUrl, savedAt: Number(resume.savedAt) } : null;
};

/** The item of an integration's lease (deleted with the integration). */
export const gatewayLeaseKey = (integrationId: string) => ({ pk: PARTITION, sk: integrationId });

export function createGatewayLeases(client: DynamoDBDocumentClient, TableName: string, table: TableReader): GatewayLeaseStore {
  const key = gatewayLeaseKey;

  /** A holder's lease on its leases; one that never renewed itself has none (0). */
  const termOf = async (holder: string): Promise<GatewayLease> => {
    const item = await table.get(HOLDERS, holder);
    return { holder, until: Number(item?.until ?? 0), endsBy: Number(item?.endsBy ?? 0) };
  };

  return {
    async renewGatewayHolder(holder, until, endsBy) {
      await client.send(
        new PutCommand({ TableName, Item: { pk: HOLDERS, sk: holder, kind: "gateway-holder", until, endsBy, expiresAt: seconds(until + RETENTION_MS) } }),
      );
    },

    async takeGatewayLease(integrationId, holder, now): Promise<GatewayLeaseClaim> {
      const current = (await table.get(PARTITION, integrationId))?.holder as string | undefined;
      if (current !== undefined && current !== holder) {
        const lease = await termOf(current);
        if (lease.until > now) return { taken: false, lease };
      }
      try {
        const result = await client.send(
          new UpdateCommand({
            TableName,
            Key: key(integrationId),
            UpdateExpression: "SET kind = :kind, holder = :holder, expiresAt = :expires",
            // Still as read: free (never taken, or handed over), or held by the holder found run out (crashed, or stalled).
            ConditionExpression: current === undefined ? "attribute_not_exists(holder)" : "holder = :current",
            ExpressionAttributeValues: {
              ":kind": "gateway-lease",
              ":holder": holder,
              ":expires": seconds(now + RETENTION_MS),
              ...(current === undefined ? {} : { ":current": current }),
            },
            ReturnValues: "ALL_NEW",
          }),
        );
        return { taken: true, resume: resumeOf(result.Attributes) };
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        // Another instance took it since it was read.
        const taker = (await table.get(PARTITION, integrationId))?.holder;
        return { taken: false, lease: await termOf(String(taker ?? "")) };
      }
    },

    async saveGatewayResume(integrationId, holder, resume) {
      return conditional(() =>
        client.send(
          new UpdateCommand({
            TableName,
            Key: key(integrationId),
            UpdateExpression: "SET #resume = :resume",
            ConditionExpression: "holder = :holder",
            ExpressionAttributeNames: { "#resume": "resume" },
            ExpressionAttributeValues: { ":holder": holder, ":resume": resume },
          }),
        ),
      );
    },

    async releaseGatewayLease(integrationId, holder, resume) {
      return conditional(() =>
        client.send(
          new UpdateCommand({
            TableName,
            Key: key(integrationId),
            UpdateExpression: resume ? "SET #resume = :resume REMOVE holder" : "REMOVE holder, #resume",
            ConditionExpression: "holder = :holder",
            ExpressionAttributeNames: { "#resume": "resume" },
            ExpressionAttributeValues: { ":holder": holder, ...(resume ? { ":resume": resume } : {}) },
          }),
        ),
      );
    },

    async heldGatewayLeases() {
      const items = await table.queryAll({
        KeyConditionExpression: "pk = :pk",
        FilterExpression: "attribute_exists(holder)",
        ExpressionAttributeValues: { ":pk": PARTITION },
        ProjectionExpression: "sk, holder",
        ConsistentRead: true,
      });
      const holders = new Map<string, GatewayLease>();
      await Promise.all([...new Set(items.map((item) => String(item.holder)))].map(async (holder) => holders.set(holder, await termOf(holder))));
      return items.map((item) => ({ integrationId: String(item.sk), ...holders.get(String(item.holder))! }));
    },
  };
}
