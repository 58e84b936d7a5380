import { OpenAPIHono, createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { ConnectInput, Integration, Platform } from "@patchbay/core";
import type { AppEnv, HttpDeps } from "./context.ts";
import {
  EXAMPLE_INTEGRATION_ID,
  EXAMPLE_REPLICA_ID,
  channelListExample,
  channelsRequestExample,
  connectExamples,
  deletedIntegrationExample,
  eventListExample,
  integrationExample,
  integrationListExample,
  integrationPatchExample,
  pendingIntegrationExample,
  testExample,
  testRequestExample,
  validateExample,
} from "./examples.ts";
import { errorResponses, jsonBody, jsonResponse, validationHook } from "./openapi.ts";
import type { DocumentedError } from "./openapi.ts";
import {
  ChannelList,
  ChannelsBody,
  ConnectBodies,
  Deleted,
  EventList,
  Integration as IntegrationSchema,
  IntegrationId,
  IntegrationList,
  IntegrationListQuery,
  IntegrationPatch,
  PageQuery,
  ReplicaId,
  ScopedConnectBodies,
  TestBody,
  TestResponse,
  ValidateResponse,
} from "./schemas.ts";
import { channelJson, eventJson, integrationJson } from "./serialize.ts";

const params = z.object({ id: IntegrationId });
const tags = ["Integrations"];

/** How a platform call fails, for the operations that make one. */
const PLATFORM_ERRORS: DocumentedError[] = ["INVALID_CREDENTIALS", "AUTH_EXPIRED", "INSUFFICIENT_PERMISSIONS", "RATE_LIMITED", "NETWORK_ERROR", "PLATFORM_ERROR"];
const notFound: DocumentedError = "NOT_FOUND";
const replicaNotFound: DocumentedError = {
  code: "NOT_FOUND",
  message: `No replica with id "${EXAMPLE_REPLICA_ID}". Check the id, or list replicas to find it.`,
  details: { id: EXAMPLE_REPLICA_ID },
};
const botTaken: DocumentedError = {
  code: "CONFLICT",
  message: `This telegram bot is already connected as integration "${EXAMPLE_INTEGRATION_ID}"; delete that integration first or update it.`,
  details: { integration_id: EXAMPLE_INTEGRATION_ID },
};
const busy: DocumentedError = { code: "CONFLICT", message: `Integration "${EXAMPLE_INTEGRATION_ID}" is being changed by another request right now; try again.` };
const PLATFORM_NAMES = { telegram: "Telegram", slack: "Slack", discord: "Discord" } as const;
const CONNECT_DESCRIPTION =
  "Checks the credentials with the platform first (a refused token is 422 and nothing is stored), keeps the secrets in the vault " +
  "(the answer shows `bot_token` masked), registers Patchbay's webhook and answers 201; when the platform cannot be reached for " +
  "the registration, 202 with `status: \"pending\"`, and registration is retried in the background. A bot can be connected once: " +
  "connecting it again is 409 naming the integration that holds it.";

type ConnectBody = z.infer<(typeof ConnectBodies)[keyof typeof ConnectBodies]>;
type ScopedBody = Omit<ConnectBody, "replica_id">;

/** API body → domain connect input; platform-specific fields travel as options. */
function connectInput(replicaId: string, body: ScopedBody): ConnectInput {
  const { bot_token, name, scope, channel_ids, ...rest } = body as ScopedBody & Record<string, unknown>;
  const { mention, welcome_message, thread_auto_create, ...options } = rest as Record<string, unknown>;
  return {
    replicaId,
    botToken: bot_token,
    name,
    scope,
    channelIds: channel_ids,
    mention: mention as string | undefined,
    welcomeMessage: welcome_message as string | null | undefined,
    threadAutoCreate: thread_auto_create as boolean | undefined,
    options,
  };
}

export function integrationRoutes(deps: HttpDeps) {
  const { integrations } = deps;
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  const view = (integration: Integration) => integrationJson(integration, integrations.webhookUrl(integration));

  const connected = async (c: Context<AppEnv>, platform: Platform, input: ConnectInput) => {
    const result = await integrations.connect(c.var.owner, platform, input);
    const body = { ...view(result.integration), ...(result.warnings.length ? { warnings: result.warnings } : {}) };
    return c.json(body, result.registered ? 201 : 202);
  };

  const created = {
    201: jsonResponse(IntegrationSchema, "Connected and registered with the platform", integrationExample),
    202: jsonResponse(IntegrationSchema, "Connected; the platform could not be reached, registration is retried in the background (status pending)", pendingIntegrationExample),
    ...errorResponses(replicaNotFound, botTaken, ...PLATFORM_ERRORS),
  };

  for (const platform of Object.keys(ConnectBodies) as (keyof typeof ConnectBodies)[]) {
    if (!integrations.supports(platform)) continue;
    app.openapi(
      createRoute({
        method: "post",
        path: `/integrations/${platform}`,
        operationId: `connect${PLATFORM_NAMES[platform]}`,
        tags,
        summary: `Connect a ${PLATFORM_NAMES[platform]} bot`,
        description: `Connects a ${PLATFORM_NAMES[platform]} bot to a replica: from then on the replica answers the bot's messages. ${CONNECT_DESCRIPTION}`,
        request: { body: jsonBody(ConnectBodies[platform], { replica_id: EXAMPLE_REPLICA_ID, ...connectExamples[platform] }) },
        responses: created,
      }),
      async (c) => {
        const body = c.req.valid("json");
        return connected(c, platform, connectInput(body.replica_id, body)) as never;
      },
    );
    app.openapi(
      createRoute({
        method: "post",
        path: `/replicas/{replica_id}/integrations/${platform}`,
        operationId: `connect${PLATFORM_NAMES[platform]}ToReplica`,
        tags,
        summary: `Connect a ${PLATFORM_NAMES[platform]} bot to this replica`,
        description: `The same as connecting with \`replica_id\` in the body. ${CONNECT_DESCRIPTION}`,
        request: { params: z.object({ replica_id: ReplicaId }), body: jsonBody(ScopedConnectBodies[platform], connectExamples[platform]) },
        responses: created,
      }),
      async (c) => connected(c, platform, connectInput(c.req.valid("param").replica_id, c.req.valid("json"))) as never,
    );
  }

  app.openapi(
    createRoute({
      method: "get",
      path: "/replicas/{replica_id}/integrations",
      operationId: "listReplicaIntegrations",
      tags,
      summary: "List the integrations of a replica",
      description: "The integrations answering as this replica, oldest first, one page at a time (`next_cursor` back as `cursor`).",
      request: { params: z.object({ replica_id: ReplicaId }), query: z.object(PageQuery) },
      responses: { 200: jsonResponse(IntegrationList, "One page of integrations", integrationListExample), ...errorResponses(replicaNotFound) },
    }),
    async (c) => {
      const { limit, cursor } = c.req.valid("query");
      const page = await integrations.list(c.var.owner, { replicaId: c.req.valid("param").replica_id }, { limit, cursor });
      return c.json({ data: page.items.map(view), total: page.total, next_cursor: page.nextCursor }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/integrations",
      operationId: "listIntegrations",
      tags,
      summary: "List integrations",
      description: "The owner's integrations, oldest first, optionally of one platform or one replica, one page at a time: pass `next_cursor` back as `cursor` until it is null. `total` counts every match.",
      request: { query: IntegrationListQuery },
      responses: { 200: jsonResponse(IntegrationList, "One page of integrations", integrationListExample), ...errorResponses(replicaNotFound) },
    }),
    async (c) => {
      const { platform, replica_id, limit, cursor } = c.req.valid("query");
      const page = await integrations.list(c.var.owner, { platform, replicaId: replica_id }, { limit, cursor });
      return c.json({ data: page.items.map(view), total: page.total, next_cursor: page.nextCursor }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/integrations/{id}",
      operationId: "getIntegration",
      tags,
      summary: "Get an integration",
      description: "Settings, status, the bot, message counts and the last error of one integration; another owner's id answers 404.",
      request: { params },
      responses: { 200: jsonResponse(IntegrationSchema, "The integration", integrationExample), ...errorResponses(notFound) },
    }),
    async (c) => c.json(view(await integrations.get(c.var.owner, c.req.valid("param").id)), 200),
  );

  for (const method of ["patch", "put"] as const) {
    app.openapi(
      createRoute({
        method,
        path: "/integrations/{id}",
        operationId: method === "patch" ? "updateIntegration" : "putIntegration",
        tags,
        summary: method === "patch" ? "Change settings (or rotate bot_token)" : "Change settings (PUT takes the same fields as PATCH)",
        description:
          "Only the fields sent change. A new `bot_token` is checked with the platform and the webhook registered again before it replaces the old one; " +
          "a refused token is 422 and the integration keeps the old one.",
        request: { params, body: jsonBody(IntegrationPatch, integrationPatchExample) },
        responses: { 200: jsonResponse(IntegrationSchema, "The integration, changed", integrationExample), ...errorResponses(notFound, busy, ...PLATFORM_ERRORS) },
      }),
      async (c) => {
        const body = c.req.valid("json");
        const integration = await integrations.update(c.var.owner, c.req.valid("param").id, {
          name: body.name,
          replicaId: body.replica_id,
          active: body.active,
          scope: body.scope,
          autoRespond: body.auto_respond,
          mention: body.mention,
          welcomeMessage: body.welcome_message,
          threadAutoCreate: body.thread_auto_create,
          channelIds: body.channel_ids,
          botToken: body.bot_token,
        });
        return c.json(view(integration), 200);
      },
    );
  }

  app.openapi(
    createRoute({
      method: "delete",
      path: "/integrations/{id}",
      operationId: "deleteIntegration",
      tags,
      summary: "Disconnect a bot",
      description: "Unregisters the webhook at the platform, removes the secrets from the vault and deletes the record with its activity; the id then answers 404.",
      request: { params },
      responses: { 200: jsonResponse(Deleted, "Deleted", deletedIntegrationExample), ...errorResponses(notFound) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      await integrations.delete(c.var.owner, id);
      return c.json({ id, deleted: true as const }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/integrations/{id}/validate",
      operationId: "validateIntegration",
      tags,
      summary: "Re-check credentials and webhook registration",
      description: "Asks the platform whether the token still works and the webhook still points at Patchbay. A refusal is a verdict, not an error: `valid: false` with the platform's code.",
      request: { params },
      responses: { 200: jsonResponse(ValidateResponse, "The verdict", validateExample), ...errorResponses(notFound) },
    }),
    async (c) => {
      const result = await integrations.validate(c.var.owner, c.req.valid("param").id);
      if (!result.valid) return c.json({ valid: false as const, error: result.error }, 200);
      const { integration } = result;
      return c.json(
        {
          valid: true as const,
          integration: { id: integration.id, status: integrations.status(integration), validated_at: integration.validatedAt },
          warnings: result.warnings,
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/integrations/{id}/test",
      operationId: "testIntegration",
      tags,
      summary: "Send a real test message",
      description: "Posts `text` (or a default line) in `channel_id` (or the first allowed chat) through the platform and says how it went: a refusal is `success: false` with the error.",
      request: { params, body: jsonBody(TestBody, testRequestExample, false) },
      responses: { 200: jsonResponse(TestResponse, "What happened", testExample), ...errorResponses(notFound) },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const result = await integrations.test(c.var.owner, c.req.valid("param").id, { channelId: body.channel_id, text: body.text });
      return c.json(
        {
          id: result.integration.id,
          platform: result.integration.platform,
          status: integrations.status(result.integration),
          test_result: {
            success: result.success,
            latency_ms: result.latencyMs,
            message_id: result.messageId,
            delivered_at: result.deliveredAt,
            error: result.error,
          },
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/integrations/{id}/channels",
      operationId: "listIntegrationChannels",
      tags,
      summary: "Channels the bot can answer in",
      description: "The chats and channels the bot is in (as the platform lists them, or as seen where the platform has no listing), each with `sync_enabled`: whether the integration answers there.",
      request: { params },
      responses: { 200: jsonResponse(ChannelList, "Channels", channelListExample), ...errorResponses(notFound, ...PLATFORM_ERRORS) },
    }),
    async (c) => c.json({ data: (await integrations.channels(c.var.owner, c.req.valid("param").id)).map(channelJson) }, 200),
  );

  app.openapi(
    createRoute({
      method: "put",
      path: "/integrations/{id}/channels",
      operationId: "setIntegrationChannels",
      tags,
      summary: "Choose the channels to answer in",
      description: "`sync_all: true` answers in every chat the bot is in; otherwise only in `channel_ids` (at least one). Direct messages are never filtered.",
      request: { params, body: jsonBody(ChannelsBody, channelsRequestExample) },
      responses: { 200: jsonResponse(ChannelList, "Channels", channelListExample), ...errorResponses(notFound, busy, ...PLATFORM_ERRORS) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const body = c.req.valid("json");
      await integrations.setChannels(c.var.owner, id, { channelIds: body.channel_ids, syncAll: body.sync_all });
      return c.json({ data: (await integrations.channels(c.var.owner, id)).map(channelJson) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/integrations/{id}/events",
      operationId: "listIntegrationEvents",
      tags,
      summary: "Recent activity, newest first",
      description: "Each message that reached the bot with its outcome: `replied` (with latency), `ignored` (with the reason, and `detail` for what was unexpected), `failed` (with the error), or `processing`.",
      request: { params, query: z.object(PageQuery) },
      responses: { 200: jsonResponse(EventList, "Events", eventListExample), ...errorResponses(notFound) },
    }),
    async (c) => {
      const { limit, cursor } = c.req.valid("query");
      const page = await integrations.events(c.var.owner, c.req.valid("param").id, { limit, cursor });
      return c.json({ data: page.items.map(eventJson), next_cursor: page.nextCursor }, 200);
    },
  );

  return app;
}
