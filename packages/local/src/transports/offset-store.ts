import { mkdir, readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "../atomic-file.ts";

/** Where each polling integration's next getUpdates offset is kept, so a restart neither loses nor repeats an update. */
export interface OffsetStore {
  /** The offset to poll from next (last handled update_id + 1), or undefined before the first update. */
  read(integrationId: string): Promise<number | undefined>;
  /** Durably records that every update below `offset` has been handed to the pipeline. */
  write(integrationId: string, offset: number): Promise<void>;
  /** Integrations that have an offset kept. */
  list(): Promise<string[]>;
  /** Forgets an integration's offset (it was deleted). */
  remove(integrationId: string): Promise<void>;
}

const SUFFIX = ".offset";
const SAFE_ID = /^[A-Za-z0-9_-]+$/;

/** One small file per integration under `DATA_DIR/polling`, replaced atomically (fsync'ed) on every write. */
export async function createOffsetStore(dataDir: string): Promise<OffsetStore> {
  const dir = join(dataDir, "polling");
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const fileOf = (id: string) => {
    if (!SAFE_ID.test(id)) throw new Error(`not an integration id: ${JSON.stringify(id)}`);
    return join(dir, `${id}${SUFFIX}`);
  };
  return {
    async read(id) {
      const text = await readFile(fileOf(id), "utf8").catch((error: NodeJS.ErrnoException) => {
        if (error.code === "ENOENT") return undefined;
        throw error;
      });
      if (text === undefined) return undefined;
      const offset = Number(JSON.parse(text).offset);
      return Number.isSafeInteger(offset) ? offset : undefined;
    },
    write: (id, offset) => writeFileAtomic(fileOf(id), JSON.stringify({ offset })),
    async list() {
      return (await readdir(dir)).filter((name) => name.endsWith(SUFFIX)).map((name) => name.slice(0, -SUFFIX.length));
    },
    remove: (id) => rm(fileOf(id), { force: true }),
  };
}
