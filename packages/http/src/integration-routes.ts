import { OpenAPIHono, createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { ConnectInput, Integration, Platform } from "@patchbay/core";
import type { AppEnv, HttpDeps } from "./context.ts";
import { errorResponses, jsonBody, jsonResponse, validationHook } from "./openapi.ts";
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
    201: jsonResponse(IntegrationSchema, "Connected and registered with the platform"),
    202: jsonResponse(IntegrationSchema, "Connected; the platform could not be reached, registration is retried in the background (status pending)"),
    ...errorResponses,
  };

  for (const platform of Object.keys(ConnectBodies) as (keyof typeof ConnectBodies)[]) {
    if (!integrations.supports(platform)) continue;
    app.openapi(
      createRoute({ method: "post", path: `/integrations/${platform}`, tags, summary: `Connect a ${platform} bot`, request: { body: jsonBody(ConnectBodies[platform]) }, responses: created }),
      async (c) => {
        const body = c.req.valid("json");
        return connected(c, platform, connectInput(body.replica_id, body)) as never;
      },
    );
    app.openapi(
      createRoute({
        method: "post",
        path: `/replicas/{replica_id}/integrations/${platform}`,
        tags,
        summary: `Connect a ${platform} bot to this replica`,
        request: { params: z.object({ replica_id: ReplicaId }), body: jsonBody(ScopedConnectBodies[platform]) },
        responses: created,
      }),
      async (c) => connected(c, platform, connectInput(c.req.valid("param").replica_id, c.req.valid("json"))) as never,
    );
  }

  app.openapi(
    createRoute({
      method: "get",
      path: "/replicas/{replica_id}/integrations",
      tags,
      summary: "List the integrations of a replica",
      request: { params: z.object({ replica_id: ReplicaId }), query: z.object(PageQuery) },
      responses: { 200: jsonResponse(IntegrationList, "One page of integrations"), ...errorResponses },
    }),
    async (c) => {
      const { limit, cursor } = c.req.valid("query");
      const page = await integrations.list(c.var.owner, { replicaId: c.req.valid("param").replica_id }, { limit, cursor });
      return c.json({ data: page.items.map(view), total: page.total, next_cursor: page.nextCursor }, 200);
    },
  );

  app.openapi(
    createRoute({ method: "get", path: "/integrations", tags, summary: "List integrations", request: { query: IntegrationListQuery }, responses: { 200: jsonResponse(IntegrationList, "One page of integrations"), ...errorResponses } }),
    async (c) => {
      const { platform, replica_id, limit, cursor } = c.req.valid("query");
      const page = await integrations.list(c.var.owner, { platform, replicaId: replica_id }, { limit, cursor });
      return c.json({ data: page.items.map(view), total: page.total, next_cursor: page.nextCursor }, 200);
    },
  );

  app.openapi(
    createRoute({ method: "get", path: "/integrations/{id}", tags, summary: "Get an integration", request: { params }, responses: { 200: jsonResponse(IntegrationSchema, "The integration"), ...errorResponses } }),
    async (c) => c.json(view(await integrations.get(c.var.owner, c.req.valid("param").id)), 200),
  );

  for (const method of ["patch", "put"] as const) {
    app.openapi(
      createRoute({ method, path: "/integrations/{id}", tags, summary: "Change settings (or rotate bot_token)", request: { params, body: jsonBody(IntegrationPatch) }, responses: { 200: jsonResponse(IntegrationSchema, "The integration"), ...errorResponses } }),
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
    createRoute({ method: "delete", path: "/integrations/{id}", tags, summary: "Disconnect: unregister at the platform and remove the secrets", request: { params }, responses: { 200: jsonResponse(Deleted, "Deleted"), ...errorResponses } }),
    async (c) => {
      const { id } = c.req.valid("param");
      await integrations.delete(c.var.owner, id);
      return c.json({ id, deleted: true as const }, 200);
    },
  );

  app.openapi(
    createRoute({ method: "post", path: "/integrations/{id}/validate", tags, summary: "Re-check credentials and webhook registration", request: { params }, responses: { 200: jsonResponse(ValidateResponse, "The verdict"), ...errorResponses } }),
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
    createRoute({ method: "post", path: "/integrations/{id}/test", tags, summary: "Send a real test message", request: { params, body: jsonBody(TestBody, false) }, responses: { 200: jsonResponse(TestResponse, "What happened"), ...errorResponses } }),
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
    createRoute({ method: "get", path: "/integrations/{id}/channels", tags, summary: "Channels the bot can answer in", request: { params }, responses: { 200: jsonResponse(ChannelList, "Channels"), ...errorResponses } }),
    async (c) => c.json({ data: (await integrations.channels(c.var.owner, c.req.valid("param").id)).map(channelJson) }, 200),
  );

  app.openapi(
    createRoute({ method: "put", path: "/integrations/{id}/channels", tags, summary: "Choose the channels to answer in", request: { params, body: jsonBody(ChannelsBody) }, responses: { 200: jsonResponse(ChannelList, "Channels"), ...errorResponses } }),
    async (c) => {
      const { id } = c.req.valid("param");
      const body = c.req.valid("json");
      await integrations.setChannels(c.var.owner, id, { channelIds: body.channel_ids, syncAll: body.sync_all });
      return c.json({ data: (await integrations.channels(c.var.owner, id)).map(channelJson) }, 200);
    },
  );

  app.openapi(
    createRoute({ method: "get", path: "/integrations/{id}/events", tags, summary: "Recent activity, newest first", request: { params, query: z.object(PageQuery) }, responses: { 200: jsonResponse(EventList, "Events"), ...errorResponses } }),
    async (c) => {
      const { limit, cursor } = c.req.valid("query");
      const page = await integrations.events(c.var.owner, c.req.valid("param").id, { limit, cursor });
      return c.json({ data: page.items.map(eventJson), next_cursor: page.nextCursor }, 200);
    },
  );

  return app;
}
