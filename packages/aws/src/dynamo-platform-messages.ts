import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { DeliveryStore } from "@patchbay/core";
import { conditional, seconds } from "./dynamo-items.ts";

/**
 * How long a platform message's identity stays taken: longer than any platform redelivers (Telegram keeps
 * an update 24 hours, Slack retries for an hour, Discord resumes a Gateway session within minutes).
 */
export const PLATFORM_MESSAGE_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * Which integration took each platform message, keyed by the platform's own identity. The items live
 * outside every integration's partitions, so deleting an integration leaves them (and nothing they keep is
 * a message's text); they expire by TTL.
 */
export function createPlatformMessages(client: DynamoDBDocumentClient, TableName: string): Pick<DeliveryStore, "claimPlatformMessage"> {
  return {
    async claimPlatformMessage(identity, integrationId, now) {
      const Key = { pk: `PMSG#${identity}`, sk: "PMSG" };
      const taken = await conditional(() =>
        client.send(
          new PutCommand({
            TableName,
            Item: { ...Key, kind: "platform-message", integrationId, expiresAt: seconds(now + PLATFORM_MESSAGE_RETENTION_MS) },
            ConditionExpression: "attribute_not_exists(pk) OR integrationId = :me OR expiresAt < :now",
            ExpressionAttributeValues: { ":me": integrationId, ":now": seconds(now) },
          }),
        ),
      );
      if (taken) return null;
      const holder = await client.send(new GetCommand({ TableName, Key, ConsistentRead: true }));
      return typeof holder.Item?.integrationId === "string" ? holder.Item.integrationId : null;
    },
  };
}
