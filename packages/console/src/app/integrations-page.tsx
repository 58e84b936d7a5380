import { IntegrationList } from "./integration-list.tsx";
import { href } from "./route.ts";
import { PageTitle } from "./ui.tsx";

export function IntegrationsPage() {
  return (
    <>
      <PageTitle>Integrations</PageTitle>
      <p>Every bot connected to one of your replicas. To connect another, open a replica.</p>
      <IntegrationList path="/v1/integrations?limit=50" empty="No bot is connected yet." />
      <p>
        <a href={href.replicas()}>Your replicas</a>
      </p>
    </>
  );
}
