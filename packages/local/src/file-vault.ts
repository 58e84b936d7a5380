import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { chmod, mkdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import type { SecretBundle, TokenVault } from "@patchbay/core";
import { writeFileAtomic } from "./atomic-file.ts";

const KEY_BYTES = 32;
const IV_BYTES = 12;

interface SealedSecret {
  v: 1;
  iv: string;
  tag: string;
  data: string;
}

/** Reads the vault key from `path`, creating it (mode 0600) on first start. */
async function loadOrCreateKey(path: string): Promise<Buffer> {
  try {
    const key = Buffer.from((await readFile(path, "utf8")).trim(), "base64");
    if (key.length !== KEY_BYTES) throw new Error(`The vault key at ${path} is not ${KEY_BYTES} bytes; restore it from backup.`);
    return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const key = randomBytes(KEY_BYTES);
  await writeFileAtomic(path, key.toString("base64"), 0o600);
  await chmod(path, 0o600);
  return key;
}

/**
 * Secrets sealed with AES-256-GCM, one file per integration under `{dataDir}/vault`. The integration id
 * is the additional authenticated data, so a sealed file cannot be moved to another integration.
 */
export async function createFileVault(dataDir: string): Promise<TokenVault> {
  const dir = join(dataDir, "vault");
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const key = await loadOrCreateKey(join(dataDir, "vault.key"));
  const cache = new Map<string, SecretBundle>();
  const pathOf = (id: string) => {
    if (!/^[A-Za-z0-9_-]+$/.test(id)) throw new Error(`Invalid vault entry id "${id}".`);
    return join(dir, `${id}.json`);
  };

  return {
    async put(id, secrets) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv("aes-256-gcm", key, iv);
      cipher.setAAD(Buffer.from(id));
      const data = Buffer.concat([cipher.update(JSON.stringify(secrets), "utf8"), cipher.final()]);
      const sealed: SealedSecret = {
        v: 1,
        iv: iv.toString("base64"),
        tag: cipher.getAuthTag().toString("base64"),
        data: data.toString("base64"),
      };
      await writeFileAtomic(pathOf(id), JSON.stringify(sealed), 0o600);
      cache.set(id, { ...secrets });
    },

    async get(id) {
      const cached = cache.get(id);
      if (cached) return { ...cached };
      let sealed: SealedSecret;
      try {
        sealed = JSON.parse(await readFile(pathOf(id), "utf8")) as SealedSecret;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw error;
      }
      const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(sealed.iv, "base64"));
      decipher.setAAD(Buffer.from(id));
      decipher.setAuthTag(Buffer.from(sealed.tag, "base64"));
      const plain = Buffer.concat([decipher.update(Buffer.from(sealed.data, "base64")), decipher.final()]);
      const secrets = JSON.parse(plain.toString("utf8")) as SecretBundle;
      cache.set(id, secrets);
      return { ...secrets };
    },

    async delete(id) {
      cache.delete(id);
      await rm(pathOf(id), { force: true });
    },
  };
}
