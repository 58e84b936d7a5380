import { useState } from "preact/hooks";
import { fieldErrors } from "./errors.ts";

/**
 * One form's submission: busy while it runs, then the sentence `action` answers (e.g. "Saved.") or the error,
 * with the API's field errors by field name for the Fields to show.
 */
export function useSubmit(action: () => Promise<string | void>) {
  const [error, setError] = useState<unknown>(undefined);
  const [done, setDone] = useState("");
  const [busy, setBusy] = useState(false);
  const submit = async (e?: Event) => {
    e?.preventDefault();
    setBusy(true);
    setError(undefined);
    setDone("");
    try {
      setDone((await action()) ?? "");
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  return { submit, busy, done, error, fields: fieldErrors(error) };
}
