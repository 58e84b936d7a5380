import { TABLE_KEYS } from "../packages/aws/src/table-schema.ts";

/**
 * The single table. Its key and index names come from the store's own schema
 * (`packages/aws/src/table-schema.ts`), so the two cannot drift apart.
 * Only key attributes are declared: DynamoDB rejects attribute definitions that no key uses,
 * which is why the TTL attribute is not in `fields`.
 */
export function createTable() {
  const { partitionKey, sortKey, indexes, ttlAttribute } = TABLE_KEYS;
  return new sst.aws.Dynamo("Table", {
    fields: {
      [partitionKey]: "string",
      [sortKey]: "string",
      [indexes.gsi1.partitionKey]: "string",
      [indexes.gsi1.sortKey]: "string",
      [indexes.gsi2.partitionKey]: "string",
      [indexes.gsi2.sortKey]: "string",
    },
    primaryIndex: { hashKey: partitionKey, rangeKey: sortKey },
    globalIndexes: {
      gsi1: { hashKey: indexes.gsi1.partitionKey, rangeKey: indexes.gsi1.sortKey },
      gsi2: { hashKey: indexes.gsi2.partitionKey, rangeKey: indexes.gsi2.sortKey },
    },
    ttl: ttlAttribute,
  });
}
