import { randomBytes } from "node:crypto";
import { mkdir, open, readFile } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { Readable } from "node:stream";
import { Worker } from "node:worker_threads";
import dynalite from "dynalite";
import { verifySigV4 } from "./sigv4-verifier.ts";
import type { AccessKey } from "./sigv4-verifier.ts";

export type { AccessKey } from "./sigv4-verifier.ts";

/** The access key of a data directory's embedded DynamoDB, inside DATA_DIR (0600). */
export const DYNAMO_CREDENTIALS_FILE = "dynamo.credentials";
/** dynalite's own cap on a request body. */
const MAX_REQUEST_BYTES = 16 * 1024 * 1024;

export interface EmbeddedDynamo {
  /** Endpoint for the AWS SDK client. */
  endpoint: string;
  /** The only credentials the endpoint accepts. */
  credentials: AccessKey;
  close(): Promise<void>;
}

export interface EmbeddedDynamoOptions {
  /** Accept this key instead of the data directory's own (tests whose SDK reads credentials from the environment). */
  credentials?: AccessKey;
  /** Clock for the signature date check. */
  now?: () => number;
}

/**
 * The access key of a data directory's embedded DynamoDB: created once, at random, in a 0600 file, and
 * read by every process that opens the same data (the local stack and the operator commands).
 */
export async function loadDynamoCredentials(dataDir: string): Promise<AccessKey> {
  const path = join(dataDir, DYNAMO_CREDENTIALS_FILE);
  const fresh: AccessKey = { accessKeyId: `PBLOCAL${randomBytes(8).toString("hex").toUpperCase()}`, secretAccessKey: randomBytes(32).toString("base64url") };
  try {
    // "wx": when two processes start at once, one creates the key and the other reads it.
    const file = await open(path, "wx", 0o600);
    try {
      await file.writeFile(JSON.stringify(fresh));
      await file.sync();
    } finally {
      await file.close();
    }
    return fresh;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  const stored = JSON.parse(await readFile(path, "utf8")) as Partial<AccessKey>;
  if (typeof stored.accessKeyId !== "string" || typeof stored.secretAccessKey !== "string" || stored.secretAccessKey.length < 32) {
    throw new Error(`${path} is not a Patchbay DynamoDB access key; delete it to have a new one generated.`);
  }
  return { accessKeyId: stored.accessKeyId, secretAccessKey: stored.secretAccessKey };
}

/**
 * A DynamoDB-protocol server in this process (dynalite on LevelDB under `{dataDir}/dynamo`), so the
 * store code that runs on AWS runs here unchanged. Pass `dataDir: null` for an in-memory table.
 *
 * dynalite itself accepts any signature and answers every browser origin with CORS `*`, so on its own any
 * local process or web page that finds the port could read and rewrite every record. A guard in front of
 * it refuses browser requests (anything with an `Origin`) and every request not signed with this data
 * directory's access key (or a fresh random one for an in-memory table).
 */
export async function startEmbeddedDynamo(dataDir: string | null, options: EmbeddedDynamoOptions = {}): Promise<EmbeddedDynamo> {
  const path = dataDir === null ? undefined : join(dataDir, "dynamo");
  if (path) await mkdir(path, { recursive: true, mode: 0o700 });
  const credentials =
    options.credentials ??
    (dataDir === null
      ? { accessKeyId: `PBMEM${randomBytes(8).toString("hex").toUpperCase()}`, secretAccessKey: randomBytes(32).toString("base64url") }
      : await loadDynamoCredentials(dataDir));
  const now = options.now ?? Date.now;
  const server = dynalite({ ...(path ? { path } : {}), createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const [handle] = server.listeners("request") as ((req: IncomingMessage, res: ServerResponse) => void)[];
  server.removeAllListeners("request");
  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    void guard(req, res).catch(() => refuse(res, 400, "SerializationException", "The request could not be read."));
  });

  const guard = async (req: IncomingMessage, res: ServerResponse) => {
    if (req.headers.origin !== undefined) {
      return refuse(res, 403, "AccessDeniedException", "Browser requests are not accepted.");
    }
    const body = await readBody(req);
    if (body === null) return refuse(res, 413, "RequestEntityTooLarge", "Request body too large.");
    const request = { method: req.method ?? "GET", url: req.url ?? "/", headers: req.headers, body };
    if (!(await verifySigV4(request, credentials, now()))) {
      return refuse(res, 403, "UnrecognizedClientException", "The request is not signed with this data directory's access key.");
    }
    // dynalite reads the body from the request stream; hand it a replay of the bytes already read.
    handle!(Object.assign(Readable.from(body.length > 0 ? [body] : []), { headers: req.headers, method: req.method, url: req.url }) as never, res);
  };

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    credentials,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** The whole body, or null past dynalite's limit. */
async function readBody(req: IncomingMessage): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    length += chunk.length;
    if (length > MAX_REQUEST_BYTES) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function refuse(res: ServerResponse, status: number, type: string, message: string): void {
  if (res.headersSent) return void res.destroy();
  const body = JSON.stringify({ __type: `com.amazon.coral.service#${type}`, message });
  res.writeHead(status, { "content-type": "application/x-amz-json-1.0", "content-length": Buffer.byteLength(body), connection: "close" });
  res.end(body);
}

/**
 * The same embedded DynamoDB on a thread of its own: dynalite's request parsing, validation and LevelDB work
 * (most of the local stack's CPU under load) runs beside the event loop that answers webhooks, not in it.
 */
export async function startEmbeddedDynamoThread(dataDir: string | null): Promise<EmbeddedDynamo> {
  const worker = new Worker(new URL("./dynamo-worker.ts", import.meta.url), { workerData: { dataDir } });
  const started = await new Promise<{ endpoint: string; credentials: AccessKey }>((resolve, reject) => {
    worker.once("message", resolve);
    worker.once("error", reject);
    worker.once("exit", (code) => reject(new Error(`the embedded DynamoDB thread stopped (exit code ${code})`)));
  });
  let closing: Promise<void> | undefined;
  const stop = async () => {
    const closed = new Promise((resolve) => {
      worker.once("message", resolve);
      worker.once("exit", resolve);
    });
    worker.postMessage("close");
    await closed;
    await worker.terminate();
  };
  return {
    ...started,
    // A second close (a stack closed twice) waits for the first instead of asking a thread that has stopped.
    close: () => (closing ??= stop()),
  };
}
