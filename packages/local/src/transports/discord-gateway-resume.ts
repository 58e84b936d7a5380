import { mkdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import type { GatewayResumeState } from "@patchbay/platforms/discord";
import { writeFileAtomic } from "../atomic-file.ts";

/**
 * Where a Discord integration's Gateway session is left across an `npm start` restart (or a crash), so the
 * next run RESUMEs it and Discord replays what it missed.
 */
export interface GatewayResumeStore {
  /** The session the last run handed over, taken (the file is removed): a second start does not reuse it. */
  take(integrationId: string): Promise<GatewayResumeState | null>;
  /** Durably records where the session is: as it goes, and as it is handed over at stop. */
  keep(integrationId: string, state: GatewayResumeState): Promise<void>;
  /** The session was ended: nothing to resume. */
  forget(integrationId: string): Promise<void>;
}

const SAFE_ID = /^[A-Za-z0-9_-]+$/;

function parse(text: string): GatewayResumeState | null {
  const state = JSON.parse(text) as Partial<GatewayResumeState>;
  const usable = typeof state.sessionId === "string" && Number.isSafeInteger(state.sequence) && typeof state.resumeUrl === "string";
  return usable ? { sessionId: state.sessionId!, sequence: state.sequence!, resumeUrl: state.resumeUrl! } : null;
}

/** One small file per integration under `DATA_DIR/gateway`, written atomically. */
export async function createGatewayResumeStore(dataDir: string): Promise<GatewayResumeStore> {
  const dir = join(dataDir, "gateway");
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const fileOf = (id: string) => {
    if (!SAFE_ID.test(id)) throw new Error(`not an integration id: ${JSON.stringify(id)}`);
    return join(dir, `${id}.session`);
  };
  return {
    async take(id) {
      const text = await readFile(fileOf(id), "utf8").catch((error: NodeJS.ErrnoException) => {
        if (error.code === "ENOENT") return undefined;
        throw error;
      });
      if (text === undefined) return null;
      await rm(fileOf(id), { force: true });
      try {
        return parse(text);
      } catch {
        return null; // unreadable: a new IDENTIFY instead
      }
    },
    // async: a refused id rejects like every other failure, rather than throwing before a promise exists.
    keep: async (id, state) => writeFileAtomic(fileOf(id), JSON.stringify(state)),
    forget: async (id) => rm(fileOf(id), { force: true }),
  };
}
