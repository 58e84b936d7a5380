import { mkdir } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import dynalite from "dynalite";

export interface EmbeddedDynamo {
  /** Endpoint for the AWS SDK client. */
  endpoint: string;
  close(): Promise<void>;
}

/**
 * A DynamoDB-protocol server in this process (dynalite on LevelDB under `{dataDir}/dynamo`), so the
 * store code that runs on AWS runs here unchanged. Pass `dataDir: null` for an in-memory table.
 */
export async function startEmbeddedDynamo(dataDir: string | null): Promise<EmbeddedDynamo> {
  const path = dataDir === null ? undefined : join(dataDir, "dynamo");
  if (path) await mkdir(path, { recursive: true });
  const server = dynalite({ ...(path ? { path } : {}), createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
