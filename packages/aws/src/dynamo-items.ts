import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { GetCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import type { DynamoDBDocumentClient, QueryCommandInput } from "@aws-sdk/lib-dynamodb";
import { ValidationError } from "@patchbay/core";
import type { PageRequest } from "@patchbay/core";
import { TABLE_KEYS } from "./table-schema.ts";

/** One item of the single table, as the document client reads and writes it. */
export type Item = Record<string, unknown>;

const KEY_ATTRIBUTES = ["pk", "sk", "gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk", "expiresAt", "kind"];

/** The record of an item without the table's key and bookkeeping attributes (plus any `extra` named). */
export function strip<T>(item: Item, extra: readonly string[] = []): T {
  const copy: Item = { ...item };
  for (const key of KEY_ATTRIBUTES) delete copy[key];
  for (const key of extra) delete copy[key];
  return copy as T;
}

export const isConditionFailure = (error: unknown) => error instanceof ConditionalCheckFailedException;

/** Runs a conditional write: false when its condition did not hold; any other failure is thrown. */
export async function conditional(write: () => Promise<unknown>): Promise<boolean> {
  try {
    await write();
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

export const seconds = (ms: number) => Math.floor(ms / 1000);

type QueryInput = Omit<QueryCommandInput, "TableName" | "ExclusiveStartKey" | "Limit">;

/** The key attributes a query's page resumes from: the table's, plus the index's for an index query. */
function keyNames(indexName: string | undefined): string[] {
  const names: string[] = [TABLE_KEYS.partitionKey, TABLE_KEYS.sortKey];
  if (indexName !== undefined) {
    const index = TABLE_KEYS.indexes[indexName as keyof typeof TABLE_KEYS.indexes];
    names.push(index.partitionKey, index.sortKey);
  }
  return names;
}

/** The key of an item in the table and, for index queries, in that index: what a cursor resumes from. */
function keyOf(item: Item, indexName: string | undefined): Item {
  return Object.fromEntries(keyNames(indexName).map((name) => [name, item[name]]));
}

const badCursor = (cause?: unknown) =>
  Object.assign(new ValidationError([{ field: "cursor", message: "is not a cursor this list returned" }]), cause ? { cause } : {});

export function encodeCursor(key: Item): string {
  return Buffer.from(JSON.stringify(key)).toString("base64url");
}

/**
 * The start key in a cursor, checked against the query it is meant to resume: exactly that query's key
 * attributes, all strings, in the partition the query reads. Anything else is the client's mistake (or a
 * probe for another owner's partition), never a DynamoDB error.
 */
function decodeCursor(cursor: string | undefined, input: QueryInput): Item | undefined {
  if (!cursor) return undefined;
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch (error) {
    throw badCursor(error);
  }
  if (!key || typeof key !== "object" || Array.isArray(key)) throw badCursor();
  const names = keyNames(input.IndexName);
  const entries = Object.entries(key as Item);
  if (entries.length !== names.length || !entries.every(([name, value]) => names.includes(name) && typeof value === "string")) {
    throw badCursor();
  }
  const partitionKey = input.IndexName === undefined ? TABLE_KEYS.partitionKey : names[2]!;
  if ((key as Item)[partitionKey] !== input.ExpressionAttributeValues?.[":pk"]) throw badCursor();
  return key as Item;
}

/** Reads of one table: single items, whole queries, and pages that resume from a cursor. */
export function createTableReader(client: DynamoDBDocumentClient, TableName: string) {
  return {
    /** A strongly consistent read of one item. */
    get: async (pk: string, sk: string): Promise<Item | undefined> =>
      (await client.send(new GetCommand({ TableName, Key: { pk, sk }, ConsistentRead: true }))).Item,

    /** Pages through a query (its partition value bound to `:pk`), keeping only items `keep` accepts, until `limit` are found. */
    async queryPage(input: QueryInput, page: PageRequest, keep: (item: Item) => boolean = () => true): Promise<{ items: Item[]; nextCursor: string | null }> {
      const items: Item[] = [];
      let startKey = decodeCursor(page.cursor, input);
      let fromCursor = startKey !== undefined;
      for (;;) {
        let result;
        try {
          result = await client.send(new QueryCommand({ ...input, TableName, ExclusiveStartKey: startKey, Limit: page.limit - items.length }));
        } catch (error) {
          // What the checks above cannot see (a start key outside the query's range) DynamoDB refuses.
          if (fromCursor && (error as Error).name === "ValidationException") throw badCursor(error);
          throw error;
        }
        fromCursor = false;
        for (const item of result.Items ?? []) if (keep(item)) items.push(item);
        startKey = result.LastEvaluatedKey;
        if (!startKey) return { items, nextCursor: null };
        if (items.length >= page.limit) return { items, nextCursor: encodeCursor(keyOf(items[items.length - 1]!, input.IndexName)) };
      }
    },

    /** Every item a query matches. */
    async queryAll(input: Omit<QueryCommandInput, "TableName" | "ExclusiveStartKey">): Promise<Item[]> {
      const items: Item[] = [];
      let startKey: Item | undefined;
      do {
        const result = await client.send(new QueryCommand({ ...input, TableName, ExclusiveStartKey: startKey }));
        items.push(...(result.Items ?? []));
        startKey = result.LastEvaluatedKey;
      } while (startKey);
      return items;
    },
  };
}

export type TableReader = ReturnType<typeof createTableReader>;
