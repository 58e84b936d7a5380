import { useState } from "preact/hooks";
import type { Replica } from "./api.ts";
import { CheckField, ErrorNotice, Field, describedBy } from "./ui.tsx";
import { useSubmit } from "./use-submit.ts";

/** The replica as the form holds it: numbers and optional texts as typed, empty meaning "the default". */
interface Draft {
  name: string;
  instructions: string;
  model: string;
  greeting: string;
  stream: boolean;
  temperature: string;
  max_output_tokens: string;
}

const draftOf = (replica: Replica | null): Draft => ({
  name: replica?.name ?? "",
  instructions: replica?.instructions ?? "",
  model: replica?.model ?? "",
  greeting: replica?.greeting ?? "",
  stream: replica?.stream ?? true,
  temperature: replica?.temperature === null || replica?.temperature === undefined ? "" : String(replica.temperature),
  max_output_tokens: replica?.max_output_tokens === null || replica?.max_output_tokens === undefined ? "" : String(replica.max_output_tokens),
});

/** What the API takes; a new replica leaves the model out to get the deployment's default. */
function bodyOf(draft: Draft, isNew: boolean) {
  const number = (text: string) => (text.trim() === "" ? null : Number(text));
  return {
    name: draft.name,
    instructions: draft.instructions,
    ...(draft.model.trim() === "" && isNew ? {} : { model: draft.model.trim() }),
    greeting: draft.greeting === "" ? null : draft.greeting,
    stream: draft.stream,
    temperature: number(draft.temperature),
    max_output_tokens: number(draft.max_output_tokens),
  };
}

export function ReplicaForm({ replica, onSave }: { replica: Replica | null; onSave(body: ReturnType<typeof bodyOf>): Promise<void> }) {
  const [draft, setDraft] = useState(() => draftOf(replica));
  const set = (field: keyof Draft) => (e: { currentTarget: HTMLInputElement | HTMLTextAreaElement }) => setDraft({ ...draft, [field]: e.currentTarget.value });
  const { submit, busy, done, error, fields } = useSubmit(async () => {
    await onSave(bodyOf(draft, replica === null));
    return replica ? "Saved: the next answer uses these settings." : "";
  });
  return (
    <form method="post" noValidate onSubmit={submit} aria-label={replica ? "Replica settings" : "New replica"}>
      <Field id="replica-name" label="Name" error={fields.name} hint="How you and the bots' users know it.">
        <input {...describedBy("replica-name", fields.name)} required maxLength={100} value={draft.name} onInput={set("name")} />
      </Field>
      <Field id="replica-instructions" label="Instructions" error={fields.instructions} hint="The system prompt of every answer: who the replica is and how it answers.">
        <textarea {...describedBy("replica-instructions", fields.instructions)} rows={6} value={draft.instructions} onInput={set("instructions")} />
      </Field>
      <Field
        id="replica-model"
        label="Model"
        error={fields.model}
        hint={replica ? "echo, openai/<model>, anthropic/<model> or bedrock/<model-id>." : "Empty: the deployment's default model. Or echo, openai/<model>, anthropic/<model>, bedrock/<model-id>."}
      >
        <input {...describedBy("replica-model", fields.model)} value={draft.model} onInput={set("model")} spellcheck={false} autoComplete="off" />
      </Field>
      <Field id="replica-greeting" label="Greeting" error={fields.greeting} hint="The answer to /start on Telegram (when the integration has no welcome message). Empty: none.">
        <textarea {...describedBy("replica-greeting", fields.greeting)} rows={2} value={draft.greeting} onInput={set("greeting")} />
      </Field>
      <CheckField id="replica-stream" label="Stream answers" checked={draft.stream} onChange={(stream) => setDraft({ ...draft, stream })} hint="Show the answer on the platform as the model writes it." />
      <div class="pair">
        <Field id="replica-temperature" label="Temperature" error={fields.temperature} hint="0 to 2; empty: the provider's default.">
          <input {...describedBy("replica-temperature", fields.temperature)} type="number" min={0} max={2} step={0.1} inputMode="decimal" value={draft.temperature} onInput={set("temperature")} />
        </Field>
        <Field id="replica-max-tokens" label="Longest answer (tokens)" error={fields.max_output_tokens} hint="Empty: the provider's default.">
          <input {...describedBy("replica-max-tokens", fields.max_output_tokens)} type="number" min={1} step={1} inputMode="numeric" value={draft.max_output_tokens} onInput={set("max_output_tokens")} />
        </Field>
      </div>
      <ErrorNotice error={error} fieldsShown />
      <div class="row">
        <button type="submit" class="primary" disabled={busy}>
          {replica ? "Save" : "Create replica"}
        </button>
        <span role="status">{done}</span>
      </div>
    </form>
  );
}
