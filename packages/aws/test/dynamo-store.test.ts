import { afterAll, beforeAll } from "vitest";
import { startEmbeddedDynamo } from "@patchbay/local";
import type { EmbeddedDynamo } from "@patchbay/local";
import { describeStoreContract } from "@patchbay/testing/contracts";
import { createDocumentClient, createDynamoStore, ensureTable } from "../src/index.ts";

let dynamo: EmbeddedDynamo;
let tables = 0;

beforeAll(async () => {
  dynamo = await startEmbeddedDynamo(null);
});
afterAll(async () => {
  await dynamo.close();
});

// The store that runs on AWS, through the AWS SDK, against the embedded DynamoDB emulator; a fresh table per test.
describeStoreContract("DynamoDB store on the embedded emulator", async () => {
  const client = createDocumentClient({
    endpoint: dynamo.endpoint,
    region: "local",
    credentials: dynamo.credentials,
  });
  const table = `contract-${++tables}`;
  await ensureTable(client, table);
  return createDynamoStore(client, table);
});
