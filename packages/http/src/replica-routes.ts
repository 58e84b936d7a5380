import { OpenAPIHono, createRoute, z } from "@hono/zod-openapi";
import type { AppEnv, HttpDeps } from "./context.ts";
import { errorResponses, jsonBody, jsonResponse, validationHook } from "./openapi.ts";
import { Deleted, Replica, ReplicaCreate, ReplicaId, ReplicaList, ReplicaPatch } from "./schemas.ts";
import { replicaInput, replicaJson } from "./serialize.ts";

const params = z.object({ id: ReplicaId });
const tags = ["Replicas"];

export function replicaRoutes({ replicas }: HttpDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.openapi(
    createRoute({ method: "post", path: "/", tags, summary: "Create a replica", request: { body: jsonBody(ReplicaCreate) }, responses: { 201: jsonResponse(Replica, "The replica"), ...errorResponses } }),
    async (c) => c.json(replicaJson(await replicas.create(c.var.owner, replicaInput(c.req.valid("json")))), 201),
  );

  app.openapi(
    createRoute({ method: "get", path: "/", tags, summary: "List replicas", responses: { 200: jsonResponse(ReplicaList, "The owner's replicas"), ...errorResponses } }),
    async (c) => {
      const all = await replicas.list(c.var.owner);
      return c.json({ data: all.map(replicaJson), total: all.length }, 200);
    },
  );

  app.openapi(
    createRoute({ method: "get", path: "/{id}", tags, summary: "Get a replica", request: { params }, responses: { 200: jsonResponse(Replica, "The replica"), ...errorResponses } }),
    async (c) => c.json(replicaJson(await replicas.get(c.var.owner, c.req.valid("param").id)), 200),
  );

  app.openapi(
    createRoute({ method: "patch", path: "/{id}", tags, summary: "Change some fields of a replica", request: { params, body: jsonBody(ReplicaPatch) }, responses: { 200: jsonResponse(Replica, "The replica"), ...errorResponses } }),
    async (c) => c.json(replicaJson(await replicas.update(c.var.owner, c.req.valid("param").id, replicaInput(c.req.valid("json")))), 200),
  );

  app.openapi(
    createRoute({ method: "put", path: "/{id}", tags, summary: "Replace a replica", request: { params, body: jsonBody(ReplicaCreate) }, responses: { 200: jsonResponse(Replica, "The replica"), ...errorResponses } }),
    async (c) => c.json(replicaJson(await replicas.replace(c.var.owner, c.req.valid("param").id, replicaInput(c.req.valid("json")))), 200),
  );

  app.openapi(
    createRoute({ method: "delete", path: "/{id}", tags, summary: "Delete a replica (409 while integrations use it)", request: { params }, responses: { 200: jsonResponse(Deleted, "Deleted"), ...errorResponses } }),
    async (c) => {
      const { id } = c.req.valid("param");
      await replicas.delete(c.var.owner, id);
      return c.json({ id, deleted: true as const }, 200);
    },
  );

  return app;
}
