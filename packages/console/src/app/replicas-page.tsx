import type { Page, Replica } from "./api.ts";
import { useApi } from "./app.tsx";
import { href } from "./route.ts";
import { ErrorNotice, PageTitle } from "./ui.tsx";
import { usePages, withCursor } from "./use-pages.ts";

export function ReplicasPage() {
  const api = useApi();
  const list = usePages((cursor) => api.get<Page<Replica>>(withCursor("/v1/replicas?limit=50", cursor)), "replicas");
  return (
    <>
      <PageTitle>Replicas</PageTitle>
      <p>A replica is a persona answered by a language model. Create one, try it in the preview, then connect a bot to it.</p>
      <p>
        <a class="button primary" href={href.newReplica()}>
          New replica
        </a>
      </p>
      {list.error && !list.items ? <ErrorNotice error={list.error} /> : null}
      {!list.items && !list.error ? <p aria-busy="true">Loading replicas…</p> : null}
      {list.items?.length === 0 ? <p>No replica yet.</p> : null}
      {list.items?.length ? (
        <ul class="cards replicas">
          {list.items.map((replica) => (
            <li key={replica.id} class="card">
              <a href={href.replica(replica.id)} class="card-title">
                {replica.name}
              </a>
              <span class="meta">
                {replica.model} · {replica.stream ? "streams" : "answers at once"}
              </span>
              {replica.instructions ? <span class="meta excerpt">{replica.instructions.slice(0, 140)}</span> : null}
            </li>
          ))}
        </ul>
      ) : null}
      {list.hasMore ? (
        <button type="button" onClick={list.loadMore}>
          Show more
        </button>
      ) : null}
      {list.total !== undefined && list.items?.length ? <p class="meta">{list.total} in all</p> : null}
    </>
  );
}
