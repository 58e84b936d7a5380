import { createHash } from "node:crypto";
import { chmod, lstat, mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { createDocumentClient, ensureTable } from "@patchbay/aws";
import type { AddressInfo } from "node:net";
import dynalite from "dynalite";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { DYNAMO_CREDENTIALS_FILE, startEmbeddedDynamoThread } from "../src/embedded-dynamo.ts";
import { readLocalConfig } from "../src/config.ts";
import { DYNAMO_ENDPOINT_FILE, LOCAL_TABLE_NAME, startLocalStack } from "../src/local-stack.ts";
import { startHarness } from "./harness.ts";
import type { Harness } from "./harness.ts";
import { tempDataDir } from "./helpers.ts";

let h: Harness;
let endpoint: string;

beforeAll(async () => {
  h = await startHarness();
  endpoint = (await readFile(join(h.dataDir, DYNAMO_ENDPOINT_FILE), "utf8")).trim();
});
afterAll(async () => {
  await h.close();
});

const MINTED_KEY = "pb_minted_by_an_intruder_0000000";
/** The item that would make MINTED_KEY a valid API key of owner alice. */
const mintedKeyItem = () => {
  const hash = createHash("sha256").update(MINTED_KEY).digest("hex");
  const at = new Date().toISOString();
  return { pk: `KEY#${hash}`, sk: "KEY", kind: "apikey", gsi1pk: "OWNER#alice#KEY", gsi1sk: at, gsi2pk: "KEYS", gsi2sk: at, hash, owner: "alice", prefix: "pb_minte", createdAt: at, revokedAt: null };
};

describe("the embedded DynamoDB answers only Patchbay's own store client", () => {
  test("an SDK client with other credentials cannot mint an API key or read a record", async () => {
    const intruder = createDocumentClient({ endpoint, region: "local", credentials: { accessKeyId: "local", secretAccessKey: "local" } });
    await expect(intruder.send(new PutCommand({ TableName: LOCAL_TABLE_NAME, Item: mintedKeyItem() }))).rejects.toMatchObject({
      name: "UnrecognizedClientException",
    });
    await expect(intruder.send(new GetCommand({ TableName: LOCAL_TABLE_NAME, Key: { pk: "PING", sk: "PING" } }))).rejects.toMatchObject({
      name: "UnrecognizedClientException",
    });
    intruder.destroy();
    expect((await h.api("GET", "/v1/replicas", undefined, MINTED_KEY)).status).toBe(401);
  });

  test("the right access key id with a signature made without its secret is refused", async () => {
    const { accessKeyId } = JSON.parse(await readFile(join(h.dataDir, DYNAMO_CREDENTIALS_FILE), "utf8"));
    const forger = createDocumentClient({ endpoint, region: "local", credentials: { accessKeyId, secretAccessKey: "guessed".repeat(8) } });
    await expect(forger.send(new PutCommand({ TableName: LOCAL_TABLE_NAME, Item: mintedKeyItem() }))).rejects.toMatchObject({
      name: "UnrecognizedClientException",
    });
    forger.destroy();
    expect((await h.api("GET", "/v1/replicas", undefined, MINTED_KEY)).status).toBe(401);
  });

  test("a correctly signed request replayed with another body is refused", async () => {
    const credentials = JSON.parse(await readFile(join(h.dataDir, DYNAMO_CREDENTIALS_FILE), "utf8"));
    const honest = createDocumentClient({ endpoint, region: "local", credentials });
    let captured: { headers: Record<string, string>; body: string } | undefined;
    honest.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { headers: Record<string, string>; body: string };
        captured = { headers: { ...request.headers }, body: request.body };
        return next(args);
      },
      { step: "finalizeRequest", priority: "low", name: "capture" },
    );
    await honest.send(new GetCommand({ TableName: LOCAL_TABLE_NAME, Key: { pk: "PING", sk: "PING" } }));
    honest.destroy();
    expect(captured?.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 /);

    const replay = (body: string) =>
      fetch(endpoint, { method: "POST", headers: { ...captured!.headers, "content-length": String(Buffer.byteLength(body)) }, body });
    expect((await replay(captured!.body)).status).toBe(200);
    // Same signed headers (a GetItem), another item asked for.
    const refused = await replay(JSON.stringify({ TableName: LOCAL_TABLE_NAME, Key: { pk: { S: "KEY#x" }, sk: { S: "KEY" } } }));
    expect(refused.status).toBe(403);
  });

  test("browser requests and CORS preflights are refused without CORS headers", async () => {
    const preflight = await fetch(endpoint, {
      method: "OPTIONS",
      headers: { origin: "https://evil.example", "access-control-request-method": "POST", "access-control-request-headers": "authorization,x-amz-target" },
    });
    expect(preflight.status).toBe(403);
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
    const post = await fetch(endpoint, {
      method: "POST",
      headers: {
        origin: "https://evil.example",
        "content-type": "application/x-amz-json-1.0",
        "x-amz-target": "DynamoDB_20120810.PutItem",
        authorization: "AWS4-HMAC-SHA256 Credential=x/20260101/local/dynamodb/aws4_request, SignedHeaders=host, Signature=00",
        "x-amz-date": "20260101T000000Z",
      },
      body: JSON.stringify({ TableName: LOCAL_TABLE_NAME, Item: { pk: { S: "X" }, sk: { S: "X" } } }),
    });
    expect(post.status).toBe(403);
    expect(post.headers.get("access-control-allow-origin")).toBeNull();
    expect(await h.stack.store.getIntegration("X")).toBeUndefined();
  });

  test("the access key is random per data directory and kept in a 0600 file", async () => {
    const path = join(h.dataDir, DYNAMO_CREDENTIALS_FILE);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    const { accessKeyId, secretAccessKey } = JSON.parse(await readFile(path, "utf8"));
    expect(accessKeyId).not.toBe("local");
    expect(secretAccessKey.length).toBeGreaterThanOrEqual(32);
  });
});

test("DATA_DIR and everything in it is tightened to 0700/0600 on start, and stays so", async () => {
  const dataDir = join(await tempDataDir(), "loose");
  await mkdir(join(dataDir, "vault"), { recursive: true });
  await writeFile(join(dataDir, "vault", "old.json"), "{}");
  await writeFile(join(dataDir, "notes.txt"), "left by an older version");
  await chmod(join(dataDir, "vault", "old.json"), 0o644);
  await chmod(join(dataDir, "notes.txt"), 0o666);
  await chmod(join(dataDir, "vault"), 0o755);
  await chmod(dataDir, 0o755);

  const stack = await startLocalStack({ config: readLocalConfig({ PORT: "0", DATA_DIR: dataDir, API_KEYS: "alice:pb_alice_perm_test_key_0123" }), reconcileIntervalMs: 3_600_000 });
  try {
    await stack.store.ping();
    const entries = [dataDir, ...(await readdir(dataDir, { recursive: true })).map((name) => join(dataDir, name))];
    const modes = await Promise.all(entries.map(async (path) => ({ path, mode: (await lstat(path)).mode })));
    expect(modes.filter(({ path }) => path.startsWith(join(dataDir, "dynamo", "/"))).length).toBeGreaterThan(0);
    const loose = modes.filter(({ mode }) => (mode & 0o777) !== ((mode & 0o170000) === 0o040000 ? 0o700 : 0o600));
    expect(loose.map(({ path, mode }) => `${path} ${(mode & 0o777).toString(8)}`)).toEqual([]);
  } finally {
    await stack.close();
  }
});

test("closing the embedded DynamoDB's thread twice resolves both times (a stack closed by two owners)", async () => {
  const dynamo = await startEmbeddedDynamoThread(null);
  await dynamo.close();
  await expect(dynamo.close()).resolves.toBeUndefined();
});

test("ensureTable resolves only once a new table is ACTIVE, so the first write after it lands", async () => {
  // A DynamoDB that takes its time creating tables, as AWS does (a CREATING table refuses every write).
  const slow = dynalite({ createTableMs: 300 });
  await new Promise<void>((resolve) => slow.listen(0, "127.0.0.1", resolve));
  try {
    const { port } = slow.address() as AddressInfo;
    const client = createDocumentClient({ endpoint: `http://127.0.0.1:${port}`, region: "local", credentials: { accessKeyId: "x", secretAccessKey: "x" } });
    await ensureTable(client, "slow");
    await client.send(new PutCommand({ TableName: "slow", Item: { pk: "P", sk: "S" } }));
    expect((await client.send(new GetCommand({ TableName: "slow", Key: { pk: "P", sk: "S" } }))).Item).toEqual({ pk: "P", sk: "S" });
  } finally {
    await new Promise((resolve) => slow.close(resolve));
  }
});
