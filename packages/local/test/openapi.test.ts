import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startHarness } from "./harness.ts";
import type { Harness } from "./harness.ts";

/**
 * The API explains itself: the document the real local stack serves at /openapi.json lints clean with
 * Redocly's `recommended` ruleset, every operation carries what a reader needs, and /docs renders it as one
 * self-contained page under a strict Content-Security-Policy.
 */

const run = promisify(execFile);
const REDOCLY = join(dirname(createRequire(import.meta.url).resolve("@redocly/cli/package.json")), "bin", "cli.js");
const METHODS = ["get", "post", "put", "patch", "delete"];

interface Operation {
  operationId?: string;
  summary?: string;
  description?: string;
  tags?: string[];
  security?: unknown[];
  parameters?: { $ref?: string; name?: string }[];
  requestBody?: { content: { "application/json": { schema: unknown; example?: unknown } } };
  responses: Record<string, { description: string; content?: { "application/json": { schema: unknown; example?: unknown; examples?: Record<string, unknown> } } }>;
}

let h: Harness;
let doc: { paths: Record<string, Record<string, Operation>>; components: Record<string, Record<string, any>>; security: unknown[] };
const operations = () =>
  Object.entries(doc.paths).flatMap(([path, methods]) =>
    METHODS.filter((m) => methods[m]).map((method) => ({ path, method, op: methods[method]!, name: `${method.toUpperCase()} ${path}` })),
  );

beforeAll(async () => {
  h = await startHarness();
  doc = (await h.api("GET", "/openapi.json")).body;
});
afterAll(async () => {
  await h.close();
});

test("the served document lints with Redocly's recommended ruleset: 0 errors, 0 warnings", async () => {
  const dir = await mkdtemp(join(tmpdir(), "patchbay-openapi-"));
  try {
    const file = join(dir, "openapi.json");
    await writeFile(file, JSON.stringify(doc));
    // The same Node as the tests; no telemetry, no update check (the lint must work offline).
    const { stdout } = await run(process.execPath, [REDOCLY, "lint", "--extends", "recommended", "--format", "json", file], {
      env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true", NO_COLOR: "1" },
      maxBuffer: 16 * 1024 * 1024,
    }).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? "" }));
    const report = JSON.parse(stdout) as { totals: { errors: number; warnings: number }; problems: { ruleId: string; message: string; location: { pointer: string }[] }[] };
    const problems = report.problems.map((p) => `${p.ruleId}: ${p.message} at ${p.location[0]?.pointer}`);
    expect(problems).toEqual([]);
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

describe("every operation explains itself", () => {
  test("operationId, summary, description and a declared tag on each; operationIds unique", () => {
    const tags = new Set((doc as unknown as { tags: { name: string }[] }).tags.map((t) => t.name));
    const ids = operations().map(({ op }) => op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const { name, op } of operations()) {
      expect({ name, id: op.operationId, summary: !!op.summary, description: (op.description ?? "").length > 20 }).toEqual({
        name,
        id: expect.stringMatching(/^[a-z][A-Za-z]+$/),
        summary: true,
        description: true,
      });
      expect(op.tags?.every((tag) => tags.has(tag)), name).toBe(true);
    }
  });

  test("request and success bodies have a schema and an example; each error status an example per code", () => {
    for (const { name, op } of operations()) {
      if (op.requestBody) expect(op.requestBody.content["application/json"].example, `${name} request example`).toBeDefined();
      for (const [status, response] of Object.entries(op.responses)) {
        const media = response.content?.["application/json"];
        const envelope = (media?.schema as { $ref?: string } | undefined)?.$ref === "#/components/schemas/Error";
        if (media && !envelope) {
          expect({ name, status, schema: !!media.schema, example: media.example !== undefined }).toEqual({ name, status, schema: true, example: true });
        } else if (envelope) {
          const codes = Object.keys(media?.examples ?? {});
          expect(codes.length, `${name} ${status}`).toBeGreaterThan(0);
          // The description names exactly the codes shown.
          for (const code of codes) expect(response.description, `${name} ${status}`).toContain(code);
        }
      }
    }
  });

  test("/v1 operations document authentication; body routes the body guard; POSTs the Idempotency-Key", () => {
    for (const { path, method, name, op } of operations().filter((o) => o.path.startsWith("/v1"))) {
      expect(Object.keys(op.responses["401"]?.content?.["application/json"].examples ?? {}), name).toContain("UNAUTHORIZED");
      if (op.requestBody) {
        expect(Object.keys(op.responses["415"]?.content?.["application/json"].examples ?? {}), name).toContain("UNSUPPORTED_MEDIA_TYPE");
        expect(Object.keys(op.responses["400"]?.content?.["application/json"].examples ?? {}), name).toContain("INVALID_JSON");
      }
      const idempotent = (op.parameters ?? []).some((p) => p.$ref === "#/components/parameters/IdempotencyKey");
      expect({ name, idempotent }).toEqual({ name, idempotent: method === "post" });
      if (method === "post") {
        expect(Object.keys(op.responses["422"]?.content?.["application/json"].examples ?? {}), name).toContain("IDEMPOTENCY_KEY_REUSED");
        expect(Object.keys(op.responses["409"]?.content?.["application/json"].examples ?? {}), name).toContain("CONFLICT");
      }
      expect(path).not.toMatch(/\/$/);
    }
    expect(doc.components.parameters!.IdempotencyKey).toMatchObject({ name: "Idempotency-Key", in: "header", required: false });
  });

  test("/health needs no key in the spec, as in reality; everything else needs the bearer key", async () => {
    expect(doc.paths["/health"]!.get!.security).toEqual([]);
    expect(doc.security).toEqual([{ bearer: [] }]);
    expect(doc.components.securitySchemes!.bearer).toMatchObject({ type: "http", scheme: "bearer" });
    expect((await fetch(`${h.stack.url}/health`)).status).toBe(200);
  });

  test("the preview and the replica list are documented with their shapes", () => {
    const preview = doc.paths["/v1/replicas/{id}/preview"]!.post!;
    expect(preview.operationId).toBe("previewReplica");
    expect(Object.keys(preview.responses)).toEqual(expect.arrayContaining(["200", "404", "422", "502"]));
    const list = doc.paths["/v1/replicas"]!.get!;
    expect((list.parameters ?? []).map((p) => p.name)).toEqual(expect.arrayContaining(["limit", "cursor"]));
    expect(doc.components.schemas!.ReplicaList.required).toEqual(expect.arrayContaining(["data", "total", "next_cursor"]));
  });
});

describe("/docs", () => {
  test("one self-contained page: no inline script or style, no other origin, a strict CSP", async () => {
    const response = await fetch(`${h.stack.url}/docs`);
    const html = await response.text();
    expect(response.headers.get("content-type")).toMatch(/text\/html/);
    const csp = response.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain("unsafe-inline");
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    for (const asset of ["/docs/docs.css", "/docs/docs.js"]) {
      expect(html).toContain(asset);
      const served = await fetch(`${h.stack.url}${asset}`);
      expect({ asset, status: served.status }).toEqual({ asset, status: 200 });
      expect((await served.text()).length).toBeGreaterThan(100);
    }
  });

  test("a table of contents links every operation, and each shows its request and response shapes resolved", async () => {
    const html = await (await fetch(`${h.stack.url}/docs`)).text();
    for (const { op } of operations()) {
      expect(html).toContain(`href="#${op.operationId}"`);
      expect(html).toContain(`id="${op.operationId}"`);
    }
    const preview = html.slice(html.indexOf('id="previewReplica"'), html.indexOf("</article>", html.indexOf('id="previewReplica"')));
    // Fields of the request body and of the answer, as table rows, not $refs.
    for (const field of ["text", "history", "role", "answer", "latency_ms", "Idempotency-Key"]) expect(preview).toContain(`<code>${field}</code>`);
    expect(preview).not.toContain("$ref");
    expect(html).toContain("ReplicaCreate");
  });

  test("search works without JavaScript: ?q= keeps only the matching operations", async () => {
    const html = await (await fetch(`${h.stack.url}/docs?q=preview`)).text();
    expect(html).toContain('id="previewReplica"');
    expect(html).not.toContain('id="listIntegrations"');
    expect(html).toMatch(/1 of \d+ operations match/);
    const none = await (await fetch(`${h.stack.url}/docs?q=${encodeURIComponent("<script>zzz")}`)).text();
    expect(none).toContain("No operation matches");
    expect(none).not.toContain("<script>zzz");
  });
});
