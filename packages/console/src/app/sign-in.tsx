import { useState } from "preact/hooks";
import { ApiError, createApi } from "./api.ts";
import { ErrorNotice, Field, PageTitle, describedBy } from "./ui.tsx";
import { useSubmit } from "./use-submit.ts";

/** Checks the key with one cheap call before keeping it. */
export function SignIn({ notice, onSignedIn }: { notice: string; onSignedIn(key: string): void }) {
  const [key, setKey] = useState("");
  const { submit, busy, error } = useSubmit(async () => {
    const trimmed = key.trim();
    await createApi(trimmed, () => undefined).get("/v1/replicas?limit=1");
    onSignedIn(trimmed);
  });
  const refused = error instanceof ApiError && error.status === 401;
  const fieldError = refused ? "This key is not accepted: check that it was copied whole (pb_…), or create one with npm run keys." : undefined;
  return (
    <main id="main" class="sign-in">
      <PageTitle>Patchbay console</PageTitle>
      {notice ? (
        <p class="notice" role="status">
          {notice}
        </p>
      ) : null}
      {/* method=post: if the script ever failed to take over, the key would not land in a URL. */}
      <form method="post" onSubmit={submit} aria-label="Sign in">
        <Field id="api-key" label="API key" error={fieldError} hint="Kept in this tab only, until you sign out or close it.">
          <input
            {...describedBy("api-key", fieldError)}
            type="password"
            name="api_key"
            autoComplete="off"
            required
            value={key}
            onInput={(e) => setKey(e.currentTarget.value)}
          />
        </Field>
        {error && !refused ? <ErrorNotice error={error} /> : null}
        <button type="submit" disabled={busy || key.trim() === ""}>
          {busy ? "Checking…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}
