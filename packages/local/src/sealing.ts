import { chmod, readFile } from "node:fs/promises";
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { writeFileAtomic } from "./atomic-file.ts";

const KEY_BYTES = 32;
const IV_BYTES = 12;

export interface Sealed {
  v: 1;
  iv: string;
  tag: string;
  data: string;
}

/** AES-256-GCM with one local key: what the vault and the queue keep on disk is sealed with it. */
export interface Sealer {
  /** Encrypts `plain`; `context` is authenticated too, so a sealed value cannot be moved elsewhere. */
  seal(plain: string, context: string): Sealed;
  /** Decrypts, failing on any tampering or a wrong context. */
  open(sealed: Sealed, context: string): string;
}

/** The sealer over the key at `keyPath`, created (mode 0600) on first start. */
export async function loadSealer(keyPath: string): Promise<Sealer> {
  const key = await loadOrCreateKey(keyPath);
  return {
    seal(plain, context) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv("aes-256-gcm", key, iv);
      cipher.setAAD(Buffer.from(context));
      const data = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
      return { v: 1, iv: iv.toString("base64"), tag: cipher.getAuthTag().toString("base64"), data: data.toString("base64") };
    },
    open(sealed, context) {
      const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(sealed.iv, "base64"));
      decipher.setAAD(Buffer.from(context));
      decipher.setAuthTag(Buffer.from(sealed.tag, "base64"));
      return Buffer.concat([decipher.update(Buffer.from(sealed.data, "base64")), decipher.final()]).toString("utf8");
    },
  };
}

async function loadOrCreateKey(path: string): Promise<Buffer> {
  try {
    const key = Buffer.from((await readFile(path, "utf8")).trim(), "base64");
    if (key.length !== KEY_BYTES) throw new Error(`The key at ${path} is not ${KEY_BYTES} bytes; restore it from backup.`);
    return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const key = randomBytes(KEY_BYTES);
  await writeFileAtomic(path, key.toString("base64"), 0o600);
  await chmod(path, 0o600);
  return key;
}
