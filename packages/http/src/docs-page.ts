/**
 * /docs: the OpenAPI document as one server-rendered page — operations grouped by tag with a table of
 * contents, a search that works without JavaScript (?q=), and every request and response shape resolved
 * into tables with its examples. Self-contained: its stylesheet and its small filter script are served by
 * the app itself (no CDN, works offline and on Lambda), and nothing is inline, so the page runs under a
 * strict Content-Security-Policy.
 */

export interface OpenApiDoc {
  info: { title: string; version: string; description?: string };
  tags?: { name: string; description?: string }[];
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema>; parameters?: Record<string, Parameter> };
}

interface Operation {
  operationId?: string;
  summary?: string;
  description?: string;
  tags?: string[];
  security?: unknown[];
  parameters?: (Parameter | Ref)[];
  requestBody?: { required?: boolean; content?: Record<string, MediaType> };
  responses?: Record<string, { description?: string; content?: Record<string, MediaType> }>;
}

interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  description?: string;
  schema?: Schema;
}

interface MediaType {
  schema?: Schema;
  example?: unknown;
  examples?: Record<string, { summary?: string; value?: unknown }>;
}

interface Ref {
  $ref: string;
}

/** The JSON Schema subset the generated document uses. */
interface Schema {
  $ref?: string;
  type?: string | string[];
  description?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  enum?: unknown[];
  const?: unknown;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  additionalProperties?: boolean | Schema;
  default?: unknown;
  example?: unknown;
  pattern?: string;
  format?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minItems?: number;
  maxItems?: number;
}

/** No scripts or styles but the page's own files, no other origin, no framing. */
export const DOCS_CSP =
  "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/** Nested schemas deeper than this are named, not expanded (no schema here is that deep; a cycle would be). */
const MAX_SCHEMA_DEPTH = 8;

const METHODS = ["get", "post", "put", "patch", "delete"];

const escape = (text: string) =>
  text.replace(/[&<>"']/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch]!);

/** The little Markdown the descriptions use: paragraphs and `code`. */
function prose(text: string | undefined): string {
  if (!text) return "";
  return text
    .split(/\n{2,}/)
    .map((paragraph) => `<p>${escape(paragraph).replace(/`([^`]+)`/g, "<code>$1</code>")}</p>`)
    .join("\n");
}

const inline = (text: string | undefined) => (text ? escape(text).replace(/`([^`]+)`/g, "<code>$1</code>") : "");

interface Entry {
  id: string;
  method: string;
  path: string;
  tag: string;
  operation: Operation;
}

function entriesOf(doc: OpenApiDoc): Entry[] {
  const entries: Entry[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      const operation = methods[method];
      if (!operation) continue;
      const id = operation.operationId ?? `${method}-${path.replace(/[^A-Za-z0-9]+/g, "-")}`;
      entries.push({ id, method, path, tag: operation.tags?.[0] ?? "Other", operation });
    }
  }
  return entries;
}

/** Every word of the query appears in the operation's method, path, id, tag, summary or description. */
function matches(entry: Entry, words: string[]): boolean {
  const haystack = searchText(entry);
  return words.every((word) => haystack.includes(word));
}

const searchText = (entry: Entry) =>
  [entry.method, entry.path, entry.id, entry.tag, entry.operation.summary ?? "", entry.operation.description ?? ""].join(" ").toLowerCase();

export function renderDocsPage(doc: OpenApiDoc, query = ""): string {
  const resolver = createResolver(doc);
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  const all = entriesOf(doc);
  const shown = all.filter((entry) => matches(entry, words));
  const tagOrder = [...(doc.tags ?? []).map((t) => t.name), ...all.map((e) => e.tag)].filter((t, i, list) => list.indexOf(t) === i);
  const groups = tagOrder.map((tag) => ({ tag, entries: shown.filter((e) => e.tag === tag) })).filter((g) => g.entries.length > 0);

  const toc = groups
    .map(
      ({ tag, entries }) => `<li><a href="#tag-${escape(tag)}">${escape(tag)}</a><ul>
${entries.map((e) => `<li data-search="${escape(searchText(e))}"><a href="#${escape(e.id)}"><span class="method ${e.method}">${e.method.toUpperCase()}</span> ${escape(e.operation.summary ?? e.path)}</a></li>`).join("\n")}
</ul></li>`,
    )
    .join("\n");

  const sections = groups
    .map(({ tag, entries }) => {
      const description = doc.tags?.find((t) => t.name === tag)?.description;
      return `<section class="tag" id="tag-${escape(tag)}"><h2>${escape(tag)}</h2>${prose(description)}
${entries.map((entry) => renderOperation(entry, resolver)).join("\n")}
</section>`;
    })
    .join("\n");

  const found = words.length > 0 ? `<p class="found">${shown.length} of ${all.length} operations match “${escape(query)}”. <a href="/docs">Show all</a></p>` : "";
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(doc.info.title)} API reference</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/docs/docs.css">
<script src="/docs/docs.js" defer></script>
</head><body>
<nav class="toc" aria-label="Operations">
<form action="/docs" method="get" role="search"><label for="q">Find an operation</label>
<input id="q" type="search" name="q" value="${escape(query)}" placeholder="replica, POST, events…" autocomplete="off"><button type="submit">Search</button></form>
<ul>${toc}</ul>
</nav>
<main>
<header><h1>${escape(doc.info.title)} API <small>${escape(doc.info.version)}</small></h1>
${prose(doc.info.description)}
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1).</p>
${doc.components?.schemas?.Error ? `<details class="envelope" id="schema-Error"><summary>The error envelope, shared by every error answer</summary>${renderSchema({ $ref: "#/components/schemas/Error" }, resolver, 0)}</details>` : ""}</header>
${found}
${sections || "<p>No operation matches; try fewer words.</p>"}
</main>
</body></html>`;
}

function renderOperation({ id, method, path, operation }: Entry, resolver: Resolver): string {
  const open = operation.security !== undefined && operation.security.length === 0;
  const parameters = (operation.parameters ?? []).map((p) => resolver.parameter(p));
  const body = operation.requestBody?.content?.["application/json"];
  const responses = Object.entries(operation.responses ?? {});
  return `<article class="op" id="${escape(id)}" data-search="${escape(searchText({ id, method, path, tag: "", operation }))}">
<h3><a class="anchor" href="#${escape(id)}"><span class="method ${method}">${method.toUpperCase()}</span> <code>${escape(path)}</code></a></h3>
<p class="summary">${inline(operation.summary)} <span class="opid">${escape(id)}</span>${open ? ' <span class="badge">no API key</span>' : ""}</p>
${prose(operation.description)}
${parameters.length > 0 ? renderParameters(parameters, resolver) : ""}
${body ? `<h4>Request body${operation.requestBody?.required === false ? " (optional)" : ""}</h4>${renderMedia(body, resolver)}` : ""}
<h4>Responses</h4>
${responses
  .map(([status, response]) => {
    const media = response.content?.["application/json"];
    const ok = status.startsWith("2");
    // Every error shares one envelope, shown once at the top; here only its examples.
    const shared = !ok && media?.schema?.$ref ? resolver.nameOf(media.schema) : undefined;
    const shape = shared ? `<p>The <a href="#schema-${escape(shared)}">error envelope</a>:</p>${renderMedia({ ...media, schema: undefined }, resolver)}` : media ? renderMedia(media, resolver) : "";
    return `<details class="response ${ok ? "ok" : "fail"}"${ok ? " open" : ""}><summary><b>${escape(status)}</b> ${inline(response.description)}</summary>
${shape}
</details>`;
  })
  .join("\n")}
</article>`;
}

function renderParameters(parameters: Parameter[], resolver: Resolver): string {
  const rows = parameters
    .map((p) => {
      const schema = p.schema ? resolver.schema(p.schema) : {};
      return `<tr><td><code>${escape(p.name)}</code></td><td>${escape(p.in)}</td><td>${p.required ? "required" : "optional"}</td><td>${escape(typeName(schema, resolver))}</td><td>${inline(p.description ?? schema.description)}${constraints(schema)}</td></tr>`;
    })
    .join("\n");
  return `<h4>Parameters</h4><table class="fields"><thead><tr><th>name</th><th>in</th><th></th><th>type</th><th>meaning</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function renderMedia(media: MediaType, resolver: Resolver): string {
  const shape = media.schema ? renderSchema(media.schema, resolver, 0) : "";
  const examples: [string, unknown][] = [];
  if (media.example !== undefined) examples.push(["Example", media.example]);
  for (const [name, example] of Object.entries(media.examples ?? {})) examples.push([example.summary ?? name, example.value]);
  const shown = examples
    .map(([title, value]) => `<figure class="example"><figcaption>${inline(title)}</figcaption><pre><code>${escape(JSON.stringify(value, null, 2))}</code></pre></figure>`)
    .join("\n");
  return `${shape}${shown}`;
}

/** A schema as a table of its fields, nested objects and list items expanded in place. */
function renderSchema(raw: Schema, resolver: Resolver, depth: number): string {
  const name = resolver.nameOf(raw);
  const schema = resolver.schema(raw);
  const title = name ? `<p class="schema-name">${escape(name)}</p>` : "";
  if (depth > MAX_SCHEMA_DEPTH) return title;
  const variants = schema.anyOf ?? schema.oneOf;
  if (variants) {
    const choices = variants.filter((v) => resolver.schema(v).type !== "null");
    return `${title}<p>One of:</p><ol class="variants">${choices.map((v) => `<li>${renderSchema(v, resolver, depth + 1)}</li>`).join("")}</ol>`;
  }
  if (schema.properties) {
    const required = new Set(schema.required ?? []);
    const rows = Object.entries(schema.properties)
      .map(([field, fieldSchema]) => {
        const resolved = resolver.schema(fieldSchema);
        const nested = nestedOf(resolved, resolver);
        return `<tr><td><code>${escape(field)}</code></td><td>${required.has(field) ? "required" : "optional"}</td><td>${escape(typeName(fieldSchema, resolver))}</td><td>${inline(resolved.description)}${constraints(resolved)}${nested ? renderSchema(nested, resolver, depth + 1) : ""}</td></tr>`;
      })
      .join("\n");
    const more = schema.additionalProperties && typeof schema.additionalProperties === "object" ? `<p class="note">Other fields may appear (details of the error).</p>` : "";
    return `${title}<table class="fields"><thead><tr><th>field</th><th></th><th>type</th><th>meaning</th></tr></thead><tbody>${rows}</tbody></table>${more}`;
  }
  if (schema.type === "array" && schema.items) return `${title}<p>A list of:</p>${renderSchema(schema.items, resolver, depth + 1)}`;
  return `${title}<p>${escape(typeName(raw, resolver))}${constraints(schema)}</p>`;
}

/** The object or list-of-objects inside a field, to expand under it. */
function nestedOf(schema: Schema, resolver: Resolver): Schema | undefined {
  const variants = (schema.anyOf ?? schema.oneOf)?.filter((v) => resolver.schema(v).type !== "null");
  if (variants && variants.length === 1) return nestedOf(resolver.schema(variants[0]!), resolver) ?? undefined;
  if (variants && variants.length > 1) return schema;
  if (schema.properties) return schema;
  if (schema.type === "array" && schema.items && resolver.schema(schema.items).properties) return schema;
  return undefined;
}

function typeName(raw: Schema, resolver: Resolver): string {
  const name = resolver.nameOf(raw);
  const schema = resolver.schema(raw);
  if (schema.enum) return schema.enum.map((v) => JSON.stringify(v)).join(" | ");
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  const variants = schema.anyOf ?? schema.oneOf;
  if (variants) return variants.map((v) => typeName(v, resolver)).join(" | ");
  const type = Array.isArray(schema.type) ? schema.type.join(" | ") : (schema.type ?? (schema.properties ? "object" : "any"));
  if (type === "array" && schema.items) return `list of ${typeName(schema.items, resolver)}`;
  if (name && type === "object") return name;
  return schema.format ? `${type} (${schema.format})` : type;
}

function constraints(schema: Schema): string {
  const notes: string[] = [];
  if (schema.minLength !== undefined && schema.maxLength !== undefined) notes.push(`${schema.minLength}–${schema.maxLength} characters`);
  else if (schema.maxLength !== undefined) notes.push(`at most ${schema.maxLength} characters`);
  else if (schema.minLength !== undefined && schema.minLength > 0) notes.push(`at least ${schema.minLength} characters`);
  if (schema.minimum !== undefined || schema.maximum !== undefined) notes.push(`from ${schema.minimum ?? "−∞"} to ${schema.maximum ?? "∞"}`);
  if (schema.maxItems !== undefined) notes.push(`at most ${schema.maxItems} items`);
  if (schema.pattern !== undefined) notes.push(`pattern <code>${escape(schema.pattern)}</code>`);
  if (schema.default !== undefined) notes.push(`default <code>${escape(JSON.stringify(schema.default))}</code>`);
  if (schema.example !== undefined) notes.push(`e.g. <code>${escape(JSON.stringify(schema.example))}</code>`);
  return notes.length > 0 ? `<span class="constraints">${notes.join("; ")}</span>` : "";
}

interface Resolver {
  /** The schema a `$ref` points at (the schema itself when it is none). */
  schema(schema: Schema): Schema;
  /** The component name of a referenced schema. */
  nameOf(schema: Schema): string | undefined;
  parameter(parameter: Parameter | Ref): Parameter;
}

function createResolver(doc: OpenApiDoc): Resolver {
  const lookup = <T>(ref: string, section: Record<string, T> | undefined): T | undefined => section?.[ref.slice(ref.lastIndexOf("/") + 1)];
  return {
    schema: (schema) => (schema.$ref ? (lookup(schema.$ref, doc.components?.schemas) ?? {}) : schema),
    nameOf: (schema) => (schema.$ref ? schema.$ref.slice(schema.$ref.lastIndexOf("/") + 1) : undefined),
    parameter: (parameter) =>
      "$ref" in parameter ? (lookup(parameter.$ref, doc.components?.parameters) ?? { name: parameter.$ref, in: "?" }) : parameter,
  };
}

/** Progressive enhancement: filters the operations as one types; the form searches without it. */
export const DOCS_SCRIPT = `"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const input = document.getElementById("q");
  if (!input) return;
  const items = document.querySelectorAll("[data-search]");
  input.addEventListener("input", () => {
    const words = input.value.toLowerCase().split(/\\s+/).filter(Boolean);
    for (const item of items) {
      const text = item.getAttribute("data-search") || "";
      item.hidden = !words.every((word) => text.includes(word));
    }
  });
});
`;

export const DOCS_STYLE = `body{font:15px/1.55 system-ui,sans-serif;margin:0;color:#1d1d1f;display:grid;grid-template-columns:minmax(16rem,22rem) 1fr}
@media (max-width:900px){body{display:block}.toc{position:static!important;height:auto!important}}
.toc{position:sticky;top:0;height:100vh;overflow:auto;background:#f5f5f7;padding:1rem;box-sizing:border-box;border-right:1px solid #ddd}
.toc ul{list-style:none;padding-left:0;margin:.25rem 0}.toc ul ul{padding-left:.5rem}.toc a{text-decoration:none;color:inherit;display:block;padding:.1rem 0}
.toc form{display:flex;flex-wrap:wrap;gap:.25rem;margin-bottom:.75rem}.toc label{width:100%;font-weight:600}.toc input{flex:1;min-width:0;padding:.3rem}
main{max-width:980px;padding:1rem 2rem}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.9em}pre{background:#f5f5f7;padding:.75rem;overflow:auto;border-radius:6px}
.op{border-top:1px solid #ddd;padding:.75rem 0}.op h3 a{color:inherit;text-decoration:none}
.method{display:inline-block;min-width:3.8rem;font-size:.75rem;color:#fff;border-radius:4px;padding:.05rem .35rem;text-align:center;font-weight:600}
.get{background:#2b7de9}.post{background:#2a9d5b}.put{background:#b7791f}.patch{background:#8e44ad}.delete{background:#c0392b}
.opid{color:#777;font-family:ui-monospace,monospace;font-size:.8em}.badge{background:#eee;border-radius:4px;padding:0 .3rem;font-size:.8em}
table.fields{border-collapse:collapse;width:100%;margin:.25rem 0 .75rem}table.fields td,table.fields th{border:1px solid #e2e2e2;padding:.25rem .45rem;vertical-align:top;text-align:left}
table.fields th{background:#fafafa;font-weight:600}.constraints{display:block;color:#555;font-size:.85em}
.schema-name{font-weight:600;margin:.25rem 0}.note{color:#555;font-size:.9em}
details.response{margin:.3rem 0;border:1px solid #e2e2e2;border-radius:6px;padding:.3rem .6rem}details.response.ok summary b{color:#2a9d5b}details.response.fail summary b{color:#c0392b}
figure.example{margin:.5rem 0}figcaption{font-size:.85em;color:#555}.found{background:#fff8dc;padding:.5rem;border-radius:6px}
[hidden]{display:none!important}
`;
