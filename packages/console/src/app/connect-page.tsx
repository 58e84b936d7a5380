import { useState } from "preact/hooks";
import type { Platform } from "@patchbay/core";
import { inviteUrl } from "@patchbay/platforms/setup";
import type { Integration, Replica } from "./api.ts";
import { useApi } from "./app.tsx";
import { carryWarnings } from "./flash.ts";
import { platformLabel } from "./integration-list.tsx";
import { href, navigate } from "./route.ts";
import { ScopeField } from "./scope-field.tsx";
import type { Scope } from "./scope-field.tsx";
import { slackManifest } from "./slack-manifest.ts";
import { CheckField, CopyBox, ErrorNotice, Field, PageTitle, describedBy } from "./ui.tsx";
import { useLoad } from "./use-load.ts";
import { useSubmit } from "./use-submit.ts";

/** Every field any platform's form has, as typed; each platform sends its own. */
interface Draft {
  bot_token: string;
  name: string;
  scope: Scope;
  mention: string;
  welcome_message: string;
  socket_mode: boolean;
  signing_secret: string;
  app_token: string;
  workspace_id: string;
  application_id: string;
  guild_id: string;
  thread_auto_create: boolean;
}

const EMPTY: Draft = {
  bot_token: "",
  name: "",
  scope: "mentions",
  mention: "",
  welcome_message: "",
  socket_mode: false,
  signing_secret: "",
  app_token: "",
  workspace_id: "",
  application_id: "",
  guild_id: "",
  thread_auto_create: false,
};

const optional = (value: string) => (value.trim() === "" ? undefined : value.trim());

function bodyOf(platform: Platform, d: Draft): Record<string, unknown> {
  const common = { bot_token: d.bot_token.trim(), name: optional(d.name), scope: d.scope };
  switch (platform) {
    case "telegram":
      return { ...common, mention: optional(d.mention), welcome_message: d.welcome_message === "" ? undefined : d.welcome_message };
    case "slack":
      return { ...common, signing_secret: d.signing_secret.trim(), app_token: d.socket_mode ? d.app_token.trim() : undefined, workspace_id: optional(d.workspace_id) };
    case "discord":
      return { ...common, guild_id: d.guild_id.trim(), thread_auto_create: d.thread_auto_create };
  }
}

/** A guided connect: the platform's own steps, then its form; errors land under the field they are about. */
export function ConnectPage({ replicaId, platform }: { replicaId: string; platform: Platform }) {
  const api = useApi();
  const replica = useLoad(() => api.get<Replica>(`/v1/replicas/${encodeURIComponent(replicaId)}`), replicaId);
  const [draft, setDraft] = useState(EMPTY);
  const text = (field: keyof Draft) => (e: { currentTarget: HTMLInputElement | HTMLTextAreaElement }) => setDraft({ ...draft, [field]: e.currentTarget.value });
  const { submit, busy, error, fields } = useSubmit(async () => {
    const created = await api.post<Integration>(`/v1/replicas/${encodeURIComponent(replicaId)}/integrations/${platform}`, bodyOf(platform, draft));
    carryWarnings(created.id, created.warnings ?? []);
    navigate(href.integration(created.id));
  });
  const name = replica.data?.name ?? "your replica";
  const input = (id: string, field: keyof Draft, error: string | undefined, extra: Record<string, unknown> = {}) => (
    <input {...describedBy(id, error)} value={draft[field] as string} onInput={text(field)} spellcheck={false} autoComplete="off" {...extra} />
  );
  return (
    <>
      <PageTitle>
        Connect a {platformLabel(platform)} bot to {name}
      </PageTitle>
      <p>
        <a href={href.replica(replicaId)}>Back to {name}</a>
      </p>
      {replica.error ? <ErrorNotice error={replica.error} /> : null}
      <section aria-labelledby="steps-title" class="panel">
        <h2 id="steps-title">On {platformLabel(platform)}</h2>
        {platform === "telegram" ? <TelegramSteps /> : null}
        {platform === "slack" ? <SlackSteps name={name} socketMode={draft.socket_mode} onMode={(socket_mode) => setDraft({ ...draft, socket_mode })} /> : null}
        {platform === "discord" ? <DiscordSteps applicationId={draft.application_id} onApplicationId={(application_id) => setDraft({ ...draft, application_id })} /> : null}
      </section>
      <section aria-labelledby="form-title" class="panel">
        <h2 id="form-title">In Patchbay</h2>
        <form method="post" noValidate onSubmit={submit} aria-label={`Connect a ${platformLabel(platform)} bot`}>
          {platform === "telegram" ? (
            <>
              <Field id="bot-token" label="Bot token" error={fields.bot_token} hint="The token BotFather sent, like 123456789:AA…">
                {input("bot-token", "bot_token", fields.bot_token, { type: "password", required: true })}
              </Field>
              <Field id="mention" label="Mention (optional)" error={fields.mention} hint="The handle it answers to in groups; empty: the bot's @username.">
                {input("mention", "mention", fields.mention)}
              </Field>
              <Field id="welcome" label="Welcome message (optional)" error={fields.welcome_message} hint="The answer to /start; empty: the replica's greeting.">
                <textarea {...describedBy("welcome", fields.welcome_message)} rows={2} value={draft.welcome_message} onInput={text("welcome_message")} />
              </Field>
            </>
          ) : null}
          {platform === "slack" ? (
            <>
              <Field id="bot-token" label="Bot User OAuth Token" error={fields.bot_token} hint="OAuth & Permissions → Bot User OAuth Token (xoxb-…), after installing the app.">
                {input("bot-token", "bot_token", fields.bot_token, { type: "password", required: true })}
              </Field>
              <Field id="signing-secret" label="Signing Secret" error={fields.signing_secret} hint="Basic Information → App Credentials → Signing Secret.">
                {input("signing-secret", "signing_secret", fields.signing_secret, { type: "password", required: true })}
              </Field>
              {draft.socket_mode ? (
                <Field id="app-token" label="App-level token" error={fields.app_token} hint="Basic Information → App-Level Tokens: a token with connections:write (xapp-…).">
                  {input("app-token", "app_token", fields.app_token, { type: "password", required: true })}
                </Field>
              ) : null}
              <Field id="workspace-id" label="Workspace id (optional)" error={fields.workspace_id} hint="T0123ABCD; checked against the token's workspace when given.">
                {input("workspace-id", "workspace_id", fields.workspace_id)}
              </Field>
            </>
          ) : null}
          {platform === "discord" ? (
            <>
              <Field id="bot-token" label="Bot token" error={fields.bot_token} hint="Bot → Reset Token in the Developer Portal.">
                {input("bot-token", "bot_token", fields.bot_token, { type: "password", required: true })}
              </Field>
              <Field id="guild-id" label="Server (guild) id" error={fields.guild_id} hint="Turn on Developer Mode, right-click the server, Copy Server ID.">
                {input("guild-id", "guild_id", fields.guild_id, { required: true, inputMode: "numeric" })}
              </Field>
              <CheckField
                id="thread-auto-create"
                label="Start a thread from each answer"
                checked={draft.thread_auto_create}
                onChange={(thread_auto_create) => setDraft({ ...draft, thread_auto_create })}
              />
            </>
          ) : null}
          <Field id="integration-name" label="Name (optional)" error={fields.name} hint="Empty: the bot's username.">
            {input("integration-name", "name", fields.name)}
          </Field>
          <ScopeField id="connect-scope" value={draft.scope} onChange={(scope) => setDraft({ ...draft, scope })} error={fields.scope} />
          <ErrorNotice error={error} fieldsShown />
          <button type="submit" class="primary" disabled={busy}>
            {busy ? "Checking with the platform…" : "Connect"}
          </button>
        </form>
      </section>
    </>
  );
}

function TelegramSteps() {
  return (
    <ol class="steps">
      <li>
        In Telegram, open <strong>@BotFather</strong>, send <code>/newbot</code> and choose a display name and a username ending in <code>bot</code>.
        BotFather answers with the bot's token: paste it below.
      </li>
      <li>
        <strong>Privacy mode.</strong> It is on by default: in groups the bot then sees only commands and replies to its own messages, not plain{" "}
        <code>@mentions</code> and not the rest of the conversation. For a bot that answers mentions or every message in groups, send{" "}
        <code>/setprivacy</code> to BotFather, pick the bot and choose <em>Disable</em> (or make the bot a group admin). The change applies to a group
        only after the bot is removed and added again. Direct messages are never affected.
      </li>
      <li>Add the bot to the groups it should answer in; you can limit it to some of them on the integration page.</li>
    </ol>
  );
}

function SlackSteps({ name, socketMode, onMode }: { name: string; socketMode: boolean; onMode(socketMode: boolean): void }) {
  return (
    <>
      <fieldset>
        <legend>How Slack reaches Patchbay</legend>
        <div class="field check">
          <input type="radio" id="slack-webhook" name="slack-delivery" checked={!socketMode} onChange={() => onMode(false)} />
          <label for="slack-webhook">Events to a public URL (Patchbay on AWS, or behind a tunnel)</label>
        </div>
        <div class="field check">
          <input type="radio" id="slack-socket" name="slack-delivery" checked={socketMode} onChange={() => onMode(true)} />
          <label for="slack-socket">Socket Mode (npm start on a laptop, no public URL)</label>
        </div>
      </fieldset>
      <ol class="steps">
        <li>
          At api.slack.com/apps choose <strong>Create New App → From a manifest</strong>, pick the workspace and paste this manifest:
          <CopyBox id="slack-manifest" label="App manifest" text={slackManifest(name, socketMode ? { socketMode: true } : { socketMode: false })} rows={10} />
        </li>
        {socketMode ? (
          <li>
            Under <strong>Basic Information → App-Level Tokens</strong>, generate a token with the <code>connections:write</code> scope (xapp-…). Socket
            Mode is already on in the manifest.
          </li>
        ) : (
          <li>
            Once connected, the integration page shows this manifest again with the integration's own Request URL filled in: paste it under{" "}
            <strong>App Manifest</strong> and Slack checks the URL.
          </li>
        )}
        <li>
          <strong>Install to Workspace</strong>, then copy the Bot User OAuth Token (OAuth &amp; Permissions) and the Signing Secret (Basic Information).
        </li>
        <li>Invite the bot to the channels it should answer in (<code>/invite @{name}</code>).</li>
      </ol>
    </>
  );
}

function DiscordSteps({ applicationId, onApplicationId }: { applicationId: string; onApplicationId(id: string): void }) {
  const valid = /^\d{15,22}$/.test(applicationId.trim());
  return (
    <ol class="steps">
      <li>
        In the Discord Developer Portal, create a <strong>New Application</strong>; under <strong>Bot</strong>, press Reset Token and copy the token.
      </li>
      <li>
        Under <strong>Bot → Privileged Gateway Intents</strong>, turn on <strong>Message Content Intent</strong>: without it Discord hands the bot
        messages with their text removed, and it cannot answer them.
      </li>
      <li>
        Invite the bot to your server with the link below (it asks for the bot and applications.commands scopes and the permissions to read, answer and
        start threads).
        <Field id="application-id" label="Application id" hint="General Information → Application ID; only used to make the link.">
          <input {...describedBy("application-id", undefined)} value={applicationId} inputMode="numeric" autoComplete="off" onInput={(e) => onApplicationId(e.currentTarget.value)} />
        </Field>
        {valid ? <CopyBox id="invite-url" label="Invite link" text={inviteUrl(applicationId.trim())} rows={2} /> : null}
      </li>
    </ol>
  );
}
