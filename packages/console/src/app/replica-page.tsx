import { useState } from "preact/hooks";
import type { Integration, Page, Replica } from "./api.ts";
import { ApiError } from "./api.ts";
import { useApi } from "./app.tsx";
import { IntegrationList, platformLabel } from "./integration-list.tsx";
import { PreviewBox } from "./preview-box.tsx";
import { ReplicaForm } from "./replica-form.tsx";
import { href, navigate } from "./route.ts";
import { ConfirmButton, ErrorNotice, PageTitle } from "./ui.tsx";
import { useLoad } from "./use-load.ts";

const PLATFORMS = ["telegram", "slack", "discord"] as const;

/** `id` null: the form for a new replica. */
export function ReplicaPage({ id }: { id: string | null }) {
  const api = useApi();
  const path = id ? `/v1/replicas/${encodeURIComponent(id)}` : "";
  const loaded = useLoad(() => (id ? api.get<Replica>(path) : Promise.resolve(null)), path);
  if (!id) {
    return (
      <>
        <PageTitle>New replica</PageTitle>
        <ReplicaForm
          replica={null}
          onSave={async (body) => {
            const created = await api.post<Replica>("/v1/replicas", body);
            navigate(href.replica(created.id));
          }}
        />
      </>
    );
  }
  if (loaded.error) {
    return (
      <>
        <PageTitle>Replica</PageTitle>
        <ErrorNotice error={loaded.error} />
      </>
    );
  }
  const replica = loaded.data;
  if (!replica) return <p aria-busy="true">Loading the replica…</p>;
  return (
    <>
      <PageTitle>{replica.name}</PageTitle>
      <p class="meta">
        <code>{replica.id}</code> · created <time dateTime={replica.created_at}>{new Date(replica.created_at).toLocaleString()}</time>
      </p>
      <div class="columns">
        <section aria-labelledby="settings-title" class="panel">
          <h2 id="settings-title">Settings</h2>
          <ReplicaForm
            replica={replica}
            onSave={async (body) => {
              await api.patch<Replica>(path, body);
              await loaded.reload();
            }}
          />
        </section>
        <PreviewBox replicaId={replica.id} />
      </div>
      <section aria-labelledby="bots-title" class="panel">
        <h2 id="bots-title">Bots answering as {replica.name}</h2>
        <IntegrationList path={`/v1/replicas/${encodeURIComponent(replica.id)}/integrations?limit=50`} empty="No bot answers as this replica yet." />
        <p class="row">
          {PLATFORMS.map((platform) => (
            <a key={platform} class="button" href={href.connect(replica.id, platform)}>
              Connect a {platformLabel(platform)} bot
            </a>
          ))}
        </p>
      </section>
      <DeleteReplica replica={replica} />
    </>
  );
}

function DeleteReplica({ replica }: { replica: Replica }) {
  const api = useApi();
  const [error, setError] = useState<unknown>(undefined);
  const [users, setUsers] = useState<Integration[]>([]);
  const remove = async () => {
    setError(undefined);
    try {
      await api.delete(`/v1/replicas/${encodeURIComponent(replica.id)}`);
      navigate(href.replicas());
    } catch (failure) {
      setError(failure);
      if (failure instanceof ApiError && failure.code === "CONFLICT") {
        const page = await api.get<Page<Integration>>(`/v1/replicas/${encodeURIComponent(replica.id)}/integrations?limit=100`).catch(() => null);
        setUsers(page?.data ?? []);
      }
    }
  };
  const inUse = error instanceof ApiError && error.code === "CONFLICT";
  return (
    <section aria-labelledby="delete-title" class="panel">
      <h2 id="delete-title">Delete</h2>
      <ConfirmButton label="Delete replica" confirm={`Delete ${replica.name}? This cannot be undone.`} onConfirm={remove} />
      {inUse ? (
        <div class="notice error" role="alert">
          <p>
            {replica.name} cannot be deleted while {users.length === 1 ? "a bot answers" : `${users.length || "some"} bots answer`} as it. Delete{" "}
            {users.length === 1 ? "that integration" : "those integrations"} or move {users.length === 1 ? "it" : "them"} to another replica first:
          </p>
          <ul>
            {users.map((integration) => (
              <li key={integration.id}>
                <a href={href.integration(integration.id)}>{integration.name}</a> ({platformLabel(integration.platform)})
              </li>
            ))}
          </ul>
        </div>
      ) : (
        <ErrorNotice error={error} />
      )}
    </section>
  );
}
