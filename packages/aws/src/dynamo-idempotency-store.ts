import { DeleteCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { IdempotencyRecord, IdempotencyStore } from "@patchbay/core";
import { conditional, createTableReader, seconds } from "./dynamo-items.ts";
import type { Item } from "./dynamo-items.ts";

/** A claim found gone or lapsed right after it refused ours is taken again; this often, then it is a fault. */
const CLAIM_ATTEMPTS = 3;

// Every attribute the expressions name goes through a placeholder: `state`, `status` and `token` are reserved words.
const NAMES = { "#state": "state", "#status": "status", "#body": "body", "#token": "token" };

/**
 * Idempotency-Key records on the single table: IDEM#{owner} / {key}, one item per key, `expiresAt` 24 h after
 * the first request (reads honour it; TTL only cleans up). The claim is a conditional put, so of two requests
 * with one key at the same moment exactly one runs.
 */
export function createDynamoIdempotencyStore(client: DynamoDBDocumentClient, tableName: string): IdempotencyStore {
  const TableName = tableName;
  const { get } = createTableReader(client, TableName);
  const keyOf = (owner: string, key: string) => ({ pk: `IDEM#${owner}`, sk: key });
  const heldBy = (token: string) => ({
    ConditionExpression: "#token = :token AND #state = :inProgress",
    ExpressionAttributeValues: { ":token": token, ":inProgress": "in_progress" },
  });

  /** The record an item holds, or undefined once it has expired or its request's lease has run out unanswered. */
  const liveRecord = (item: Item | undefined, now: number): IdempotencyRecord | undefined => {
    if (!item || Number(item.expiresAt) < seconds(now)) return undefined;
    const fingerprint = String(item.fingerprint);
    if (item.state === "completed") return { state: "completed", fingerprint, response: { status: Number(item.status), body: String(item.body) } };
    return Number(item.leaseUntil) < now ? undefined : { state: "in_progress", fingerprint };
  };

  return {
    async claim({ owner, key, fingerprint, token, leaseUntil, expiresAt }, now) {
      for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
        const claimed = await conditional(() =>
          client.send(
            new PutCommand({
              TableName,
              Item: { ...keyOf(owner, key), kind: "idempotency", state: "in_progress", fingerprint, token, leaseUntil, expiresAt: seconds(expiresAt) },
              ConditionExpression: "attribute_not_exists(pk) OR expiresAt < :now OR (#state = :inProgress AND leaseUntil < :nowMs)",
              ExpressionAttributeNames: { "#state": NAMES["#state"] },
              ExpressionAttributeValues: { ":now": seconds(now), ":nowMs": now, ":inProgress": "in_progress" },
            }),
          ),
        );
        if (claimed) return { claimed: true };
        const record = liveRecord(await get(`IDEM#${owner}`, key), now);
        if (record) return { claimed: false, record };
      }
      throw new Error(`Idempotency key claim kept changing under ${CLAIM_ATTEMPTS} attempts.`);
    },

    async complete(owner, key, token, response) {
      return conditional(() =>
        client.send(
          new UpdateCommand({
            TableName,
            Key: keyOf(owner, key),
            UpdateExpression: "SET #state = :completed, #status = :status, #body = :body REMOVE leaseUntil",
            ...heldBy(token),
            ExpressionAttributeNames: NAMES,
            ExpressionAttributeValues: { ...heldBy(token).ExpressionAttributeValues, ":completed": "completed", ":status": response.status, ":body": response.body },
          }),
        ),
      );
    },

    async release(owner, key, token) {
      await conditional(() =>
        client.send(
          new DeleteCommand({
            TableName,
            Key: keyOf(owner, key),
            ...heldBy(token),
            ExpressionAttributeNames: { "#state": NAMES["#state"], "#token": NAMES["#token"] },
          }),
        ),
      );
    },
  };
}
