import { useState } from "preact/hooks";
import type { PreviewResult } from "./api.ts";
import { useApi } from "./app.tsx";
import { ErrorNotice, Field, describedBy } from "./ui.tsx";
import { useSubmit } from "./use-submit.ts";

interface Turn {
  role: "user" | "assistant";
  content: string;
  note?: string;
}

/** Talks to the replica through POST /v1/replicas/{id}/preview: no platform, nothing stored. */
export function PreviewBox({ replicaId }: { replicaId: string }) {
  const api = useApi();
  const [text, setText] = useState("");
  const [turns, setTurns] = useState<Turn[]>([]);
  const { submit: ask, busy, error, fields } = useSubmit(async () => {
    const history = turns.map(({ role, content }) => ({ role, content }));
    const result = await api.post<PreviewResult>(`/v1/replicas/${encodeURIComponent(replicaId)}/preview`, { text, history });
    setTurns([...turns, { role: "user", content: text }, { role: "assistant", content: result.answer, note: `${result.model} · ${result.latency_ms} ms` }]);
    setText("");
  });
  return (
    <section aria-labelledby="preview-title" class="panel">
      <h2 id="preview-title">Preview</h2>
      <p class="hint">Ask the replica as a user would; the same instructions, model and settings answer, and nothing is sent to any platform.</p>
      {turns.length ? (
        <ol class="conversation" aria-live="polite">
          {turns.map((turn, i) => (
            <li key={i} class={`turn ${turn.role}`}>
              <span class="who">{turn.role === "user" ? "You" : "Replica"}</span>
              <span class="said">{turn.content}</span>
              {turn.note ? <span class="meta">{turn.note}</span> : null}
            </li>
          ))}
        </ol>
      ) : null}
      <form method="post" onSubmit={ask} aria-label="Preview">
        <Field id="preview-text" label="Message" error={fields.text}>
          <textarea {...describedBy("preview-text", fields.text, false)} rows={2} required value={text} onInput={(e) => setText(e.currentTarget.value)} />
        </Field>
        <ErrorNotice error={error} fieldsShown />
        <div class="row">
          <button type="submit" disabled={busy || text.trim() === ""}>
            {busy ? "Asking…" : "Ask"}
          </button>
          {turns.length ? (
            <button type="button" onClick={() => setTurns([])}>
              Start over
            </button>
          ) : null}
        </div>
      </form>
    </section>
  );
}
