import type { Api, Integration, Page } from "./api.ts";
import { useApi } from "./app.tsx";
import { href } from "./route.ts";
import { ErrorNotice, StatusBadge } from "./ui.tsx";
import { usePages, withCursor } from "./use-pages.ts";

const PLATFORM_LABELS = { telegram: "Telegram", slack: "Slack", discord: "Discord" } as const;

export function platformLabel(platform: string): string {
  return (PLATFORM_LABELS as Record<string, string>)[platform] ?? platform;
}

/** Integrations as a list of links: name, platform, status, how messages arrive and the last problem. */
export function IntegrationList({ path, empty }: { path: string; empty: string }) {
  const api: Api = useApi();
  const list = usePages((cursor) => api.get<Page<Integration>>(withCursor(path, cursor)), path);
  if (list.error && !list.items) return <ErrorNotice error={list.error} />;
  if (!list.items) return <p aria-busy="true">Loading integrations…</p>;
  if (list.items.length === 0) return <p>{empty}</p>;
  return (
    <>
      <ul class="cards integrations">
        {list.items.map((integration) => (
          <li key={integration.id} class="card">
            <a href={href.integration(integration.id)} class="card-title">
              {integration.name}
            </a>
            <span class="meta">
              {platformLabel(integration.platform)} · @{integration.bot.username} · <StatusBadge status={integration.status} /> · {integration.delivery} ·{" "}
              {integration.message_count} messages
            </span>
            {integration.last_error ? (
              <span class="meta problem">
                <code>{integration.last_error.code}</code> {integration.last_error.message}
              </span>
            ) : null}
          </li>
        ))}
      </ul>
      {list.hasMore ? (
        <button type="button" onClick={list.loadMore}>
          Show more
        </button>
      ) : null}
    </>
  );
}
