import { useState } from "preact/hooks";
import type { Channel, Integration } from "./api.ts";
import { useApi } from "./app.tsx";
import { CheckField, ErrorNotice } from "./ui.tsx";
import { useLoad } from "./use-load.ts";
import { useSubmit } from "./use-submit.ts";

/** Which group chats and channels the bot answers in; direct messages are never filtered. */
export function ChannelsPanel({ integration, onSaved }: { integration: Integration; onSaved(): Promise<void> }) {
  const api = useApi();
  const path = `/v1/integrations/${encodeURIComponent(integration.id)}/channels`;
  const channels = useLoad(() => api.get<{ data: Channel[] }>(path), `${path}@${integration.updated_at}`);
  const [choice, setChoice] = useState<{ all: boolean; ids: Set<string> } | null>(null);
  const list = channels.data?.data ?? [];
  const current = choice ?? { all: integration.channel_ids.length === 0, ids: new Set(integration.channel_ids) };
  const toggle = (id: string, on: boolean) => {
    const ids = new Set(current.ids);
    if (on) ids.add(id);
    else ids.delete(id);
    setChoice({ all: false, ids });
  };
  const { submit, error, done } = useSubmit(async () => {
    await api.put(path, current.all ? { sync_all: true } : { channel_ids: [...current.ids] });
    setChoice(null);
    await onSaved();
    return "Saved.";
  });
  return (
    <section aria-labelledby="channels-title" class="panel">
      <h2 id="channels-title">Channels</h2>
      <p class="hint">Group chats and channels the bot is in{integration.platform === "telegram" ? " (as seen in messages: Telegram has no listing)" : ""}.</p>
      {channels.error ? <ErrorNotice error={channels.error} /> : null}
      <form method="post" onSubmit={submit} aria-label="Channels">
        <CheckField id="channels-all" label="Answer in every chat the bot is in" checked={current.all} onChange={(all) => setChoice({ all, ids: current.ids })} />
        {list.length === 0 && channels.data ? <p>No group chat or channel seen yet.</p> : null}
        {list.length ? (
          <fieldset disabled={current.all}>
            <legend>Only in</legend>
            {list.map((channel) => (
              <CheckField
                key={channel.id}
                id={`channel-${channel.id}`}
                label={`${channel.name}${channel.is_private ? " (private)" : ""}`}
                checked={!current.all && current.ids.has(channel.id)}
                onChange={(on) => toggle(channel.id, on)}
                hint={channel.id}
              />
            ))}
          </fieldset>
        ) : null}
        <ErrorNotice error={error} />
        <div class="row">
          <button type="submit" disabled={!current.all && current.ids.size === 0}>
            Save channels
          </button>
          <span role="status">{done}</span>
        </div>
      </form>
    </section>
  );
}
