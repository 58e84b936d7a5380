import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { GatewayLeaseClaim, GatewayLeaseStore, GatewayResume } from "@patchbay/core";
import { conditional, isConditionFailure, seconds } from "./dynamo-items.ts";
import type { Item, TableReader } from "./dynamo-items.ts";

/** Every lease in one partition: a listener reads them all in one query instead of trying each integration. */
const PARTITION = "GATEWAY";
/**
 * A lease outlives its last holder this long before DynamoDB's TTL may drop it: a session is resumable for
 * minutes only, and a take racing the integration's delete would otherwise leave the item behind for good.
 */
const LEASE_RETENTION_MS = 24 * 60 * 60 * 1000;

const resumeOf = (item: Item | undefined): GatewayResume | null => {
  const resume = item?.resume as GatewayResume | undefined;
  return resume ? { sessionId: resume.sessionId, sequence: Number(resume.sequence), resumeUrl: resume.resumeUrl, savedAt: Number(resume.savedAt) } : null;
};

/** The item of an integration's lease (deleted with the integration). */
export const gatewayLeaseKey = (integrationId: string) => ({ pk: PARTITION, sk: integrationId });

export function createGatewayLeases(client: DynamoDBDocumentClient, TableName: string, table: TableReader): GatewayLeaseStore {
  const key = gatewayLeaseKey;

  return {
    async takeGatewayLease(integrationId, holder, now, { until, endsBy }): Promise<GatewayLeaseClaim> {
      try {
        const result = await client.send(
          new UpdateCommand({
            TableName,
            Key: key(integrationId),
            UpdateExpression: "SET kind = :kind, holder = :holder, #until = :until, endsBy = :endsBy, expiresAt = :expires",
            // Free (never taken, or handed over), ours already, or its holder's time is up (crashed, or too slow to renew).
            ConditionExpression: "attribute_not_exists(holder) OR holder = :holder OR #until <= :now",
            ExpressionAttributeNames: { "#until": "until" },
            ExpressionAttributeValues: {
              ":kind": "gateway-lease",
              ":holder": holder,
              ":until": until,
              ":endsBy": endsBy,
              ":now": now,
              ":expires": seconds(until + LEASE_RETENTION_MS),
            },
            ReturnValues: "ALL_NEW",
          }),
        );
        return { taken: true, resume: resumeOf(result.Attributes) };
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        const current = await table.get(PARTITION, integrationId);
        return { taken: false, lease: { holder: String(current?.holder ?? ""), until: Number(current?.until ?? 0), endsBy: Number(current?.endsBy ?? 0) } };
      }
    },

    async renewGatewayLease(integrationId, holder, until, resume) {
      return conditional(() =>
        client.send(
          new UpdateCommand({
            TableName,
            Key: key(integrationId),
            // One write per renewal, the session riding along: a crashed holder's successor RESUMEs from it.
            UpdateExpression: `SET #until = :until, expiresAt = :expires${resume ? ", #resume = :resume" : ""}`,
            ConditionExpression: "holder = :holder",
            ExpressionAttributeNames: { "#until": "until", ...(resume ? { "#resume": "resume" } : {}) },
            ExpressionAttributeValues: { ":holder": holder, ":until": until, ":expires": seconds(until + LEASE_RETENTION_MS), ...(resume ? { ":resume": resume } : {}) },
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
            UpdateExpression: resume ? "SET #resume = :resume, #until = :zero REMOVE holder" : "SET #until = :zero REMOVE holder, #resume",
            ConditionExpression: "holder = :holder",
            ExpressionAttributeNames: { "#until": "until", "#resume": "resume" },
            ExpressionAttributeValues: { ":holder": holder, ":zero": 0, ...(resume ? { ":resume": resume } : {}) },
          }),
        ),
      );
    },

    async heldGatewayLeases() {
      const items = await table.queryAll({
        KeyConditionExpression: "pk = :pk",
        FilterExpression: "attribute_exists(holder)",
        ExpressionAttributeValues: { ":pk": PARTITION },
        ProjectionExpression: "sk, holder, #until, endsBy",
        ExpressionAttributeNames: { "#until": "until" },
        ConsistentRead: true,
      });
      return items.map((item) => ({ integrationId: String(item.sk), holder: String(item.holder), until: Number(item.until), endsBy: Number(item.endsBy) }));
    },
  };
}
