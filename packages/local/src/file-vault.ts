import { mkdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import type { SecretBundle, TokenVault } from "@patchbay/core";
import { writeFileAtomic } from "./atomic-file.ts";
import type { Sealed, Sealer } from "./sealing.ts";

/**
 * Secrets sealed with AES-256-GCM, one file per integration under `{dataDir}/vault`. The integration id
 * is authenticated with the data, so a sealed file cannot be moved to another integration.
 */
export async function createFileVault(dataDir: string, sealer: Sealer): Promise<TokenVault> {
  const dir = join(dataDir, "vault");
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const cache = new Map<string, SecretBundle>();
  const pathOf = (id: string) => {
    if (!/^[A-Za-z0-9_-]+$/.test(id)) throw new Error(`Invalid vault entry id "${id}".`);
    return join(dir, `${id}.json`);
  };

  return {
    async put(id, secrets) {
      await writeFileAtomic(pathOf(id), JSON.stringify(sealer.seal(JSON.stringify(secrets), id)), 0o600);
      cache.set(id, { ...secrets });
    },

    async get(id) {
      const cached = cache.get(id);
      if (cached) return { ...cached };
      let sealed: Sealed;
      try {
        sealed = JSON.parse(await readFile(pathOf(id), "utf8")) as Sealed;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw error;
      }
      const secrets = JSON.parse(sealer.open(sealed, id)) as SecretBundle;
      cache.set(id, secrets);
      return { ...secrets };
    },

    async delete(id) {
      cache.delete(id);
      await rm(pathOf(id), { force: true });
    },
  };
}
