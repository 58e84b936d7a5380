/**
 * Evaluates sst.config.ts's `app()` and `run()` against tiny recording fakes of SST's globals
 * (no Pulumi, no AWS, no network) and checks what the infrastructure would be. The fakes mirror
 * SST 4.17's behaviour where it matters: `$transform` applies to every function, including the
 * ones routes, the queue subscriber and the cron create; route/subscriber FunctionArgs get the
 * parent's links prepended; a function given by ARN is the existing one; one subscriber per queue.
 * Run with `npm run check:infra` (or `vitest run -c infra/vitest.config.ts`).
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { TABLE_KEYS } from "../packages/aws/src/table-schema.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const REGION = "us-east-1";
const ACCOUNT = "123456789012";
const globals = globalThis as unknown as Record<string, unknown>;

/** Links are object references: the fakes remember each linkable component's name. */
const componentNames = new WeakMap<object, string>();
const nameOf = (link: unknown) => componentNames.get(link as object) ?? "(not a linkable component)";

// ---------------------------------------------------------------------------------------------
// Fakes

/** Just enough of a Pulumi Output: a known value with `apply`. */
class FakeOutput<T> {
  constructor(readonly value: T) {}
  apply<U>(fn: (value: T) => U): FakeOutput<unknown> {
    return new FakeOutput(resolve(fn(this.value)));
  }
}
const resolve = (value: unknown): unknown => (value instanceof FakeOutput ? resolve(value.value) : value);

type Args = Record<string, any>;
interface Statement {
  effect?: string;
  actions: string[];
  resources: unknown[];
}
interface FnRecord {
  name: string;
  args: Args;
  /** Created with `new sst.aws.Function` (a top-level component) or by a route, subscriber or cron. */
  topLevel: boolean;
  arn: string;
}
interface Route {
  key: string;
  name: string | undefined;
  fn: FnRecord;
}
interface Linkable {
  name: string;
  type: string;
  properties: Record<string, unknown>;
  include: Statement[];
}

function createWorld(stage: string, env: NodeJS.ProcessEnv) {
  const transforms = new Map<unknown, ((args: Args, opts: Args, name: string) => void)[]>();
  const functions: FnRecord[] = [];
  const linkables = new Map<string, Linkable>();
  const tables: { name: string; args: Args }[] = [];
  const queues: FakeQueue[] = [];
  const apis: FakeApi[] = [];
  const crons: { kind: string; name: string; args: Args; fn: FnRecord }[] = [];
  const names = new Set<string>();

  /** SST: top-level linkable component names are unique case-insensitively, and "App" is reserved. */
  function registerLinkable(instance: object, link: Linkable) {
    componentNames.set(instance, link.name);
    const lc = link.name.toLowerCase();
    if (lc === "app") throw new Error(`Component name "${link.name}" is reserved`);
    if (names.has(lc)) throw new Error(`Component name ${link.name} is not unique.`);
    names.add(lc);
    linkables.set(link.name, link);
  }

  function applyTransforms(cls: unknown, args: Args, name: string) {
    for (const transform of transforms.get(cls) ?? []) transform(args, {}, name);
  }

  class FakeFunction {
    readonly arn: string;
    readonly name: string;
    constructor(name: string, args: Args, topLevel = true) {
      applyTransforms(FakeFunction, args, name);
      this.arn = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:patchbay-${stage}-${name}`;
      this.name = `patchbay-${stage}-${name}`;
      functions.push({ name, args, topLevel, arn: this.arn });
      if (topLevel) {
        registerLinkable(this, {
          name,
          type: "sst.aws.Function",
          properties: { name: this.name },
          include: [{ actions: ["lambda:InvokeFunction"], resources: [this.arn] }],
        });
      }
    }
  }

  /** Mirrors helpers/function-builder.ts. */
  function buildFunction(name: string, definition: unknown, defaults: Args): FnRecord {
    if (typeof definition === "string" && definition.startsWith("arn:")) {
      const existing = functions.find((f) => f.arn === definition);
      if (!existing) throw new Error(`${name}: ${definition} is not a function of this app`);
      return existing;
    }
    if (typeof definition === "string") {
      new FakeFunction(name, { handler: definition, ...defaults }, false);
    } else if (definition && typeof definition === "object" && "handler" in definition) {
      const args = definition as Args;
      new FakeFunction(
        name,
        {
          ...defaults,
          ...args,
          link: [...(defaults.link ?? []), ...(args.link ?? [])],
          permissions: [...(defaults.permissions ?? []), ...(args.permissions ?? [])],
        },
        false,
      );
    } else {
      throw new Error(`${name}: unsupported function definition ${String(definition)}`);
    }
    return functions.at(-1)!;
  }

  class FakeDynamo {
    readonly name: string;
    readonly arn: string;
    constructor(name: string, args: Args) {
      this.name = `patchbay-${stage}-${name}`;
      this.arn = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${this.name}`;
      tables.push({ name, args });
      registerLinkable(this, {
        name,
        type: "sst.aws.Dynamo",
        properties: { name: this.name },
        include: [{ actions: ["dynamodb:*"], resources: [this.arn, `${this.arn}/*`] }],
      });
    }
  }

  class FakeQueue {
    readonly arn: string;
    readonly url: string;
    subscriber: { fn: FnRecord; args: Args | undefined } | undefined;
    constructor(
      readonly name: string,
      readonly args: Args = {},
    ) {
      this.arn = `arn:aws:sqs:${REGION}:${ACCOUNT}:patchbay-${stage}-${name}`;
      this.url = `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/patchbay-${stage}-${name}`;
      queues.push(this);
      registerLinkable(this, {
        name,
        type: "sst.aws.Queue",
        properties: { url: this.url },
        include: [{ actions: ["sqs:*"], resources: [this.arn] }],
      });
    }
    subscribe(subscriber: unknown, args?: Args) {
      if (this.subscriber) throw new Error(`Cannot subscribe to the "${this.name}" queue multiple times.`);
      this.subscriber = { fn: buildFunction(`${this.name}Subscriber`, subscriber, {}), args };
    }
  }

  class FakeApi {
    readonly url = `https://abc123.execute-api.${REGION}.amazonaws.com`;
    readonly routes: Route[] = [];
    constructor(
      readonly name: string,
      readonly args: Args = {},
    ) {
      apis.push(this);
      registerLinkable(this, { name, type: "sst.aws.ApiGatewayV2", properties: { url: this.url }, include: [] });
    }
    route(key: string, handler: unknown, args: Args = {}) {
      if (!/^(\$default|(ANY|GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) \/\S*)$/.test(key)) throw new Error(`invalid route "${key}"`);
      const fn = buildFunction(`${this.name}Route${args.name ?? key}Handler`, handler, { link: this.args.link });
      this.routes.push({ key, name: args.name, fn });
    }
  }

  const cron = (kind: string) =>
    class FakeCron {
      constructor(name: string, args: Args) {
        if (args.job && args.function) throw new Error("both job and function");
        const fn = buildFunction(`${name}Handler`, args.function ?? args.job, {});
        crons.push({ kind, name, args, fn });
      }
    };

  class FakeSecret {
    readonly value: FakeOutput<string>;
    constructor(name: string, placeholder?: string) {
      const value = env[`SST_SECRET_${name}`] ?? placeholder;
      // SST fails the deploy when a secret has neither a value nor a placeholder.
      if (typeof value !== "string") throw new Error(`Set a value for ${name} with \`sst secret set ${name} <value>\``);
      this.value = new FakeOutput(value);
      registerLinkable(this, { name, type: "sst.sst.Secret", properties: { value }, include: [] });
    }
  }

  class FakeLinkable {
    constructor(name: string, definition: { properties: Record<string, unknown>; include?: Statement[] }) {
      registerLinkable(this, {
        name,
        type: "sst.sst.Linkable",
        properties: Object.fromEntries(Object.entries(definition.properties).map(([k, v]) => [k, resolve(v)])),
        include: definition.include ?? [],
      });
    }
  }

  const sst = {
    aws: {
      Function: FakeFunction,
      Dynamo: FakeDynamo,
      Queue: FakeQueue,
      ApiGatewayV2: FakeApi,
      Cron: cron("Cron"),
      CronV2: cron("CronV2"),
      permission: (input: Args) => ({ type: "aws.permission", ...input }),
    },
    Secret: FakeSecret,
    Linkable: FakeLinkable,
  };
  const installed = {
    sst,
    aws: {
      getPartitionOutput: () => ({ partition: "aws" }),
      getRegionOutput: () => ({ region: REGION }),
      getCallerIdentityOutput: () => ({ accountId: ACCOUNT }),
    },
    $app: { name: "patchbay", stage },
    $dev: false,
    $interpolate: (strings: TemplateStringsArray, ...values: unknown[]) =>
      strings.reduce((out, s, i) => out + s + (i < values.length ? String(resolve(values[i])) : ""), ""),
    $transform: (cls: unknown, cb: (args: Args, opts: Args, name: string) => void) => {
      transforms.set(cls, [...(transforms.get(cls) ?? []), cb]);
    },
  };
  return { installed, functions, linkables, tables, queues, apis, crons };
}

type World = ReturnType<typeof createWorld>;

/** Deploy-time variables infra/ reads; cleared so the ambient environment cannot leak in. */
const DEPLOY_ENV = [
  "DEFAULT_MODEL",
  "ENABLE_BEDROCK",
  "PUBLIC_URL",
  "TELEGRAM_API_URL",
  "SLACK_API_URL",
  "DISCORD_API_URL",
  "OPENAI_BASE_URL",
  "SST_SECRET_OpenAiApiKey",
  "SST_SECRET_AnthropicApiKey",
];

globals.$config = (config: unknown) => config;
interface SstConfig {
  app(input: { stage: string }): Args;
  run(): Promise<Record<string, unknown>>;
}

async function evaluate(options: { stage?: string; env?: Record<string, string> } = {}) {
  const stage = options.stage ?? "dev";
  const saved = Object.fromEntries(DEPLOY_ENV.map((k) => [k, process.env[k]]));
  for (const k of DEPLOY_ENV) delete process.env[k];
  Object.assign(process.env, options.env);
  try {
    const world = createWorld(stage, process.env);
    Object.assign(globals, world.installed);
    const config = (await import("../sst.config.ts")).default as unknown as SstConfig;
    const app = config.app({ stage });
    const outputs = Object.fromEntries(Object.entries(await config.run()).map(([k, v]) => [k, resolve(v)]));
    return { world, app, outputs };
  } finally {
    for (const k of DEPLOY_ENV) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Helpers

const UNITS: Record<string, number> = { second: 1, minute: 60, hour: 3600, day: 86400 };
function seconds(duration: unknown): number {
  const match = /^(\d+) (second|minute|hour|day)s?$/.exec(String(duration));
  if (!match) throw new Error(`not an SST duration: ${String(duration)}`);
  return Number(match[1]) * UNITS[match[2]!]!;
}

/** SST looks for `{path}.{ext}` with these extensions, relative to the directory of sst.config.ts. */
const HANDLER_EXTENSIONS = [".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs"];
function handlerProblem(handler: string): string | null {
  const dot = handler.lastIndexOf(".");
  if (dot <= 0) return `"${handler}" is not "path/file.export"`;
  const base = handler.slice(0, dot);
  const exportName = handler.slice(dot + 1);
  const file = HANDLER_EXTENSIONS.map((ext) => base + ext).find((f) => existsSync(join(root, f)));
  if (!file) return `${handler}: ${base}.ts does not exist`;
  const source = readFileSync(join(root, file), "utf8");
  const name = exportName.replace(/[$]/g, "\\$");
  const declared = new RegExp(`export\\s+(?:const|let|var|(?:async\\s+)?function\\s*\\*?)\\s+${name}\\b`);
  const listed = new RegExp(`export\\s*\\{(?:[^}]*?[\\s,])?(?:\\w+\\s+as\\s+)?${name}\\s*[,}]`);
  if (!declared.test(source) && !listed.test(source)) return `${handler}: ${file} does not export "${exportName}"`;
  return null;
}

// ---------------------------------------------------------------------------------------------

describe("sst.config.ts", async () => {
  const dev = await evaluate({ stage: "dev" });
  const { world, app, outputs } = dev;

  test("app: patchbay on AWS, CLI pinned to the installed sst, retained and protected only in production", async () => {
    const sstVersion = JSON.parse(readFileSync(join(root, "node_modules/sst/package.json"), "utf8")).version;
    const rootPackage = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
    expect(rootPackage.devDependencies.sst).toBe(sstVersion); // exact pin: handlers' sst must equal the CLI
    expect(app).toMatchObject({ name: "patchbay", home: "aws", version: sstVersion, removal: "remove", protect: false });
    const production = await evaluate({ stage: "production" });
    expect(production.app).toMatchObject({ removal: "retain", protect: true });
  });

  test("outputs: api url, table name, queue and dead-letter queue urls", () => {
    expect(outputs).toEqual({
      apiUrl: world.apis[0]!.url,
      tableName: "patchbay-dev-Table",
      queueUrl: expect.stringContaining("ResponderQueue"),
      dlqUrl: expect.stringContaining("ResponderDlq"),
    });
  });

  test("every function: nodejs24.x on arm64, minified ESM without the AWS SDK, a month of logs", () => {
    expect(world.functions.length).toBeGreaterThanOrEqual(6);
    for (const fn of world.functions) {
      expect(fn.args, fn.name).toMatchObject({
        runtime: "nodejs24.x",
        architecture: "arm64",
        nodejs: { format: "esm", minify: true, esbuild: { external: expect.arrayContaining(["@aws-sdk/*"]) } },
        logging: { retention: "1 month" },
      });
    }
  });

  test("every handler names an existing file that exports it", () => {
    const handlers = new Set(world.functions.map((fn) => fn.args.handler as string));
    expect([...handlers].sort()).toEqual([
      "packages/functions/src/api.handler",
      "packages/functions/src/ingress/discord.handler",
      "packages/functions/src/ingress/slack.handler",
      "packages/functions/src/ingress/telegram.handler",
      "packages/functions/src/reconciler.handler",
      "packages/functions/src/responder.handler",
    ]);
    const problems = [...handlers].map(handlerProblem).filter((p) => p !== null);
    expect(problems).toEqual([]);
  });

  test("routes: named, REST app on one shared function, one ingress function per platform, all within 29 s", () => {
    const api = world.apis[0]!;
    expect(world.apis).toHaveLength(1);
    expect(api.args.cors).toBe(false);
    expect(api.args.accessLog).toEqual({ retention: "1 month" });
    const table = Object.fromEntries(api.routes.map((r) => [r.key, r.fn.args.handler]));
    expect(table).toEqual({
      "ANY /v1/{proxy+}": "packages/functions/src/api.handler",
      "ANY /v1": "packages/functions/src/api.handler",
      "GET /health": "packages/functions/src/api.handler",
      "GET /openapi.json": "packages/functions/src/api.handler",
      "GET /docs": "packages/functions/src/api.handler",
      $default: "packages/functions/src/api.handler",
      "POST /webhooks/telegram/{id}": "packages/functions/src/ingress/telegram.handler",
      "POST /webhooks/slack/{id}": "packages/functions/src/ingress/slack.handler",
      "POST /webhooks/discord/{id}": "packages/functions/src/ingress/discord.handler",
    });
    const names = api.routes.map((r) => r.name);
    expect(names.every((n) => typeof n === "string" && /^[A-Z][A-Za-z0-9]*$/.test(n))).toBe(true);
    expect(new Set(names).size).toBe(names.length);
    expect(new Set(api.routes.filter((r) => r.fn.args.handler.endsWith("/api.handler")).map((r) => r.fn)).size).toBe(1);
    for (const route of api.routes) {
      expect(seconds(route.fn.args.timeout ?? "20 seconds"), route.key).toBeLessThanOrEqual(29);
    }
    for (const route of api.routes.filter((r) => r.key.startsWith("POST /webhooks/"))) {
      expect(route.fn.args).toMatchObject({ timeout: "10 seconds", memory: "512 MB" });
    }
  });

  test("queue: FIFO, high throughput, explicit deduplication, DLQ after 5 receives, visibility ≥ 6 × responder timeout", () => {
    const queue = world.queues.find((q) => q.name === "ResponderQueue")!;
    const dlq = world.queues.find((q) => q.name === "ResponderDlq")!;
    expect(world.queues.map((q) => q.name).sort()).toEqual(["ResponderDlq", "ResponderQueue"]);
    expect(queue.args.fifo).toEqual({ contentBasedDeduplication: false });
    expect(queue.args.dlq).toEqual({ queue: dlq.arn, retry: 5 });
    expect(queue.args.transform.queue).toEqual({ deduplicationScope: "messageGroup", fifoThroughputLimit: "perMessageGroupId" });
    expect(dlq.args.fifo).toBe(true);
    expect(dlq.args.transform.queue.messageRetentionSeconds).toBe(14 * 24 * 3600);
    expect(dlq.subscriber).toBeUndefined();

    const subscriber = queue.subscriber!;
    expect(subscriber.fn.args).toMatchObject({ handler: "packages/functions/src/responder.handler", timeout: "90 seconds", memory: "512 MB" });
    expect(seconds(queue.args.visibilityTimeout)).toBeGreaterThanOrEqual(6 * seconds(subscriber.fn.args.timeout));
    // FIFO event source mappings take at most 10 records and support no batching window.
    expect(subscriber.args?.batch.size).toBeLessThanOrEqual(10);
    expect(subscriber.args?.batch.window).toBeUndefined();
    expect(subscriber.args?.batch.partialResponses).toBe(true);
    expect(world.linkables.get("Settings")!.properties.maxReceives).toBe(queue.args.dlq.retry);
  });

  test("reconciler: every 5 minutes, within its interval, not retried", () => {
    expect(world.crons).toHaveLength(1);
    const cron = world.crons[0]!;
    expect(cron).toMatchObject({ kind: "CronV2", name: "Reconciler", args: { schedule: "rate(5 minutes)" } });
    expect(cron.fn.args).toMatchObject({ handler: "packages/functions/src/reconciler.handler", retries: 0 });
    expect(seconds(cron.fn.args.timeout)).toBeLessThanOrEqual(5 * 60);
  });

  test("table: keys, indexes and TTL attribute are the store's (packages/aws/src/table-schema.ts)", () => {
    expect(world.tables).toHaveLength(1);
    const { args } = world.tables[0]!;
    const { partitionKey, sortKey, indexes, ttlAttribute } = TABLE_KEYS;
    const keyAttributes = [partitionKey, sortKey, ...Object.values(indexes).flatMap((i) => [i.partitionKey, i.sortKey])];
    expect(args.fields).toEqual(Object.fromEntries(keyAttributes.map((k) => [k, "string"])));
    expect(args.primaryIndex).toEqual({ hashKey: partitionKey, rangeKey: sortKey });
    expect(args.globalIndexes).toEqual(
      Object.fromEntries(Object.entries(indexes).map(([name, i]) => [name, { hashKey: i.partitionKey, rangeKey: i.sortKey }])),
    );
    expect(args.ttl).toBe(ttlAttribute);
    expect(Object.keys(args.fields)).not.toContain(ttlAttribute); // DynamoDB rejects unused attribute definitions
  });

  test("every function links what readAwsConfig() reads at cold start", () => {
    const needed = ["Table", "ResponderQueue", "TenantSecrets", "Settings"];
    for (const fn of world.functions) {
      const linked = (fn.args.link ?? []).map(nameOf);
      expect(linked, fn.name).toEqual(expect.arrayContaining(needed));
    }
  });

  test("least privilege: only the API writes tenant secrets, only the responder holds model keys", () => {
    const linkedTo = (fn: FnRecord) => (fn.args.link ?? []).map(nameOf);
    const writers = world.functions.filter((fn) =>
      statementsFor(world, fn).some((s) => s.actions.some((a) => /secretsmanager:(Create|Put|Delete)/.test(a))),
    );
    expect(writers.map((fn) => fn.args.handler)).toEqual(["packages/functions/src/api.handler"]);
    const withKeys = world.functions.filter((fn) => linkedTo(fn).includes("OpenAiApiKey") || linkedTo(fn).includes("AnthropicApiKey"));
    expect(withKeys.map((fn) => fn.args.handler)).toEqual(["packages/functions/src/responder.handler"]);
    for (const fn of world.functions) {
      const reads = statementsFor(world, fn).filter((s) => s.actions.includes("secretsmanager:GetSecretValue"));
      expect(reads.length, fn.name).toBeGreaterThan(0);
    }
  });

  test("Secrets Manager: only the stage's prefix, in every stage", async () => {
    for (const stage of ["dev", "production"]) {
      const { world: w } = stage === "dev" ? dev : await evaluate({ stage });
      expect(w.linkables.get("TenantSecrets")!.properties).toEqual({ prefix: `patchbay/${stage}/` });
      expect(w.linkables.get("TenantSecretsWriter")!.properties).toEqual({ prefix: `patchbay/${stage}/` });
      const statements = w.functions.flatMap((fn) => statementsFor(w, fn)).filter((s) => s.actions.some((a) => a.startsWith("secretsmanager:")));
      expect(statements.length).toBeGreaterThan(0);
      for (const s of statements) {
        expect(s.effect ?? "allow").toBe("allow");
        expect(s.actions.every((a) => a.startsWith("secretsmanager:"))).toBe(true);
        expect(s.resources).toEqual([`arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:patchbay/${stage}/*`]);
      }
    }
  });

  test("Bedrock: no permission unless configured, then on the responder only", async () => {
    const bedrockOn = (w: World) =>
      w.functions.filter((fn) => statementsFor(w, fn).some((s) => s.actions.some((a) => a.startsWith("bedrock:"))));
    expect(bedrockOn(world)).toEqual([]);
    expect(world.linkables.get("Settings")!.properties.bedrockEnabled).toBe(false);

    const configured: Record<string, string>[] = [{ DEFAULT_MODEL: "bedrock/anthropic.claude-3-5-haiku-20241022-v1:0" }, { ENABLE_BEDROCK: "1" }];
    for (const env of configured) {
      const { world: w } = await evaluate({ env });
      const granted = bedrockOn(w);
      expect(granted.map((fn) => fn.args.handler)).toEqual(["packages/functions/src/responder.handler"]);
      const statement = statementsFor(w, granted[0]!).find((s) => s.actions.some((a) => a.startsWith("bedrock:")))!;
      expect(statement.actions).toEqual(["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"]);
      expect(statement.resources).toEqual([
        "arn:aws:bedrock:*::foundation-model/*",
        `arn:aws:bedrock:*:${ACCOUNT}:inference-profile/*`,
      ]);
      expect(w.linkables.get("Settings")!.properties.bedrockEnabled).toBe(true);
    }
  });

  test("model keys are optional secrets; the default model follows the local rule unless DEFAULT_MODEL is set", async () => {
    expect(world.linkables.get("OpenAiApiKey")!.properties).toEqual({ value: "" });
    expect(world.linkables.get("AnthropicApiKey")!.properties).toEqual({ value: "" });
    expect(world.linkables.get("Settings")!.properties.defaultModel).toBe("echo");
    const withKey = await evaluate({ env: { SST_SECRET_OpenAiApiKey: "sk-test" } });
    expect(withKey.world.linkables.get("Settings")!.properties.defaultModel).toBe("openai/gpt-4o-mini");
    const chosen = await evaluate({ env: { SST_SECRET_OpenAiApiKey: "sk-test", DEFAULT_MODEL: "anthropic/claude-sonnet-4-5" } });
    expect(chosen.world.linkables.get("Settings")!.properties.defaultModel).toBe("anthropic/claude-sonnet-4-5");
  });

  test("Settings: public URL is the API's unless PUBLIC_URL is set; platform URLs as design.md §2", async () => {
    expect(world.linkables.get("Settings")!.properties).toEqual({
      publicUrl: world.apis[0]!.url,
      telegramApiUrl: "https://api.telegram.org",
      slackApiUrl: "https://slack.com/api/",
      discordApiUrl: "https://discord.com/api/v10",
      openaiBaseUrl: "https://api.openai.com/v1",
      defaultModel: "echo",
      bedrockEnabled: false,
      maxReceives: 5,
    });
    const custom = await evaluate({ env: { PUBLIC_URL: "https://patchbay.example.com/" } });
    expect(custom.world.linkables.get("Settings")!.properties.publicUrl).toBe("https://patchbay.example.com");
  });

  test("sst-env.d.ts declares exactly the linkable components, with their property types", () => {
    const declared = parseSstEnv(readFileSync(join(root, "sst-env.d.ts"), "utf8"));
    const tsType = (v: unknown) => (typeof v === "number" ? "number" : typeof v === "boolean" ? "boolean" : "string");
    const expected = Object.fromEntries(
      [...world.linkables.values()].map((l) => [
        l.name,
        { ...Object.fromEntries(Object.entries(l.properties).map(([k, v]) => [k, tsType(v)])), type: `"${l.type}"` },
      ]),
    );
    expect(declared).toEqual(expected);
  });
});

function statementsFor(world: World, fn: FnRecord): Statement[] {
  const linked = (fn.args.link ?? []).flatMap((l: unknown) => world.linkables.get(nameOf(l))?.include ?? []);
  return [...(fn.args.permissions ?? []), ...linked];
}

/** Reads the generated-format `declare module "sst" { export interface Resource { "X": { "p": T … } } }`. */
function parseSstEnv(source: string): Record<string, Record<string, string>> {
  const body = /export interface Resource \{([\s\S]*)\n {2}\}\n\}/.exec(source)?.[1];
  if (!body) throw new Error("sst-env.d.ts: no Resource interface");
  const result: Record<string, Record<string, string>> = {};
  for (const match of body.matchAll(/^ {4}"(\w+)": \{\n([\s\S]*?)\n {4}\}/gm)) {
    result[match[1]!] = Object.fromEntries([...match[2]!.matchAll(/^ {6}"(\w+)": (.+)$/gm)].map((m) => [m[1]!, m[2]!.trim()]));
  }
  return result;
}
