/// <reference path="./.sst/platform/config.d.ts" />

/**
 * Patchbay on AWS. This file only composes `infra/`, one file per concern.
 * Type-check and test it offline with `npm run check:infra`.
 */
export default $config({
  app(input) {
    const production = input?.stage === "production";
    return {
      name: "patchbay",
      home: "aws",
      version: "4.17.1",
      removal: production ? "retain" : "remove",
      protect: production,
    };
  },
  async run() {
    // Before anything that creates a function.
    const { applyFunctionDefaults } = await import("./infra/defaults");
    applyFunctionDefaults();

    const { createTable } = await import("./infra/storage");
    const { createQueues } = await import("./infra/queue");
    const { createSecrets } = await import("./infra/secrets");
    const { createApi, addApiRoutes } = await import("./infra/api");
    const { buildConsole } = await import("./infra/console");
    const { createSettings } = await import("./infra/settings");
    const { addWebhookRoutes } = await import("./infra/webhooks");
    const { addResponder } = await import("./infra/responder");
    const { addReconciler } = await import("./infra/reconciler");
    const { addDiscordListener } = await import("./infra/discord-listener");
    const { addMonitoring } = await import("./infra/monitoring");

    const table = createTable();
    const { queue, dlq, deadLetters } = createQueues();
    const { tenantSecrets, tenantSecretsWriter, openAiApiKey, anthropicApiKey } = createSecrets();
    const api = createApi();
    const settings = createSettings({ apiUrl: api.url, openAiApiKey, anthropicApiKey });

    // Every function reads its configuration from these links at cold start; each gets only what it uses.
    const link = [table, queue, tenantSecrets, settings];

    // The API calls models too: POST /v1/replicas/{id}/preview answers with the replica's model.
    // The API function ships the web console it serves at /console: built first.
    await buildConsole();
    addApiRoutes(api, [...link, tenantSecretsWriter, openAiApiKey, anthropicApiKey]);
    addWebhookRoutes(api, link);
    addDiscordListener(link);
    const responder = addResponder(queue, [...link, deadLetters, openAiApiKey, anthropicApiKey]);
    const reconciler = addReconciler(link);
    const { topic } = addMonitoring({ queue, dlq, responder: responder.nodes.function, reconciler: reconciler.nodes.function });

    return {
      apiUrl: api.url,
      tableName: table.name,
      queueUrl: queue.url,
      dlqUrl: dlq.url,
      // Subscribe an e-mail to it to hear of the alarms (README: Watching it).
      alarmTopicArn: topic.arn,
    };
  },
});
