import { OpenAPIHono, createRoute, z } from "@hono/zod-openapi";
import type { AppEnv, HttpDeps } from "./context.ts";
import {
  EXAMPLE_REPLICA_ID,
  deletedReplicaExample,
  previewExample,
  previewRequestExample,
  replicaCreateExample,
  replicaExample,
  replicaListExample,
  replicaPatchExample,
} from "./examples.ts";
import { errorResponses, jsonBody, jsonResponse, validationHook } from "./openapi.ts";
import { Deleted, PageQuery, PreviewRequest, PreviewResult, Replica, ReplicaCreate, ReplicaId, ReplicaList, ReplicaPatch } from "./schemas.ts";
import { replicaInput, replicaJson } from "./serialize.ts";

const params = z.object({ id: ReplicaId });
const tags = ["Replicas"];
const notFound = {
  code: "NOT_FOUND",
  message: `No replica with id "${EXAMPLE_REPLICA_ID}". Check the id, or list replicas to find it.`,
  details: { id: EXAMPLE_REPLICA_ID },
} as const;
const inUse = {
  code: "CONFLICT",
  message: `Replica "${EXAMPLE_REPLICA_ID}" is used by 1 integration(s); delete or move them first.`,
  details: { integration_ids: ["int_d8f2a1b3c4e5f6a7"] },
} as const;
const MODEL_DESCRIPTION = "A model whose provider has no key configured here is 422 MODEL_AUTH naming the setting to set.";

export function replicaRoutes({ replicas, preview }: HttpDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.openapi(
    createRoute({
      method: "post",
      path: "/",
      operationId: "createReplica",
      tags,
      summary: "Create a replica",
      description: `A replica is a persona answered by a language model: its instructions are the system prompt of every answer. Without \`model\` it uses the deployment's default model. ${MODEL_DESCRIPTION}`,
      request: { body: jsonBody(ReplicaCreate, replicaCreateExample) },
      responses: { 201: jsonResponse(Replica, "The new replica", replicaExample), ...errorResponses("MODEL_AUTH") },
    }),
    async (c) => c.json(replicaJson(await replicas.create(c.var.owner, replicaInput(c.req.valid("json")))), 201),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/",
      operationId: "listReplicas",
      tags,
      summary: "List replicas",
      description: "The owner's replicas, oldest first, one page at a time: pass `next_cursor` back as `cursor` until it is null. `total` counts them all.",
      request: { query: z.object(PageQuery) },
      responses: { 200: jsonResponse(ReplicaList, "One page of replicas", replicaListExample) },
    }),
    async (c) => {
      const page = await replicas.list(c.var.owner, c.req.valid("query"));
      return c.json({ data: page.items.map(replicaJson), total: page.total, next_cursor: page.nextCursor }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/{id}",
      operationId: "getReplica",
      tags,
      summary: "Get a replica",
      description: "One replica of the owner; another owner's id answers 404.",
      request: { params },
      responses: { 200: jsonResponse(Replica, "The replica", replicaExample), ...errorResponses(notFound) },
    }),
    async (c) => c.json(replicaJson(await replicas.get(c.var.owner, c.req.valid("param").id)), 200),
  );

  app.openapi(
    createRoute({
      method: "patch",
      path: "/{id}",
      operationId: "updateReplica",
      tags,
      summary: "Change some fields of a replica",
      description: `Only the fields sent change; the integrations using the replica answer with the new settings from the next message on. ${MODEL_DESCRIPTION}`,
      request: { params, body: jsonBody(ReplicaPatch, replicaPatchExample) },
      responses: { 200: jsonResponse(Replica, "The replica, changed", replicaExample), ...errorResponses(notFound, "MODEL_AUTH") },
    }),
    async (c) => c.json(replicaJson(await replicas.update(c.var.owner, c.req.valid("param").id, replicaInput(c.req.valid("json")))), 200),
  );

  app.openapi(
    createRoute({
      method: "put",
      path: "/{id}",
      operationId: "replaceReplica",
      tags,
      summary: "Replace a replica",
      description: `The replica becomes exactly the body: fields left out go back to their defaults. ${MODEL_DESCRIPTION}`,
      request: { params, body: jsonBody(ReplicaCreate, replicaCreateExample) },
      responses: { 200: jsonResponse(Replica, "The replica, replaced", replicaExample), ...errorResponses(notFound, "MODEL_AUTH") },
    }),
    async (c) => c.json(replicaJson(await replicas.replace(c.var.owner, c.req.valid("param").id, replicaInput(c.req.valid("json")))), 200),
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/{id}",
      operationId: "deleteReplica",
      tags,
      summary: "Delete a replica",
      description: "Refused with 409 while integrations use the replica (the error lists them): delete them or move them to another replica first.",
      request: { params },
      responses: { 200: jsonResponse(Deleted, "Deleted", deletedReplicaExample), ...errorResponses(notFound, inUse) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      await replicas.delete(c.var.owner, id);
      return c.json({ id, deleted: true as const }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/{id}/preview",
      operationId: "previewReplica",
      tags,
      summary: "Try a replica without any platform",
      description:
        "Answers `text` as the replica would in a chat: the same instructions (as the system message), model and settings as a real answer, " +
        "after the `history` given. Nothing is stored and no platform is called. A model that fails answers with its code: MODEL_AUTH (422) " +
        "when the provider is not configured or refuses the key, MODEL_ERROR (502) when it fails.",
      request: { params, body: jsonBody(PreviewRequest, previewRequestExample) },
      responses: { 200: jsonResponse(PreviewResult, "The replica's answer", previewExample), ...errorResponses(notFound, "MODEL_AUTH", "MODEL_ERROR") },
    }),
    async (c) => {
      const { text, history } = c.req.valid("json");
      const result = await preview.preview(c.var.owner, c.req.valid("param").id, { text, history });
      return c.json({ answer: result.answer, model: result.model, latency_ms: result.latencyMs }, 200);
    },
  );

  return app;
}
