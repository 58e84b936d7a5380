import { Agent } from "node:http";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ALICE_KEY, BOB_KEY, startHarness } from "./harness.ts";
import type { Harness } from "./harness.ts";
import { rawRequest } from "./raw-http.ts";
import type { RawAnswer, RawRequest } from "./raw-http.ts";
import { mulberry32 } from "@patchbay/testing";
import type { Rng } from "@patchbay/testing";

/**
 * Hostile requests at every REST route (read from /openapi.json), against the real local stack:
 * wrong types, deep nesting, huge strings, lone surrogates, prototype keys, 1e308, arrays for objects,
 * invalid UTF-8, wrong media types, odd methods and paths, bad headers. Every request is bad by
 * construction, so the promise is: a 4xx in the error envelope, never a 5xx or a hang, nothing stored,
 * nothing sent to a platform, and the server healthy afterwards.
 *
 * Deterministic: a seeded PRNG draws the cases; FUZZ_SEED=<n> replays another set, and a failure
 * names its seed and case number.
 */

const SEED = Number(process.env.FUZZ_SEED ?? 9_2026);
const CASES = 3000;
const CONCURRENCY = 8;

let h: Harness;
let routes: Route[];
let fixture: { replicaId: string; integrationId: string; botToken: string; bobReplicaId: string };

interface Route {
  method: string;
  template: string;
  body: JsonSchema | undefined;
}

interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  enum?: string[];
  items?: JsonSchema;
  maxLength?: number;
  maxItems?: number;
  $ref?: string;
}

interface FuzzCase extends RawRequest {
  /** The route drawn, `METHOD /template`. */
  route: string;
  /** "refused": bad by construction, must be 4xx. "answered": a read that may succeed; must not be 5xx. */
  expect: "refused" | "answered";
  why: string;
}

beforeAll(async () => {
  h = await startHarness();
  const replica = await h.api("POST", "/v1/replicas", { name: "Fuzz target", instructions: "Stay the same." });
  const botToken = "515151:AAfuzz-fixture-token-abcdefghijk";
  h.telegram.addBot({ token: botToken, id: 515151, username: "fuzz_target_bot" });
  const integration = await h.api("POST", "/v1/integrations/telegram", { replica_id: replica.body.id, bot_token: botToken });
  expect(integration.status).toBe(201);
  const bob = await h.api("POST", "/v1/replicas", { name: "Bob's" }, BOB_KEY);
  fixture = { replicaId: replica.body.id, integrationId: integration.body.id, botToken, bobReplicaId: bob.body.id };
  routes = await apiRoutes(h);
});
afterAll(async () => {
  await h.close();
});

describe("hostile input at every API route", () => {
  test(`${CASES} seeded cases: 4xx in the envelope, no 5xx, no hang, nothing stored or sent, healthy after`, { timeout: 60_000 }, async () => {
    const before = await snapshot();
    // Reads (getMe, getChat) may happen on answered GETs; anything that writes at a platform may not.
    const telegramWrites = () => h.telegram.calls.filter((call) => !/^get/i.test(call.method)).length;
    const writesBefore = telegramWrites();
    const rng = mulberry32(SEED);
    const cases = Array.from({ length: CASES }, () => drawCase(rng));
    expect(new Set(cases.map((c) => c.why.split(":")[0])).size).toBeGreaterThan(10);
    const drawn = new Set(cases.map((c) => c.route));
    for (const route of routes) expect(drawn).toContain(`${route.method} ${route.template}`);

    const failures: string[] = [];
    const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    let next = 0;
    const worker = async () => {
      while (next < cases.length) {
        const index = next++;
        const fuzz = cases[index]!;
        const problem = await judge(fuzz, agent);
        if (problem) failures.push(`seed ${SEED} case ${index} (${fuzz.why}) ${fuzz.method} ${fuzz.path.slice(0, 120)}: ${problem}`);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    agent.destroy();

    expect({ failed: failures.length, first: failures.slice(0, 20) }).toEqual({ failed: 0, first: [] });
    const health = await rawRequest(h.stack.url, { method: "GET", path: "/health" });
    expect([health.status, health.json]).toEqual([200, { status: "ok", store: true, queue: true }]);
    expect(telegramWrites()).toBe(writesBefore);
    expect(await snapshot()).toEqual(before);
    expect(h.slack.calls).toEqual([]);
    expect(h.discord.calls).toEqual([]);
    const logs = h.logs.join("\n");
    expect(logs).not.toContain('"level":"error"');
    for (const secret of [ALICE_KEY, BOB_KEY, fixture.botToken]) expect(logs).not.toContain(secret);
  });

  test("a forged pagination cursor is refused, not a 500", async () => {
    for (const key of [{ a: 1 }, { pk: "RP#rp_x" }, { pk: 1, sk: [] }, { gsi1pk: "OWNER#bob#INT", gsi1sk: "x", pk: "x", sk: "y" }]) {
      const cursor = Buffer.from(JSON.stringify(key)).toString("base64url");
      for (const path of ["/v1/integrations", `/v1/replicas/${fixture.replicaId}/integrations`, `/v1/integrations/${fixture.integrationId}/events`]) {
        const answer = await rawRequest(h.stack.url, { method: "GET", path: `${path}?cursor=${cursor}`, headers: { authorization: `Bearer ${ALICE_KEY}` } });
        expect({ path, key, status: answer.status, code: answer.json?.error?.code }).toEqual({ path, key, status: 400, code: "VALIDATION_ERROR" });
      }
    }
  });
});

/** What bad input must not change: the fixtures as their owners see them, and how many records each owner has. */
async function snapshot() {
  const get = async (path: string, key = ALICE_KEY) => (await h.api("GET", path, undefined, key)).body;
  return {
    replica: await get(`/v1/replicas/${fixture.replicaId}`),
    integration: await get(`/v1/integrations/${fixture.integrationId}`),
    channels: await get(`/v1/integrations/${fixture.integrationId}/channels`),
    events: await get(`/v1/integrations/${fixture.integrationId}/events`),
    aliceReplicas: (await get("/v1/replicas")).total,
    aliceIntegrations: (await get("/v1/integrations")).total,
    bobReplicas: (await get("/v1/replicas", BOB_KEY)).total,
    bobIntegrations: (await get("/v1/integrations", BOB_KEY)).total,
  };
}

/** Sends one case; returns what is wrong with the answer, or undefined. */
async function judge(fuzz: FuzzCase, agent: Agent): Promise<string | undefined> {
  let answer: RawAnswer;
  try {
    answer = await rawRequest(h.stack.url, fuzz, fuzz.chunkBytes === undefined ? agent : undefined);
  } catch (error) {
    return `no answer: ${(error as Error).message}`;
  }
  if (answer.status >= 500) return `answered ${answer.status}: ${answer.text.slice(0, 200)}`;
  if (fuzz.expect === "refused" && (answer.status < 400 || answer.status >= 500)) return `accepted with ${answer.status}: ${answer.text.slice(0, 200)}`;
  // Node's own parser refuses some requests before the app sees them (431, bad method): no envelope there.
  const fromApp = answer.headers["x-request-id"] !== undefined;
  if (fromApp && answer.status >= 400 && fuzz.method !== "HEAD") {
    const error = answer.json?.error;
    if (typeof error?.code !== "string" || typeof error?.message !== "string" || answer.json.request_id !== answer.headers["x-request-id"]) {
      return `no error envelope: ${answer.text.slice(0, 200)}`;
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------
// Drawing cases

const int = (rng: Rng, n: number) => Math.floor(rng() * n);
const pick = <T>(rng: Rng, items: readonly T[]): T => items[int(rng, items.length)]!;
const chance = (rng: Rng, p: number) => rng() < p;

const ODD_METHODS = ["TRACE", "PROPFIND", "MKCOL", "COPY", "MOVE", "LOCK", "PURGE", "SEARCH", "REPORT", "LINK", "OPTIONS", "HEAD", "FOO"];

const POISON_KEYS = ["__proto__", "constructor", "prototype", "toString", "hasOwnProperty", "", " ", "name\u0000", "日本語", "😀", "a".repeat(2000), "$where", "../../x"];

const HOSTILE_STRINGS = [
  "",
  " ",
  "\u0000",
  "\ud800",
  "a\udfffb",
  "\u202eevil",
  "😀".repeat(50),
  "日本語テキスト",
  "<script>alert(1)</script>",
  "'; DROP TABLE replicas; --",
  "${jndi:ldap://x/a}",
  "../../../etc/passwd",
  "%00%2e%2e",
  "__proto__",
  "1e308",
  "NaN",
  "rp_",
  "int_",
  "rp_UPPER",
  "rp_" + "a".repeat(300),
  "xoxb-",
  "\r\nX-Injected: 1",
];

const NUMBER_TOKENS = ["1e308", "-1e308", "1e999", "5e-324", "-0", "0", "9007199254740993", "1.5", "-1", "123456789012345678901234567890"];

const CONTENT_TYPES = [
  "text/plain",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=----x",
  "application/xml",
  "application/json ; charset=utf-8",
  "application/json;",
  "application/json;charset",
  "application/jsonx",
  "json",
  "application/vnd.a1+json",
  "",
  "application/json, text/plain",
  "*/*",
];

/** A JSON text builder that can say what JSON.stringify cannot: duplicate keys, __proto__ keys, 1e999. */
type Json = { raw: string };
const raw = (text: string): Json => ({ raw: text });
const str = (value: string): Json => raw(JSON.stringify(value));
const arr = (items: Json[]): Json => raw(`[${items.map((i) => i.raw).join(",")}]`);
const obj = (entries: [string, Json][]): Json => raw(`{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v.raw}`).join(",")}}`);

function hostileValue(rng: Rng, depth = 0): Json {
  switch (int(rng, depth > 2 ? 5 : 9)) {
    case 0:
      return str(pick(rng, HOSTILE_STRINGS));
    case 1:
      return raw(pick(rng, NUMBER_TOKENS));
    case 2:
      return raw(pick(rng, ["true", "false", "null"]));
    case 3:
      return str("x".repeat(pick(rng, [101, 513, 4097, 20_001, 70_000])));
    case 4:
      return raw(pick(rng, ["[]", "{}", '""']));
    case 5:
      return arr(Array.from({ length: 1 + int(rng, 4) }, () => hostileValue(rng, depth + 1)));
    case 6:
      return obj([[pick(rng, POISON_KEYS), hostileValue(rng, depth + 1)]]);
    case 7:
      return deepNesting(rng, 1000 + int(rng, 20_000));
    default:
      return obj([["__proto__", obj([["polluted", raw("true")]])], ["constructor", obj([["prototype", obj([["polluted", raw("true")]])]])]]);
  }
}

function deepNesting(rng: Rng, depth: number): Json {
  return chance(rng, 0.5) ? raw("[".repeat(depth) + "]".repeat(depth)) : raw('{"a":'.repeat(depth) + "1" + "}".repeat(depth));
}

/** A value that the field's schema refuses whatever its other rules: the wrong type, or too long. */
function wrongValue(rng: Rng, schema: JsonSchema): Json {
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== "null") : schema.type;
  const nullable = Array.isArray(schema.type) && schema.type.includes("null");
  const notOfType = (): Json => {
    for (;;) {
      const value = hostileValue(rng);
      if (nullable && value.raw === "null") continue;
      const first = value.raw[0];
      const isString = first === '"';
      const isArray = first === "[";
      const isBool = value.raw === "true" || value.raw === "false";
      if (type === "string" && !isString) return value;
      if (type === "boolean" && !isBool) return value;
      if (type === "array" && !isArray) return value;
      if (type !== "string" && type !== "boolean" && type !== "array" && (isArray || first === "{")) return value;
    }
  };
  if (type === "string" && schema.maxLength !== undefined && chance(rng, 0.3)) return str("y".repeat(schema.maxLength + 1 + int(rng, 100)));
  if (type === "string" && schema.enum && chance(rng, 0.3)) return str(`${pick(rng, schema.enum)}-not`);
  if (type === "array" && chance(rng, 0.4)) return arr([notOfType(), str("ok")].map((v) => (v.raw[0] === '"' ? raw("{}") : v)));
  return notOfType();
}

/** A valid value for a field, to surround the poison with a body that is otherwise plausible. */
function plausibleValue(rng: Rng, name: string, schema: JsonSchema): Json {
  if (name === "replica_id") return str(fixture.replicaId);
  if (name === "bot_token") return str("xoxb-1-fuzz");
  if (name === "signing_secret") return str("0123456789abcdef0123456789abcdef");
  if (name === "guild_id") return str("123456789012345678");
  if (schema.enum) return str(pick(rng, schema.enum));
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== "null") : schema.type;
  if (type === "boolean") return raw(pick(rng, ["true", "false"]));
  if (type === "array") return arr([str("-100123")]);
  return str(pick(rng, ["Fuzzy", "日本語 name", "😀 ok", "a b c"]));
}

/** A body the route's schema refuses, by at least one guaranteed poison, maybe wrapped in bad bytes. */
function poisonedBody(rng: Rng, schema: JsonSchema): { bytes: string | Buffer; why: string } {
  const properties = Object.entries(schema.properties ?? {});
  const entries: [string, Json][] = properties.filter(() => chance(rng, 0.6)).map(([name, s]) => [name, plausibleValue(rng, name, s)]);
  const required = schema.required ?? [];
  for (const name of required) if (!entries.some(([n]) => n === name)) entries.push([name, plausibleValue(rng, name, schema.properties![name]!)]);
  const poisons = ["unknown-key", "wrong-value", "duplicate-key", "not-an-object", ...(required.length ? ["missing-required"] : [])];
  const poison = pick(rng, poisons);
  let body: Json;
  switch (poison) {
    case "unknown-key":
      entries.splice(int(rng, entries.length + 1), 0, [pick(rng, POISON_KEYS), hostileValue(rng)]);
      body = obj(entries);
      break;
    case "wrong-value": {
      const [name, field] = pick(rng, properties);
      body = obj([...entries.filter(([n]) => n !== name), [name, wrongValue(rng, field)]]);
      break;
    }
    case "duplicate-key": {
      // JSON.parse keeps the last one: the refused value must be the one validated.
      const [name, field] = pick(rng, properties);
      body = obj([...entries, [name, wrongValue(rng, field)]]);
      break;
    }
    case "missing-required": {
      const gone = pick(rng, required);
      body = obj(entries.filter(([n]) => n !== gone));
      break;
    }
    default:
      body = pick(rng, [arr([obj(entries)]), str("{}"), raw(pick(rng, NUMBER_TOKENS)), raw("null"), raw("true"), deepNesting(rng, 50_000)]);
  }
  const text = body.raw;
  switch (int(rng, 8)) {
    case 0:
      return { bytes: text.slice(0, Math.max(1, int(rng, text.length))), why: `${poison}+truncated` };
    case 1:
      return { bytes: text + pick(rng, [",", "}", "x", "\u0000", "//c", " 1"]), why: `${poison}+trailing` };
    case 2: {
      const at = text.indexOf('"') + 1 || 1;
      const bad = pick(rng, [[0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0xfe, 0xfe, 0xff]]);
      return { bytes: Buffer.concat([Buffer.from(text.slice(0, at)), Buffer.from(bad), Buffer.from(text.slice(at))]), why: `${poison}+invalid-utf8` };
    }
    case 3:
      return { bytes: pick(rng, ["{'name': 'x'}", '{"name": "x",}', "{name: 1}", '{"a": NaN}', "/* c */ {}", "{\"a\":1e}"]), why: "json5-isms" };
    default:
      return { bytes: text, why: poison };
  }
}

/** Every byte of the UTF-8 form as %XX (encodeURIComponent throws on a lone surrogate). */
const percentEncode = (text: string) => [...Buffer.from(text, "utf8")].map((byte) => `%${byte.toString(16).padStart(2, "0")}`).join("");

function hostileSegment(rng: Rng, template: string): string {
  return pick(rng, [
    percentEncode(pick(rng, HOSTILE_STRINGS)) || "%20",
    "%",
    "%zz",
    "%00",
    "..",
    "%2e%2e",
    "rp_doesnotexist",
    "int_doesnotexist",
    fixture.bobReplicaId,
    "a".repeat(5000),
    template.includes("replica") ? "int_abc" : "rp_abc",
  ]);
}

function hostileQuery(rng: Rng): string {
  const pairs = Array.from({ length: 1 + int(rng, 3) }, () => {
    const key = pick(rng, ["limit", "cursor", "platform", "replica_id", "__proto__", "limit[]", "x"]);
    const value = pick(rng, [
      ...NUMBER_TOKENS,
      "abc",
      "",
      "0x10",
      "irc",
      "rp_NOPE",
      Buffer.from("garbage-cursor").toString("base64url"),
      encodeURIComponent("😀\ud7ff"),
      "%ff%fe",
      "a".repeat(3000),
    ]);
    return `${encodeURIComponent(key)}=${value}`;
  });
  return `?${pairs.join("&")}`;
}

function fillPath(rng: Rng, template: string, hostileIds: boolean): string {
  return template.replace(/\{([^}]+)\}/g, (_, param: string) => {
    if (hostileIds) return hostileSegment(rng, template);
    return param === "replica_id" || template.startsWith("/v1/replicas/") ? fixture.replicaId : fixture.integrationId;
  });
}

function hostileHeaders(rng: Rng): { headers: Record<string, string>; why: string } {
  const headers: Record<string, string> = { authorization: `Bearer ${ALICE_KEY}` };
  switch (int(rng, 12)) {
    case 0:
      delete headers.authorization;
      return { headers, why: "no-key" };
    case 1:
      headers.authorization = pick(rng, ["Bearer", "Bearer ", "Basic YTpi", `Bearer ${"k".repeat(6000)}`, "Bearer \u00ff\u00fe", `bearer   ${ALICE_KEY}`, `Bearer ${ALICE_KEY} extra`]);
      return { headers, why: "odd-key" };
    case 2:
      headers.authorization = `Bearer ${BOB_KEY}`;
      return { headers, why: "other-owner" };
    case 3:
      headers["x-request-id"] = pick(rng, ["", " ", "a".repeat(500), "id with spaces", "\u00e9\u00e8", "../../", "x".repeat(128)]);
      return { headers, why: "odd-request-id" };
    case 4:
      // Under Node's 16 KiB header limit even with a 5000-character path segment, so the app itself reads it
      // (over it, Node answers 431 alone and resets a connection still sending a body).
      headers.cookie = "a".repeat(10_000);
      return { headers, why: "huge-header" };
    case 5:
      headers.accept = pick(rng, ["application/xml", "*/*;q=0", "text/html"]);
      headers["accept-encoding"] = pick(rng, ["gzip", "br", "identity;q=0"]);
      return { headers, why: "odd-accept" };
    default:
      return { headers, why: "key" };
  }
}

function drawCase(rng: Rng): FuzzCase {
  const route = pick(rng, routes);
  const mode = int(rng, 20);
  // A route that acts without a body (DELETE, validate), or one drawn with an odd method or path (which
  // may come without a body, and `{}` is a valid PATCH), only ever gets ids that name nothing of alice's.
  const bodiless = route.method !== "GET" && (!route.body || mode <= 1);
  const path = fillPath(rng, route.template, bodiless || chance(rng, 0.2));
  return { ...drawRequest(rng, route, mode, path), route: `${route.method} ${route.template}` };
}

function drawRequest(rng: Rng, route: Route, mode: number, path: string): Omit<FuzzCase, "route"> {
  const { method } = route;
  const { headers, why: headerWhy } = hostileHeaders(rng);
  const json = { ...headers, "content-type": "application/json" };
  if (mode === 0) {
    const odd = pick(rng, ODD_METHODS);
    return { method: odd, path, headers, expect: odd === "HEAD" || odd === "OPTIONS" ? "answered" : "refused", why: `odd-method:${headerWhy}` };
  }
  if (mode === 1) {
    const prefix = pick(rng, ["//", "/v1//", "/V1/", "/v1/./", "/v1/%2e%2e/", "/v1/replicas/../"]);
    const odd = pick(rng, [`${path}/`, `${path}/extra`, prefix + path.replace(/^\/(v1\/)?/, ""), `${path}%00`, `${path};x=1`]);
    return { method, path: odd, headers, expect: method === "GET" ? "answered" : "refused", why: `odd-path:${headerWhy}` };
  }
  if (method === "GET") {
    return { method, path: path + (chance(rng, 0.7) ? hostileQuery(rng) : ""), headers, expect: "answered", why: `query:${headerWhy}` };
  }
  if (method === "DELETE") {
    const body = chance(rng, 0.3) ? JSON.stringify({ ignored: true }) : undefined;
    return { method, path, headers: body ? json : headers, body, expect: "refused", why: `no-body-route:${headerWhy}` };
  }
  if (mode === 2) {
    // Over 1 MiB: declared, or streamed without a length.
    const body = JSON.stringify({ name: "big", instructions: "z".repeat(1024 * 1024 + int(rng, 4096)) });
    return { method, path, headers: json, body, chunkBytes: chance(rng, 0.5) ? 256 * 1024 : undefined, expect: "refused", why: `too-large:${headerWhy}` };
  }
  if (mode === 3 || mode === 4 || !route.body) {
    const body = chance(rng, 0.3) ? "" : chance(rng, 0.5) ? JSON.stringify({ name: "x" }) : "name=x&a=b";
    return { method, path, headers: { ...headers, "content-type": pick(rng, CONTENT_TYPES) }, body, expect: "refused", why: `content-type:${headerWhy}` };
  }
  if (mode === 5) {
    return { method, path, headers, body: JSON.stringify({ name: "x" }), expect: "refused", why: `no-content-type:${headerWhy}` };
  }
  const { bytes, why } = poisonedBody(rng, route.body);
  const type = pick(rng, ["application/json", "application/json; charset=utf-8"]);
  return { method, path, headers: { ...headers, "content-type": type }, body: bytes, expect: "refused", why: `${why}:${headerWhy}` };
}

/** Every operation of /openapi.json plus /openapi.json and /docs, with request body schemas resolved. */
async function apiRoutes(harness: Harness): Promise<Route[]> {
  const doc = (await harness.api("GET", "/openapi.json")).body as {
    paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: JsonSchema }> } }>>;
    components: { schemas: Record<string, JsonSchema> };
  };
  const resolve = (schema: JsonSchema | undefined) => (schema?.$ref ? doc.components.schemas[schema.$ref.split("/").pop()!] : schema);
  const found: Route[] = [
    { method: "GET", template: "/openapi.json", body: undefined },
    { method: "GET", template: "/docs", body: undefined },
  ];
  for (const [template, methods] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      found.push({ method: method.toUpperCase(), template, body: resolve(operation.requestBody?.content["application/json"]?.schema) });
    }
  }
  return found;
}
