import { useState } from "preact/hooks";
import type { Api, Integration, TestResult, ValidateResult } from "./api.ts";
import { useApi } from "./app.tsx";
import { ActivityLog } from "./activity-log.tsx";
import { ChannelsPanel } from "./channels-panel.tsx";
import { ADVICE } from "./errors.ts";
import { takeWarnings } from "./flash.ts";
import { IntegrationSettings, TokenRotation } from "./integration-settings.tsx";
import { platformLabel } from "./integration-list.tsx";
import { href, navigate } from "./route.ts";
import { slackManifest } from "./slack-manifest.ts";
import { ConfirmButton, CopyBox, ErrorNotice, PageTitle, StatusBadge, Time } from "./ui.tsx";
import { useLoad } from "./use-load.ts";
import { useSubmit } from "./use-submit.ts";

const DELIVERY: Record<Integration["delivery"], string> = {
  webhook: "the platform calls the webhook URL",
  polling: "Patchbay long-polls Telegram (no public URL needed)",
  socket: "Slack Socket Mode (no public URL needed)",
  gateway: "Discord's Gateway",
};

export function IntegrationPage({ id }: { id: string }) {
  const api = useApi();
  const path = `/v1/integrations/${encodeURIComponent(id)}`;
  const loaded = useLoad(() => api.get<Integration>(path), path);
  const [warnings] = useState(() => takeWarnings(id));
  if (loaded.error && !loaded.data) {
    return (
      <>
        <PageTitle>Integration</PageTitle>
        <ErrorNotice error={loaded.error} />
      </>
    );
  }
  const integration = loaded.data;
  if (!integration) return <p aria-busy="true">Loading the integration…</p>;
  const save = async (patch: Record<string, unknown>) => {
    await api.patch<Integration>(path, patch);
    await loaded.reload();
  };
  return (
    <>
      <PageTitle>{integration.name}</PageTitle>
      <p class="meta">
        {platformLabel(integration.platform)} bot @{integration.bot.username} · <StatusBadge status={integration.status} /> ·{" "}
        <a href={href.replica(integration.replica_id)}>its replica</a>
      </p>
      {warnings.length ? (
        <div class="notice" role="status">
          <p>Connected. The platform says:</p>
          <ul>
            {warnings.map((w) => (
              <li key={w}>{w}</li>
            ))}
          </ul>
        </div>
      ) : null}
      <Overview integration={integration} />
      <Checks api={api} integration={integration} onChecked={loaded.reload} />
      {integration.platform === "slack" ? <SlackManifestPanel integration={integration} /> : null}
      <div class="columns">
        <IntegrationSettings integration={integration} onSave={save} />
        <ChannelsPanel integration={integration} onSaved={loaded.reload} />
      </div>
      <ActivityLog integrationId={integration.id} onActivity={() => void loaded.reload()} />
      <section aria-labelledby="manage-title" class="panel">
        <h2 id="manage-title">Pause, rotate, delete</h2>
        <PauseResume integration={integration} onSave={save} />
        <TokenRotation integration={integration} onSave={save} />
        <DeleteIntegration api={api} integration={integration} />
      </section>
    </>
  );
}

function Overview({ integration }: { integration: Integration }) {
  const problem = integration.last_error;
  return (
    <section aria-labelledby="overview-title" class="panel">
      <h2 id="overview-title">Status</h2>
      {problem ? (
        <div class="notice error" role="status">
          <p>
            <strong>{problem.message}</strong> <code class="code">{problem.code}</code> · <Time at={problem.at} />
          </p>
          {ADVICE[problem.code] ? <p>{ADVICE[problem.code]}</p> : null}
        </div>
      ) : null}
      <dl class="facts">
        <dt>Status</dt>
        <dd>
          <StatusBadge status={integration.status} /> {integration.active ? "" : "(paused: messages are logged, not answered)"}
        </dd>
        <dt>Delivery</dt>
        <dd>
          {integration.delivery}: {DELIVERY[integration.delivery]}
        </dd>
        <dt>Webhook URL</dt>
        <dd>
          <code class="wrap">{integration.webhook_url}</code>
        </dd>
        <dt>Bot</dt>
        <dd>
          @{integration.bot.username} (id {integration.bot.id})
        </dd>
        {integration.workspace_name ? (
          <>
            <dt>Workspace</dt>
            <dd>{integration.workspace_name}</dd>
          </>
        ) : null}
        {integration.guild_name ? (
          <>
            <dt>Server</dt>
            <dd>{integration.guild_name}</dd>
          </>
        ) : null}
        <dt>Token</dt>
        <dd>
          <code>{integration.bot_token}</code>
        </dd>
        <dt>Messages</dt>
        <dd>
          {integration.message_count}, the last <Time at={integration.last_message_at} />
        </dd>
        <dt>Last validated</dt>
        <dd>
          <Time at={integration.validated_at} />
        </dd>
      </dl>
    </section>
  );
}

/** Validate and test, each with how long it took. */
function Checks({ api, integration, onChecked }: { api: Api; integration: Integration; onChecked(): Promise<void> }) {
  const path = `/v1/integrations/${encodeURIComponent(integration.id)}`;
  const [validation, setValidation] = useState<{ result?: ValidateResult; ms: number; error?: unknown } | null>(null);
  const [test, setTest] = useState<{ result?: TestResult; error?: unknown } | null>(null);
  const [channel, setChannel] = useState("");
  const [busy, setBusy] = useState("");
  const validate = async () => {
    setBusy("validate");
    const started = performance.now();
    try {
      const result = await api.post<ValidateResult>(`${path}/validate`);
      setValidation({ result, ms: Math.round(performance.now() - started) });
      await onChecked();
    } catch (error) {
      setValidation({ error, ms: 0 });
    } finally {
      setBusy("");
    }
  };
  const sendTest = async (e: Event) => {
    e.preventDefault();
    setBusy("test");
    try {
      setTest({ result: await api.post<TestResult>(`${path}/test`, channel.trim() ? { channel_id: channel.trim() } : {}) });
    } catch (error) {
      setTest({ error });
    } finally {
      setBusy("");
    }
  };
  return (
    <section aria-labelledby="checks-title" class="panel">
      <h2 id="checks-title">Check</h2>
      <div class="row">
        <button type="button" onClick={validate} disabled={busy !== ""}>
          {busy === "validate" ? "Validating…" : "Validate"}
        </button>
        <span class="hint">Asks the platform whether the token works and messages still reach Patchbay.</span>
      </div>
      <div role="status" class="result">
        {validation?.result?.valid === true ? (
          <p class="ok">
            Valid, checked in {validation.ms} ms.
            {validation.result.warnings.map((w) => (
              <span key={w} class="warning">
                {" "}
                {w}
              </span>
            ))}
          </p>
        ) : null}
        {validation?.result?.valid === false ? (
          <p class="bad">
            Not valid: {validation.result.error.message} <code class="code">{validation.result.error.code}</code>{" "}
            {ADVICE[validation.result.error.code] ?? ""}
          </p>
        ) : null}
      </div>
      {validation?.error ? <ErrorNotice error={validation.error} /> : null}
      <form method="post" onSubmit={sendTest} aria-label="Send a test message" class="row">
        <label for="test-channel">Chat or channel id (optional)</label>
        <input id="test-channel" value={channel} onInput={(e) => setChannel(e.currentTarget.value)} autoComplete="off" spellcheck={false} />
        <button type="submit" disabled={busy !== ""}>
          {busy === "test" ? "Sending…" : "Send a test message"}
        </button>
      </form>
      <div role="status" class="result">
        {test?.result ? (
          test.result.test_result.success ? (
            <p class="ok">
              Delivered in {Math.round(test.result.test_result.latency_ms)} ms (message {test.result.test_result.message_id}).
            </p>
          ) : (
            <p class="bad">
              Not delivered after {Math.round(test.result.test_result.latency_ms)} ms: {test.result.test_result.error?.message}{" "}
              <code class="code">{test.result.test_result.error?.code}</code>
            </p>
          )
        ) : null}
      </div>
      {test?.error ? <ErrorNotice error={test.error} /> : null}
    </section>
  );
}

function SlackManifestPanel({ integration }: { integration: Integration }) {
  const socketMode = integration.delivery === "socket";
  return (
    <section aria-labelledby="manifest-title" class="panel">
      <h2 id="manifest-title">Slack app manifest</h2>
      <p class="hint">
        {socketMode
          ? "Messages arrive through Socket Mode: the app needs Socket Mode on and these events."
          : "Paste this under App Manifest in the app's settings: Slack then sends events to this integration's Request URL (it checks the URL when you save)."}
      </p>
      <CopyBox
        id="integration-manifest"
        label="App manifest"
        text={slackManifest(integration.name, socketMode ? { socketMode: true } : { socketMode: false, requestUrl: integration.webhook_url })}
        rows={12}
      />
    </section>
  );
}

function PauseResume({ integration, onSave }: { integration: Integration; onSave(patch: Record<string, unknown>): Promise<void> }) {
  const { submit: toggle, error } = useSubmit(() => onSave({ active: !integration.active }));
  return (
    <div class="action">
      <button type="button" onClick={() => toggle()}>
        {integration.active ? "Pause" : "Resume"}
      </button>
      <span class="hint">{integration.active ? "While paused, the bot answers nothing; messages are still logged." : "The bot is paused: messages are logged, not answered."}</span>
      <ErrorNotice error={error} />
    </div>
  );
}

function DeleteIntegration({ api, integration }: { api: Api; integration: Integration }) {
  const { submit: remove, error } = useSubmit(async () => {
    await api.delete(`/v1/integrations/${encodeURIComponent(integration.id)}`);
    navigate(href.replica(integration.replica_id));
  });
  return (
    <div class="action">
      <ConfirmButton
        label="Delete integration"
        confirm={`Disconnect ${integration.name}? Patchbay unregisters it at ${platformLabel(integration.platform)} and forgets its token and activity.`}
        onConfirm={remove}
      />
      <ErrorNotice error={error} />
    </div>
  );
}
