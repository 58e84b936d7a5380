import { UnauthorizedError } from "./errors.ts";
import { randomString } from "./ids.ts";
import type { ApiKeyRecord, ApiKeyStore, Clock } from "./ports.ts";

const KEY_PREFIX = "pb_";
const KEY_RANDOM_LENGTH = 40;
const KEY_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** SHA-256 hex of an API key: the only form in which keys are stored. */
export async function hashApiKey(key: string): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest("SHA-256", new TextEncoder().encode(key));
  return Buffer.from(digest).toString("hex");
}

export type ApiKeyService = ReturnType<typeof createApiKeyService>;

export function createApiKeyService({ store, clock }: { store: ApiKeyStore; clock: Clock }) {
  const put = async (owner: string, key: string): Promise<ApiKeyRecord> => {
    const record: ApiKeyRecord = {
      hash: await hashApiKey(key),
      owner,
      prefix: key.slice(0, 8),
      createdAt: new Date(clock.now()).toISOString(),
      revokedAt: null,
    };
    await store.putApiKey(record);
    return record;
  };

  return {
    /** Creates a new random key for an owner; the key is returned once and never again. */
    async create(owner: string): Promise<{ key: string; record: ApiKeyRecord }> {
      const key = KEY_PREFIX + randomString(KEY_RANDOM_LENGTH, KEY_ALPHABET);
      return { key, record: await put(owner, key) };
    },

    /** Stores a key chosen by the operator (API_KEYS), keeping an existing record as it is. */
    async seed(owner: string, key: string): Promise<void> {
      const existing = await store.findApiKey(await hashApiKey(key));
      if (!existing) await put(owner, key);
    },

    /** The owner a bearer key belongs to; throws UnauthorizedError for unknown or revoked keys. */
    async authenticate(key: string | undefined): Promise<string> {
      if (!key) throw new UnauthorizedError();
      const record = await store.findApiKey(await hashApiKey(key));
      if (!record || record.revokedAt) throw new UnauthorizedError("The API key is unknown or revoked.");
      return record.owner;
    },

    list: (owner: string) => store.listApiKeys(owner),
    hasAny: () => store.hasAnyApiKey(),
    revoke: (hash: string) => store.revokeApiKey(hash, new Date(clock.now()).toISOString()),
  };
}
