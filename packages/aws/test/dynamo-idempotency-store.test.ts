import { afterAll, beforeAll } from "vitest";
import { startEmbeddedDynamo } from "@patchbay/local";
import type { EmbeddedDynamo } from "@patchbay/local";
import { describeIdempotencyStoreContract } from "@patchbay/testing/contracts";
import { createDocumentClient, createDynamoIdempotencyStore, ensureTable } from "../src/index.ts";

let dynamo: EmbeddedDynamo;
let tables = 0;

beforeAll(async () => {
  dynamo = await startEmbeddedDynamo(null);
});
afterAll(async () => {
  await dynamo.close();
});

// The adapter that runs on AWS and locally, through the AWS SDK, against the embedded emulator; a fresh table per test.
describeIdempotencyStoreContract("DynamoDB on the embedded emulator", async () => {
  const client = createDocumentClient({ endpoint: dynamo.endpoint, region: "local", credentials: dynamo.credentials });
  const table = `idempotency-${++tables}`;
  await ensureTable(client, table);
  return createDynamoIdempotencyStore(client, table);
});
