import type { Integration } from "../model.ts";
import type { Clock, SecretBundle, Store, TokenVault } from "../ports.ts";

/**
 * How long one process answers webhooks from its copy of an integration and its secrets. Writes in the same
 * process forget the copy at once (`forgettingWrites`); other processes (AWS functions) see a change within this.
 */
export const INTEGRATION_CACHE_TTL_MS = 5_000;
/** Bound on the per-process memory of cached integrations. */
const INTEGRATION_CACHE_ENTRIES = 10_000;

/** What a webhook needs of its integration: the record, and its secrets read only when a driver asks. */
export interface CachedIntegration {
  integration: Integration;
  secrets(): Promise<SecretBundle | undefined>;
}

interface Entry {
  until: number;
  lookup: Promise<CachedIntegration | undefined>;
}

export interface IntegrationCacheOptions {
  store: Pick<Store, "getIntegration">;
  vault: Pick<TokenVault, "get">;
  clock: Clock;
  ttlMs?: number;
  maxEntries?: number;
}

export type IntegrationCache = ReturnType<typeof createIntegrationCache>;

/**
 * The ack path's reads, once per short interval: a warm webhook is then verify + enqueue. Concurrent
 * webhooks of one integration share one read; an integration that does not exist is not remembered, so a
 * new one answers at once.
 */
export function createIntegrationCache({ store, vault, clock, ttlMs = INTEGRATION_CACHE_TTL_MS, maxEntries = INTEGRATION_CACHE_ENTRIES }: IntegrationCacheOptions) {
  const entries = new Map<string, Entry>();

  const drop = (id: string, entry: Entry) => {
    if (entries.get(id) === entry) entries.delete(id);
  };

  const load = async (id: string): Promise<CachedIntegration | undefined> => {
    const integration = await store.getIntegration(id);
    if (!integration) return undefined;
    let secrets: Promise<SecretBundle | undefined> | undefined;
    // A failed read is not kept: the next webhook asks the vault again.
    const readSecrets = () =>
      vault.get(id).catch((error: unknown) => {
        secrets = undefined;
        throw error;
      });
    return { integration, secrets: () => (secrets ??= readSecrets()) };
  };

  return {
    get(id: string): Promise<CachedIntegration | undefined> {
      const now = clock.now();
      const cached = entries.get(id);
      if (cached && cached.until > now) return cached.lookup;
      if (cached) entries.delete(id);
      // Map order is insertion order: the first key is the oldest entry.
      if (entries.size >= maxEntries) entries.delete(entries.keys().next().value!);
      const entry: Entry = { until: now + ttlMs, lookup: load(id) };
      entries.set(id, entry);
      entry.lookup.then(
        (found) => found ?? drop(id, entry),
        () => drop(id, entry),
      );
      return entry.lookup;
    },

    /** Drops the copy of an integration that was just written, so this process reads it afresh. */
    forget(id: string): void {
      entries.delete(id);
    },
  };
}

/**
 * The store and vault for code that changes integrations (the API's service, the reconciler): every write to
 * an integration or its secrets also forgets the cached copy, once the write is done.
 */
export function forgettingWrites(store: Store, vault: TokenVault, forget: (id: string) => void): { store: Store; vault: TokenVault } {
  const then = <A extends unknown[], R>(write: (...args: A) => Promise<R>, idOf: (...args: A) => string) =>
    async (...args: A): Promise<R> => {
      try {
        return await write(...args);
      } finally {
        forget(idOf(...args));
      }
    };
  const writingStore: Store = Object.assign(Object.create(store) as Store, {
    createIntegration: then(store.createIntegration.bind(store), (integration) => integration.id),
    saveIntegration: then(store.saveIntegration.bind(store), (integration) => integration.id),
    setRegistration: then(store.setRegistration.bind(store), (id) => id),
    retireIntegration: then(store.retireIntegration.bind(store), (id) => id),
    deleteIntegration: then(store.deleteIntegration.bind(store), (id) => id),
  });
  const writingVault: TokenVault = {
    get: (id) => vault.get(id),
    put: then(vault.put.bind(vault), (id) => id),
    delete: then(vault.delete.bind(vault), (id) => id),
  };
  return { store: writingStore, vault: writingVault };
}
