import { useState } from "preact/hooks";
import type { Integration, Page, Replica } from "./api.ts";
import { useApi } from "./app.tsx";
import { ScopeField } from "./scope-field.tsx";
import { CheckField, ErrorNotice, Field, describedBy } from "./ui.tsx";
import { useLoad } from "./use-load.ts";
import { useSubmit } from "./use-submit.ts";

type Save = (patch: Record<string, unknown>) => Promise<void>;

interface Draft {
  name: string;
  replica_id: string;
  scope: Integration["scope"];
  mention: string;
  welcome_message: string;
  thread_auto_create: boolean;
}

/** Name, replica and the answering rules: scope, mention and welcome (Telegram), threads (Discord). */
export function IntegrationSettings({ integration, onSave }: { integration: Integration; onSave: Save }) {
  const api = useApi();
  const replicas = useLoad(() => api.get<Page<Replica>>("/v1/replicas?limit=100"), "replicas");
  const [draft, setDraft] = useState<Draft>({
    name: integration.name,
    replica_id: integration.replica_id,
    scope: integration.scope,
    mention: integration.mention ?? "",
    welcome_message: integration.welcome_message ?? "",
    thread_auto_create: integration.thread_auto_create,
  });
  const { submit, error, done, fields } = useSubmit(async () => {
    await onSave(changes(integration, draft));
    return "Saved.";
  });
  return (
    <section aria-labelledby="rules-title" class="panel">
      <h2 id="rules-title">Settings</h2>
      <form method="post" noValidate onSubmit={submit} aria-label="Integration settings">
        <Field id="settings-name" label="Name" error={fields.name}>
          <input {...describedBy("settings-name", fields.name, false)} required value={draft.name} onInput={(e) => setDraft({ ...draft, name: e.currentTarget.value })} />
        </Field>
        <Field id="settings-replica" label="Replica" error={fields.replica_id} hint="Which replica answers as this bot.">
          <select {...describedBy("settings-replica", fields.replica_id)} value={draft.replica_id} onChange={(e) => setDraft({ ...draft, replica_id: e.currentTarget.value })}>
            {(replicas.data?.data ?? []).map((r) => (
              <option key={r.id} value={r.id}>
                {r.name}
              </option>
            ))}
            {replicas.data?.data.some((r) => r.id === draft.replica_id) ? null : <option value={draft.replica_id}>{draft.replica_id}</option>}
          </select>
        </Field>
        <ScopeField id="settings-scope" value={draft.scope} onChange={(scope) => setDraft({ ...draft, scope })} error={fields.scope} />
        {integration.platform === "telegram" ? (
          <>
            <Field id="settings-mention" label="Mention" error={fields.mention} hint="The handle it answers to in groups; empty: the bot's @username.">
              <input {...describedBy("settings-mention", fields.mention)} value={draft.mention} onInput={(e) => setDraft({ ...draft, mention: e.currentTarget.value })} autoComplete="off" />
            </Field>
            <Field id="settings-welcome" label="Welcome message" error={fields.welcome_message} hint="The answer to /start; empty: the replica's greeting.">
              <textarea {...describedBy("settings-welcome", fields.welcome_message)} rows={2} value={draft.welcome_message} onInput={(e) => setDraft({ ...draft, welcome_message: e.currentTarget.value })} />
            </Field>
          </>
        ) : null}
        {integration.platform === "discord" ? (
          <CheckField id="settings-threads" label="Start a thread from each answer" checked={draft.thread_auto_create} onChange={(thread_auto_create) => setDraft({ ...draft, thread_auto_create })} />
        ) : null}
        <ErrorNotice error={error} fieldsShown />
        <div class="row">
          <button type="submit" class="primary">
            Save settings
          </button>
          <span role="status">{done}</span>
        </div>
      </form>
    </section>
  );
}

/** Only what the form changed: a field left alone is not sent again (a bot's own @username may not pass as a typed mention). */
function changes(integration: Integration, draft: Draft): Record<string, unknown> {
  const now: Record<string, unknown> = {
    name: draft.name,
    replica_id: draft.replica_id,
    scope: draft.scope,
    ...(integration.platform === "telegram" ? { mention: draft.mention.trim() || null, welcome_message: draft.welcome_message || null } : {}),
    ...(integration.platform === "discord" ? { thread_auto_create: draft.thread_auto_create } : {}),
  };
  const before: Record<string, unknown> = integration;
  return Object.fromEntries(Object.entries(now).filter(([field, value]) => value !== before[field]));
}

/** A new token is checked with the platform before it replaces the old one; a refusal keeps the old. */
export function TokenRotation({ integration, onSave }: { integration: Integration; onSave: Save }) {
  const [token, setToken] = useState("");
  const { submit, error, done, fields } = useSubmit(async () => {
    await onSave({ bot_token: token.trim() });
    setToken("");
    return "Rotated: the new token is in use.";
  });
  return (
    <form method="post" noValidate onSubmit={submit} aria-label="Rotate the bot token" class="action">
      <Field id="rotate-token" label="New bot token" error={fields.bot_token} hint={`Replaces the current one (${integration.bot_token}) once the platform accepts it.`}>
        <input {...describedBy("rotate-token", fields.bot_token)} type="password" autoComplete="off" required value={token} onInput={(e) => setToken(e.currentTarget.value)} />
      </Field>
      <ErrorNotice error={error} fieldsShown />
      <div class="row">
        <button type="submit" disabled={token.trim() === ""}>
          Rotate token
        </button>
        <span role="status">{done}</span>
      </div>
    </form>
  );
}
