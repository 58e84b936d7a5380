import { Field, describedBy } from "./ui.tsx";

export type Scope = "all" | "mentions" | "none";

const SCOPE_HINTS: Record<Scope, string> = {
  mentions: "In groups and channels, answer only when the bot is mentioned or replied to. Direct messages are always answered.",
  all: "Answer every message in the groups and channels it may answer in, and direct messages.",
  none: "Answer nothing (the messages are still logged).",
};

export function ScopeField({ id, value, onChange, error }: { id: string; value: Scope; onChange(scope: Scope): void; error?: string | undefined }) {
  return (
    <Field id={id} label="Answer" error={error} hint={SCOPE_HINTS[value]}>
      <select {...describedBy(id, error)} value={value} onChange={(e) => onChange(e.currentTarget.value as Scope)}>
        <option value="mentions">when mentioned (mentions)</option>
        <option value="all">every message (all)</option>
        <option value="none">nothing (none)</option>
      </select>
    </Field>
  );
}
