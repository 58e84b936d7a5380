import { useState } from "preact/hooks";
import type { Page } from "./api.ts";
import { useLoad } from "./use-load.ts";

/** A list the API pages with next_cursor: the first page, then more on request. */
export function usePages<T>(fetchPage: (cursor: string | null) => Promise<Page<T>>, key: string) {
  const first = useLoad(() => fetchPage(null), key);
  const [more, setMore] = useState<{ key: string; items: T[]; cursor: string | null; error: unknown }>({ key, items: [], cursor: null, error: undefined });
  const extra = more.key === key ? more : { key, items: [], cursor: null, error: undefined };
  const cursor = extra.items.length > 0 ? extra.cursor : (first.data?.next_cursor ?? null);
  const loadMore = async () => {
    if (!cursor) return;
    try {
      const page = await fetchPage(cursor);
      setMore({ key, items: [...extra.items, ...page.data], cursor: page.next_cursor, error: undefined });
    } catch (error) {
      setMore({ ...extra, error });
    }
  };
  return {
    items: first.data ? [...first.data.data, ...extra.items] : undefined,
    total: first.data?.total,
    error: first.error ?? extra.error,
    hasMore: cursor !== null,
    loadMore,
    reload: first.reload,
  };
}

export const withCursor = (path: string, cursor: string | null) => (cursor ? `${path}${path.includes("?") ? "&" : "?"}cursor=${encodeURIComponent(cursor)}` : path);
