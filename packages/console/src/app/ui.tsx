/** Small pieces every page uses. Strings are always children or attribute values: Preact renders them as text. */
import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError } from "./api.ts";
import { ADVICE } from "./errors.ts";

/** A page's title; focused when the page opens so keyboard and screen-reader users start there. */
export function PageTitle({ children }: { children: ComponentChildren }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => ref.current?.focus(), []);
  return (
    <h1 tabIndex={-1} ref={ref}>
      {children}
    </h1>
  );
}

interface FieldProps {
  id: string;
  label: string;
  hint?: ComponentChildren;
  error?: string | undefined;
  children: ComponentChildren;
}

/** A label, the control, its hint and its error; the control names them with aria-describedby (see describedBy). */
export function Field({ id, label, hint, error, children }: FieldProps) {
  return (
    <div class={error ? "field invalid" : "field"}>
      <label for={id}>{label}</label>
      {children}
      {hint ? (
        <p class="hint" id={`${id}-hint`}>
          {hint}
        </p>
      ) : null}
      {error ? (
        <p class="field-error" id={`${id}-error`}>
          {error}
        </p>
      ) : null}
    </div>
  );
}

/** The aria attributes of a control inside a Field. */
export function describedBy(id: string, error: string | undefined, hint = true) {
  const ids = [hint ? `${id}-hint` : "", error ? `${id}-error` : ""].filter(Boolean).join(" ");
  return { id, "aria-invalid": error ? ("true" as const) : undefined, "aria-describedby": ids || undefined };
}

export function CheckField({ id, label, checked, onChange, hint }: { id: string; label: string; checked: boolean; onChange(value: boolean): void; hint?: string }) {
  return (
    <div class="field check">
      <input type="checkbox" id={id} checked={checked} onChange={(e) => onChange(e.currentTarget.checked)} aria-describedby={hint ? `${id}-hint` : undefined} />
      <label for={id}>{label}</label>
      {hint ? (
        <p class="hint" id={`${id}-hint`}>
          {hint}
        </p>
      ) : null}
    </div>
  );
}

/** An API failure as a sentence, its code, what to do and the request id to quote. */
export function ErrorNotice({ error, fieldsShown = false }: { error: unknown; fieldsShown?: boolean }) {
  if (!error) return null;
  if (!(error instanceof ApiError)) return <p class="notice error" role="alert">{String(error)}</p>;
  const { body } = error;
  const scopes = body.required_scopes ?? [];
  const missing = Array.isArray(body.missing_scopes) ? (body.missing_scopes as string[]) : [];
  const invite = typeof body.invite_url === "string" && body.invite_url.startsWith("https://") ? body.invite_url : undefined;
  return (
    <div class="notice error" role="alert">
      <p>
        <strong>{error.message}</strong> <code class="code">{body.code}</code>
      </p>
      {!fieldsShown && body.fields?.length ? (
        <ul>
          {body.fields.map((f) => (
            <li key={f.field}>
              <code>{f.field}</code> {f.message}
            </li>
          ))}
        </ul>
      ) : null}
      {scopes.length ? (
        <p>
          Required scopes:{" "}
          {scopes.map((scope) => (
            <code key={scope} class={missing.includes(scope) ? "scope missing" : "scope"}>
              {scope}
              {missing.includes(scope) ? " (missing)" : ""}
            </code>
          ))}
        </p>
      ) : null}
      {invite ? (
        <p>
          Invite the bot: <a href={invite} target="_blank" rel="noopener noreferrer">{invite}</a>
        </p>
      ) : null}
      {ADVICE[body.code] ? <p>{ADVICE[body.code]}</p> : null}
      {error.requestId ? <p class="request-id">Request id {error.requestId}</p> : null}
    </div>
  );
}

/** Text to copy (a manifest, a URL): selectable, with a button that copies it. */
export function CopyBox({ id, label, text, rows = 3 }: { id: string; label: string; text: string; rows?: number }) {
  const [copied, setCopied] = useState("");
  const area = useRef<HTMLTextAreaElement>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied("Copied.");
    } catch {
      // No clipboard access (an http:// address that is not localhost): select it for Ctrl-C instead.
      area.current?.select();
      setCopied("Selected: press Ctrl-C (⌘-C) to copy.");
    }
  };
  return (
    <div class="field copy">
      <label for={id}>{label}</label>
      <textarea id={id} ref={area} readOnly rows={rows} value={text} spellcheck={false} />
      <div class="row">
        <button type="button" onClick={copy}>
          Copy
        </button>
        <span role="status">{copied}</span>
      </div>
    </div>
  );
}

/** A destructive action asks once more, in place (no browser dialog). */
export function ConfirmButton({ label, confirm, onConfirm, disabled }: { label: string; confirm: string; onConfirm(): void; disabled?: boolean }) {
  const [asking, setAsking] = useState(false);
  if (!asking) {
    return (
      <button type="button" class="danger" disabled={disabled} onClick={() => setAsking(true)}>
        {label}
      </button>
    );
  }
  return (
    <span class="confirm" role="group" aria-label={confirm}>
      <span>{confirm}</span>
      <button type="button" class="danger" onClick={() => (setAsking(false), onConfirm())}>
        Yes, {label.toLowerCase()}
      </button>
      <button type="button" onClick={() => setAsking(false)} autoFocus>
        Cancel
      </button>
    </span>
  );
}

export function StatusBadge({ status }: { status: string }) {
  return <span class={`badge status-${status}`}>{status}</span>;
}

export function Time({ at }: { at: string | null | undefined }) {
  if (!at) return <span>never</span>;
  return <time dateTime={at}>{new Date(at).toLocaleString()}</time>;
}
