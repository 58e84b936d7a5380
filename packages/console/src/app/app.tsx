import { createContext } from "preact";
import { useContext, useMemo, useState } from "preact/hooks";
import { createApi } from "./api.ts";
import type { Api } from "./api.ts";
import { IntegrationPage } from "./integration-page.tsx";
import { IntegrationsPage } from "./integrations-page.tsx";
import { ConnectPage } from "./connect-page.tsx";
import { ReplicaPage } from "./replica-page.tsx";
import { ReplicasPage } from "./replicas-page.tsx";
import { href, useRoute } from "./route.ts";
import type { Route } from "./route.ts";
import { forgetKey, storedKey, storeKey } from "./session.ts";
import { SignIn } from "./sign-in.tsx";
import { PageTitle } from "./ui.tsx";

const ApiContext = createContext<Api | null>(null);

export function useApi(): Api {
  const api = useContext(ApiContext);
  if (!api) throw new Error("useApi outside a signed-in console");
  return api;
}

export function App() {
  const [key, setKey] = useState(storedKey);
  const [notice, setNotice] = useState("");
  const signOut = (why: string) => {
    forgetKey();
    setKey(null);
    setNotice(why);
  };
  const api = useMemo(() => (key ? createApi(key, () => signOut("The API refused this key (it may have been revoked); sign in again.")) : null), [key]);
  if (!api) {
    return (
      <SignIn
        notice={notice}
        onSignedIn={(k) => {
          storeKey(k);
          setNotice("");
          setKey(k);
        }}
      />
    );
  }
  return (
    <ApiContext.Provider value={api}>
      <Shell onSignOut={() => signOut("Signed out: this tab no longer holds the key.")} />
    </ApiContext.Provider>
  );
}

function Shell({ onSignOut }: { onSignOut(): void }) {
  const route = useRoute();
  return (
    <>
      <a class="skip" href="#main" onClick={(e) => (e.preventDefault(), document.getElementById("main")?.focus())}>
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href={href.replicas()}>
          Patchbay
        </a>
        <nav aria-label="Console">
          <a href={href.replicas()} aria-current={route.page === "replicas" ? "page" : undefined}>
            Replicas
          </a>
          <a href={href.integrations()} aria-current={route.page === "integrations" ? "page" : undefined}>
            Integrations
          </a>
          <a href="/docs">API docs</a>
        </nav>
        <button type="button" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        <Page route={route} />
      </main>
    </>
  );
}

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case "replicas":
      return <ReplicasPage />;
    case "new-replica":
      return <ReplicaPage key="new" id={null} />;
    case "replica":
      return <ReplicaPage key={route.id} id={route.id} />;
    case "connect":
      return <ConnectPage key={`${route.replicaId}/${route.platform}`} replicaId={route.replicaId} platform={route.platform} />;
    case "integrations":
      return <IntegrationsPage />;
    case "integration":
      return <IntegrationPage key={route.id} id={route.id} />;
    case "not-found":
      return (
        <>
          <PageTitle>No such page</PageTitle>
          <p>
            Nothing lives at <code>{route.path}</code>. <a href={href.replicas()}>Go to the replicas</a>.
          </p>
        </>
      );
  }
}
