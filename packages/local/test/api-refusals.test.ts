import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ALICE_KEY, BOB_KEY, startHarness } from "./harness.ts";
import type { Harness } from "./harness.ts";
import { rawRequest } from "./raw-http.ts";
import type { RawAnswer } from "./raw-http.ts";

/**
 * The REST API's refusals at every route, against the real local stack: wrong media type → 415,
 * wrong method → 405 with Allow, invalid fields → 400 naming each field in words, and one log line per
 * refusal. The routes come from /openapi.json, so a new route is covered without editing this file.
 */

let h: Harness;
let fixture: { replicaId: string; integrationId: string; botToken: string };
let operations: Operation[];

interface Operation {
  method: string;
  /** OpenAPI path, `{id}` style. */
  template: string;
  /** A concrete path for the fixture's replica and integration. */
  path: string;
  /** JSON Schema of the request body, refs resolved; undefined when the route takes none. */
  body: JsonSchema | undefined;
}

interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  enum?: unknown[];
  items?: JsonSchema;
  $ref?: string;
}

const BODY_METHODS = ["POST", "PUT", "PATCH"];
const ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"];
/** Wording zod uses by default; a person should read none of it. */
const ZOD_JARGON = /Invalid (input|string|option)|expected .* received|Too (big|small)|must match pattern|\/\^|Unrecognized key/;

beforeAll(async () => {
  h = await startHarness();
  const replica = await h.api("POST", "/v1/replicas", { name: "Refusals" });
  const botToken = "424242:AArefusals-fixture-token-abcdefgh";
  h.telegram.addBot({ token: botToken, id: 424242, username: "refusals_bot" });
  const integration = await h.api("POST", "/v1/integrations/telegram", { replica_id: replica.body.id, bot_token: botToken });
  expect(integration.status).toBe(201);
  fixture = { replicaId: replica.body.id, integrationId: integration.body.id, botToken };
  operations = await apiOperations(h, fixture);
});
afterAll(async () => {
  await h.close();
});

const send = (method: string, path: string, headers: Record<string, string> = {}, body?: string | Buffer) =>
  rawRequest(h.stack.url, { method, path, headers: { authorization: `Bearer ${ALICE_KEY}`, ...headers }, body });

function expectEnvelope(answer: RawAnswer, status: number, code: string) {
  expect({ status: answer.status, code: answer.json?.error?.code }).toEqual({ status, code });
  expect(answer.json).toEqual({ error: expect.objectContaining({ code, message: expect.any(String) }), request_id: answer.headers["x-request-id"] });
}

describe("the route inventory", () => {
  test("covers every route the API serves", () => {
    const listed = operations.map((op) => `${op.method} ${op.template}`);
    for (const route of [
      "GET /health",
      "POST /v1/replicas",
      "PATCH /v1/replicas/{id}",
      "POST /v1/integrations/telegram",
      "POST /v1/replicas/{replica_id}/integrations/slack",
      "PATCH /v1/integrations/{id}",
      "PUT /v1/integrations/{id}/channels",
      "POST /v1/integrations/{id}/validate",
      "GET /v1/integrations/{id}/events",
    ]) {
      expect(listed).toContain(route);
    }
  });
});

describe("415 UNSUPPORTED_MEDIA_TYPE on every route that takes a body", () => {
  // Each of these was once thrown by the zod-openapi media-type gate and answered 500.
  const wrongTypes = [
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "application/xml",
    "application/json ; charset=utf-8",
    "application/json;",
    "application/json;charset",
    "application/vnd.a1+json",
    "",
  ];

  test("a wrong Content-Type, with a body or without one", async () => {
    for (const op of operations.filter((o) => BODY_METHODS.includes(o.method))) {
      for (const type of wrongTypes) {
        for (const body of ["", '{"name":"x"}']) {
          const answer = await send(op.method, op.path, { "content-type": type }, body);
          expect({ route: `${op.method} ${op.template}`, type, body, status: answer.status }).toEqual({ route: `${op.method} ${op.template}`, type, body, status: 415 });
          expectEnvelope(answer, 415, "UNSUPPORTED_MEDIA_TYPE");
        }
      }
    }
  });

  test("a body without any Content-Type", async () => {
    for (const op of operations.filter((o) => BODY_METHODS.includes(o.method))) {
      const answer = await send(op.method, op.path, {}, '{"name":"x"}');
      expect({ route: `${op.method} ${op.template}`, status: answer.status }).toEqual({ route: `${op.method} ${op.template}`, status: 415 });
      expectEnvelope(answer, 415, "UNSUPPORTED_MEDIA_TYPE");
    }
  });

  test("JSON media types with parameters or a +json suffix are read", async () => {
    for (const type of ["application/json", "application/json; charset=utf-8", "APPLICATION/JSON", "application/problem+json"]) {
      const answer = await send("PATCH", `/v1/replicas/${fixture.replicaId}`, { "content-type": type }, '{"instructions":"Be kind."}');
      expect({ type, status: answer.status }).toEqual({ type, status: 200 });
    }
  });
});

describe("405 METHOD_NOT_ALLOWED with Allow on every known path", () => {
  test("each method a path does not serve, before authentication", async () => {
    const served = [...operations, { method: "GET", template: "/openapi.json", path: "/openapi.json" }, { method: "GET", template: "/docs", path: "/docs" }];
    // A path is served by every template it matches: GET /v1/integrations/telegram is GET /v1/integrations/{id}.
    const matches = (template: string, path: string) => new RegExp(`^${template.replace(/\{[^}]+\}/g, "[^/]+")}$`).test(path);
    let checked = 0;
    for (const [path, template] of new Map(served.map((op) => [op.path, op.template]))) {
      const methods = [...new Set(served.filter((op) => matches(op.template, path)).map((op) => op.method))];
      const allow = [...methods, ...(methods.includes("GET") ? ["HEAD"] : []), "OPTIONS"].sort().join(", ");
      for (const method of [...ALL_METHODS, "TRACE"].filter((m) => !methods.includes(m))) {
        const answer = await rawRequest(h.stack.url, { method, path });
        expect({ method, template, status: answer.status, allow: answer.headers.allow }).toEqual({ method, template, status: 405, allow });
        expectEnvelope(answer, 405, "METHOD_NOT_ALLOWED");
        checked++;
      }
      const options = await rawRequest(h.stack.url, { method: "OPTIONS", path });
      expect({ template, status: options.status, allow: options.headers.allow }).toEqual({ template, status: 204, allow });
    }
    expect(checked).toBeGreaterThan(40);
  });

  test("HEAD is served wherever GET is; an unknown path stays 404", async () => {
    expect((await rawRequest(h.stack.url, { method: "HEAD", path: "/health" })).status).toBe(200);
    const unknown = await send("DELETE", "/v1/nothing-here");
    expectEnvelope(unknown, 404, "NOT_FOUND");
  });
});

describe("400 VALIDATION_ERROR names each field in words", () => {
  test("every body field of every route, given a value of the wrong type, is named with a sentence", async () => {
    for (const op of operations.filter((o) => o.body?.properties)) {
      const properties = op.body!.properties!;
      const wrong = Object.fromEntries(Object.entries(properties).map(([name, schema]) => [name, wrongValueFor(schema)]));
      const answer = await send(op.method, op.path, { "content-type": "application/json" }, JSON.stringify({ ...wrong, __proto__x: 1 }));
      expectEnvelope(answer, 400, "VALIDATION_ERROR");
      const fields = answer.json.error.fields as { field: string; message: string }[];
      expect({ route: `${op.method} ${op.template}`, fields: fields.map((f) => f.field).sort() }).toEqual({
        route: `${op.method} ${op.template}`,
        fields: [...Object.keys(properties), "__proto__x"].sort(),
      });
      for (const { field, message } of fields) expect({ field, message }).toEqual({ field, message: expect.not.stringMatching(ZOD_JARGON) });
    }
  });

  test("every required field, when missing, is required", async () => {
    for (const op of operations.filter((o) => o.body?.required?.length)) {
      const answer = await send(op.method, op.path, { "content-type": "application/json" }, "{}");
      expectEnvelope(answer, 400, "VALIDATION_ERROR");
      expect(answer.json.error.fields).toEqual(op.body!.required!.map((field) => ({ field, message: "is required" })));
    }
  });

  test("the messages say what a value must be", async () => {
    const cases: [string, string, string][] = [
      ['{"name":""}', "name", "must not be empty"],
      [`{"name":"${"x".repeat(101)}"}`, "name", "must be at most 100 characters long"],
      ['{"name":"\\ud800"}', "name", "must be valid Unicode text"],
      ['{"name":1e308}', "name", "must be a string, not a whole number"],
      ['{"name":"x","greeting":[]}', "greeting", "must be a string, not a list"],
      ['{"name":"x","model":""}', "model", "must not be empty"],
      ['{"name":"x","__proto__":{"polluted":true}}', "__proto__", "is not a known field"],
      ["[]", "body", "must be a JSON object, not a list"],
    ];
    for (const [raw, field, message] of cases) {
      const answer = await send("POST", "/v1/replicas", { "content-type": "application/json" }, raw);
      expect({ raw, fields: answer.json.error.fields }).toEqual({ raw, fields: [{ field, message }] });
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const ids = await send("GET", "/v1/replicas/rp_NOT-AN-ID");
    expect(ids.json.error.fields).toEqual([{ field: "id", message: "must be a replica id like rp_3k9x2m4v8q1t5w7z" }]);
    const query = await send("GET", "/v1/integrations?limit=1e308&platform=irc&replica_id=x");
    expect(query.json.error.fields).toEqual(
      expect.arrayContaining([
        { field: "limit", message: "is too large" },
        { field: "platform", message: 'must be one of "telegram", "slack", "discord"' },
        { field: "replica_id", message: "must be a replica id like rp_3k9x2m4v8q1t5w7z" },
      ]),
    );
    const patch = await send("PATCH", `/v1/integrations/${fixture.integrationId}`, { "content-type": "application/json" }, JSON.stringify({ scope: "some", mention: "@a b", channel_ids: ["../guilds"], bot_token: "tök en" }));
    expect(patch.json.error.fields).toEqual([
      { field: "scope", message: 'must be one of "all", "mentions", "none"' },
      { field: "mention", message: "must be a Telegram handle like @my_bot: 3 to 64 letters, digits or underscores" },
      { field: "channel_ids.0", message: expect.stringMatching(/^must be a chat or channel id/) },
      { field: "bot_token", message: expect.stringMatching(/^must be copied exactly as the platform shows it/) },
    ]);
    expect((await h.api("GET", `/v1/integrations/${fixture.integrationId}`)).body).toMatchObject({ scope: "mentions", channel_ids: [] });
  });

  test("a body of many thousands of unknown keys gets a short answer", async () => {
    const body = JSON.stringify(Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`k${i}`, i])));
    const answer = await send("POST", "/v1/replicas", { "content-type": "application/json" }, body);
    expectEnvelope(answer, 400, "VALIDATION_ERROR");
    expect(answer.json.error.fields).toHaveLength(51);
    // name is missing, and 20 000 keys are unknown: 50 named, the rest counted.
    expect(answer.json.error.fields.at(-1)).toEqual({ field: "body", message: "has 19951 more invalid fields" });
  });
});

describe("bodies that are not JSON, or too large", () => {
  test("invalid UTF-8 → 400 INVALID_JSON", async () => {
    const answer = await send("POST", "/v1/replicas", { "content-type": "application/json" }, Buffer.from([0x7b, 0x22, 0x6e, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]));
    expectEnvelope(answer, 400, "INVALID_JSON");
  });

  test("an empty JSON body counts as {} on routes whose fields are all optional", async () => {
    const answer = await send("PATCH", `/v1/replicas/${fixture.replicaId}`, { "content-type": "application/json" }, "");
    expect(answer.status).toBe(200);
  });

  test("a chunked body over 1 MiB is refused while it is read (413)", async () => {
    const body = JSON.stringify({ name: "big", instructions: "x".repeat(3 * 1024 * 1024) });
    const answer = await rawRequest(h.stack.url, {
      method: "POST",
      path: "/v1/replicas",
      headers: { authorization: `Bearer ${BOB_KEY}`, "content-type": "application/json" },
      body,
      chunkBytes: 64 * 1024,
    });
    expectEnvelope(answer, 413, "PAYLOAD_TOO_LARGE");
    expect((await h.api("GET", "/v1/replicas", undefined, BOB_KEY)).body.total).toBe(0);
  });
});

describe("every refusal writes one log line", () => {
  test("with the request id, status, code and the integration id; never the key, the token or the body", async () => {
    const int = `/v1/integrations/${fixture.integrationId}`;
    const refusals: [string, string, Record<string, string>, string | undefined, number, string][] = [
      ["POST", "/v1/replicas", { "content-type": "text/plain" }, "secret body text", 415, "UNSUPPORTED_MEDIA_TYPE"],
      ["PATCH", int, { "content-type": "application/json" }, JSON.stringify({ bot_token: `${fixture.botToken} `, name: "" }), 400, "VALIDATION_ERROR"],
      ["DELETE", `${int}/events`, {}, undefined, 405, "METHOD_NOT_ALLOWED"],
      ["GET", "/v1/integrations/int_doesnotexist0", {}, undefined, 404, "NOT_FOUND"],
      ["GET", "/v1/nowhere", {}, undefined, 404, "NOT_FOUND"],
    ];
    for (const [i, [method, path, headers, body, status, code]] of refusals.entries()) {
      const requestId = `refusal-log-${i}`;
      const answer = await send(method, path, { ...headers, "x-request-id": requestId }, body);
      expect(answer.status).toBe(status);
      const lines = h.logs.map((line) => JSON.parse(line)).filter((line) => line.request_id === requestId);
      const integrationId = path.match(/int_[a-z0-9]+/)?.[0];
      expect(lines).toEqual([
        expect.objectContaining({ level: "warn", method, path, status, code, ...(integrationId ? { integration_id: integrationId } : {}) }),
      ]);
    }
    const unauthorized = await rawRequest(h.stack.url, { method: "GET", path: "/v1/replicas", headers: { authorization: "Bearer pb_wrong_key_123456789", "x-request-id": "refusal-log-401" } });
    expect(unauthorized.status).toBe(401);
    expect(h.logs.filter((line) => line.includes('"refusal-log-401"'))).toHaveLength(1);
    const all = h.logs.join("\n");
    for (const secret of [ALICE_KEY, "pb_wrong_key_123456789", fixture.botToken, "secret body text"]) expect(all).not.toContain(secret);
  });
});

/** Every operation in /openapi.json plus /health, with its path filled in for the fixture. */
async function apiOperations(harness: Harness, ids: { replicaId: string; integrationId: string }): Promise<Operation[]> {
  const doc = (await harness.api("GET", "/openapi.json")).body as {
    paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: JsonSchema }> } }>>;
    components: { schemas: Record<string, JsonSchema> };
  };
  const resolve = (schema: JsonSchema | undefined): JsonSchema | undefined =>
    schema?.$ref ? doc.components.schemas[schema.$ref.replace("#/components/schemas/", "")] : schema;
  const operationsOut: Operation[] = [];
  for (const [template, methods] of Object.entries(doc.paths)) {
    const path = template
      .replace("{replica_id}", ids.replicaId)
      .replace("{id}", template.startsWith("/v1/replicas/") ? ids.replicaId : ids.integrationId);
    for (const [method, operation] of Object.entries(methods)) {
      operationsOut.push({ method: method.toUpperCase(), template, path, body: resolve(operation.requestBody?.content["application/json"]?.schema) });
    }
  }
  return operationsOut;
}

/** A JSON value that a field of this schema refuses whatever its other rules. */
function wrongValueFor(schema: JsonSchema): unknown {
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== "null") : schema.type;
  switch (type) {
    case "string":
      return { nested: ["not", "a", "string"] };
    case "boolean":
      return "yes";
    case "array":
      return { not: "a list" };
    case "number":
    case "integer":
      return "many";
    default:
      return schema.enum ? "not-one-of-them" : [[[]]];
  }
}
