/**
 * What Patchbay's infrastructure must be, checked against what SST 4.17 would create for one
 * deploy-time scenario (infra/check/ evaluates sst.config.ts through SST's own components).
 * Each check throws, naming what differs. infra/infra.test.ts runs them over every scenario;
 * infra/seeded-mistakes.test.ts shows they catch realistic mistakes.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { METRIC, METRICS_NAMESPACE } from "../packages/aws/src/metric-names.ts";
import { TABLE_KEYS } from "../packages/aws/src/table-schema.ts";
import { awsRuleViolations } from "./check/aws-rules.ts";
import { Deployment, type LambdaFunction, type Statement } from "./check/deployment.ts";
import { REPO_ROOT } from "./check/evaluate.ts";
import { ACCOUNT, REGION } from "./check/mock-account.ts";
import type { Evaluation, Json, RecordedResource } from "./check/report.ts";
import { linkedComponents, renderResourceDeclarations } from "./check/sst-env.ts";

export interface Check {
  name: string;
  run(deployment: Deployment): void;
}

const API = "packages/functions/src/api.handler";
const RESPONDER = "packages/functions/src/responder.handler";
const RECONCILER = "packages/functions/src/reconciler.handler";
const DISCORD_LISTENER = "packages/functions/src/discord-listener.handler";
const PLATFORMS = ["telegram", "slack", "discord"];
const ingress = (platform: string) => `packages/functions/src/ingress/${platform}.handler`;
const INGRESS = PLATFORMS.map(ingress);

/**
 * What the ingress bundles leave out, each reached only through import(): the SDK's credential providers after
 * the environment's, which Lambda's credentials never get to, and its event streams (infra/webhooks.ts).
 */
const INGRESS_LEFT_OUT = Object.fromEntries(
  [
    "@aws-sdk/credential-provider-http",
    "@aws-sdk/credential-provider-ini",
    "@aws-sdk/credential-provider-process",
    "@aws-sdk/credential-provider-sso",
    "@aws-sdk/credential-provider-web-identity",
    "@smithy/core/event-streams",
    "@smithy/credential-provider-imds",
  ].map((path) => [path, ["dynamic-import"]]),
);

/** Optional native add-ons the Discord Gateway's WebSocket library tries (and does without): they are not installed. */
const WS_ADD_ONS = { bufferutil: ["require-call"], "utf-8-validate": ["require-call"], "zlib-sync": ["dynamic-import"] };
const withoutDiscordGateway = [ingress("telegram"), ingress("slack")];

/** What every function reads at cold start (packages/functions/src/config.ts). */
const CONFIG_LINKS = { Table: "sst.aws.Dynamo", ResponderQueue: "sst.aws.Queue", TenantSecrets: "sst.sst.Linkable", Settings: "sst.sst.Linkable" };

/** The model provider keys: only the functions that call models (the responder, the API's preview) are linked to them. */
const MODEL_KEY_LINKS = { OpenAiApiKey: "sst.sst.Secret", AnthropicApiKey: "sst.sst.Secret" };

/** Memory, time limit and `Resource.*` links of each function, by handler. */
const FUNCTIONS: Record<string, { memoryMb: number; timeoutSeconds: number; links: Record<string, string> }> = {
  // The API answers replica previews with the replica's model, so it reads the model keys as the responder does.
  [API]: { memoryMb: 1024, timeoutSeconds: 29, links: { ...CONFIG_LINKS, TenantSecretsWriter: "sst.sst.Linkable", ...MODEL_KEY_LINKS } },
  ...Object.fromEntries(PLATFORMS.map((p) => [ingress(p), { memoryMb: 512, timeoutSeconds: 10, links: CONFIG_LINKS }])),
  [RESPONDER]: {
    memoryMb: 512,
    timeoutSeconds: 90,
    links: { ...CONFIG_LINKS, DeadLetters: "sst.sst.Linkable", ...MODEL_KEY_LINKS },
  },
  [RECONCILER]: { memoryMb: 1024, timeoutSeconds: 300, links: CONFIG_LINKS },
  // Lambda's longest run: each invocation holds the Gateway for all of it but the hand-over.
  [DISCORD_LISTENER]: { memoryMb: 256, timeoutSeconds: 900, links: CONFIG_LINKS },
};

const ROUTES: Record<string, string> = {
  "ANY /v1/{proxy+}": API,
  "ANY /v1": API,
  "GET /health": API,
  "GET /openapi.json": API,
  "GET /docs": API,
  $default: API,
  ...Object.fromEntries(PLATFORMS.map((p) => [`POST /webhooks/${p}/{id}`, ingress(p)])),
};

/** Every type of AWS resource the app creates: a new one needs checks of its own here. */
const RESOURCE_TYPES = [
  "aws:apigatewayv2/api:Api",
  "aws:apigatewayv2/integration:Integration",
  "aws:apigatewayv2/route:Route",
  "aws:apigatewayv2/stage:Stage",
  "aws:cloudwatch/dashboard:Dashboard",
  "aws:cloudwatch/logGroup:LogGroup",
  "aws:cloudwatch/metricAlarm:MetricAlarm",
  "aws:dynamodb/table:Table",
  "aws:iam/role:Role",
  "aws:lambda/eventSourceMapping:EventSourceMapping",
  "aws:lambda/function:Function",
  "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig",
  "aws:lambda/permission:Permission",
  "aws:s3/bucketObjectv2:BucketObjectv2",
  "aws:scheduler/schedule:Schedule",
  "aws:sns/topic:Topic",
  "aws:sqs/queue:Queue",
  "random:index/randomBytes:RandomBytes",
];

const allow = (actions: string[], resources: string[]): Statement => ({ effect: "Allow", actions: [...actions].sort(), resources: [...resources].sort() });

// -------------------------------------------------------------------------------------------
// What the scenario asks for (the deploy-time rules of infra/models.ts and infra/settings.ts)

const env = (d: Deployment) => d.evaluation.scenario.env ?? {};
const stage = (d: Deployment) => d.evaluation.scenario.stage;
const bedrockConfigured = (d: Deployment) =>
  Boolean(env(d).DEFAULT_MODEL?.startsWith("bedrock/")) || ["1", "true"].includes(env(d).ENABLE_BEDROCK ?? "");
const secretValues = (d: Deployment) =>
  Object.entries(env(d)).filter(([k, v]) => k.startsWith("SST_SECRET_") && v !== "").map(([k, v]) => ({ name: k.slice("SST_SECRET_".length), value: v }));

function expectedStatements(d: Deployment, handler: string): Statement[] {
  const secrets = [`arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:patchbay/${stage(d)}/*`];
  const statements = [
    allow(["dynamodb:*"], ["<Table>", "<Table>/*"]),
    allow(["sqs:*"], ["<ResponderQueue>"]),
    allow(["secretsmanager:GetSecretValue"], secrets),
  ];
  if (handler === API) statements.push(allow(["secretsmanager:CreateSecret", "secretsmanager:PutSecretValue", "secretsmanager:DeleteSecret"], secrets));
  if ((handler === API || handler === RESPONDER) && bedrockConfigured(d)) {
    statements.push(
      allow(["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"], ["arn:aws:bedrock:*::foundation-model/*", `arn:aws:bedrock:*:${ACCOUNT}:inference-profile/*`]),
    );
  }
  if (handler === RESPONDER) {
    // SST's own grant to a queue subscriber.
    statements.push(
      allow(["sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:ReceiveMessage"], ["<ResponderQueue>"]),
      // Dead letters at once, for failures no retry can fix: send, nothing else.
      allow(["sqs:SendMessage"], ["<ResponderDlq>"]),
    );
  }
  return sortStatements(statements);
}

function expectedSettings(d: Deployment, apiUrl: string): Record<string, Json> {
  const e = env(d);
  return {
    publicUrl: e.PUBLIC_URL ? e.PUBLIC_URL.replace(/\/+$/, "") : apiUrl,
    telegramApiUrl: e.TELEGRAM_API_URL ?? "https://api.telegram.org",
    slackApiUrl: e.SLACK_API_URL ?? "https://slack.com/api/",
    discordApiUrl: e.DISCORD_API_URL ?? "https://discord.com/api/v10",
    openaiBaseUrl: e.OPENAI_BASE_URL ?? "https://api.openai.com/v1",
    anthropicBaseUrl: e.ANTHROPIC_BASE_URL ?? "https://api.anthropic.com",
    openaiConfigured: Boolean(e.SST_SECRET_OpenAiApiKey),
    anthropicConfigured: Boolean(e.SST_SECRET_AnthropicApiKey),
    defaultModel: e.DEFAULT_MODEL ?? (e.SST_SECRET_OpenAiApiKey ? "openai/gpt-4o-mini" : e.SST_SECRET_AnthropicApiKey ? "anthropic/claude-haiku-4-5" : "echo"),
    bedrockEnabled: bedrockConfigured(d),
    maxReceives: 5,
    type: "sst.sst.Linkable",
  };
}

// -------------------------------------------------------------------------------------------

const one = (d: Deployment, type: string, name?: string): RecordedResource => {
  const found = d.ofType(type).filter((r) => name === undefined || d.owner(r).name === name);
  expect(found.map((r) => r.name), `${type}${name ? ` of ${name}` : ""}`).toHaveLength(1);
  return found[0]!;
};
const exportOf = (handler: string) => handler.slice(handler.lastIndexOf(".") + 1);
const sortStatements = (statements: Statement[]) => [...statements].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
const byHandler = <T>(fns: LambdaFunction[], f: (fn: LambdaFunction) => T) => Object.fromEntries(fns.map((fn) => [fn.handler, f(fn)]));

/** A function EventBridge Scheduler starts on `expression`: always on, at the exact time, never retried, by a role that may invoke it alone. */
function expectScheduled(d: Deployment, handler: string, expression: string) {
  const schedules = d.ofType("aws:scheduler/schedule:Schedule").filter((s) => d.functionByArn((s.inputs.target as Record<string, Json>).arn)?.handler === handler);
  expect(schedules.map((s) => s.name), `schedules of ${handler}`).toHaveLength(1);
  const schedule = schedules[0]!;
  const target = schedule.inputs.target as Record<string, Json>;
  expect({
    expression: schedule.inputs.scheduleExpression,
    state: schedule.inputs.state,
    window: schedule.inputs.flexibleTimeWindow,
    retryPolicy: target.retryPolicy,
  }).toEqual({ expression, state: "ENABLED", window: { mode: "OFF" }, retryPolicy: { maximumRetryAttempts: 0 } });
  const fn = d.functions().find((f) => f.handler === handler);
  expect(fn?.asyncRetries, `${handler} retries of async invocations`).toBe(0);
  const role = d.byArn(target.roleArn);
  expect(role && d.inlineStatements(role)).toEqual([allow(["lambda:InvokeFunction"], [`<${String(fn?.component)}>`])]);
}

const isSourcemap = (r: RecordedResource) => r.type === "aws:s3/bucketObjectv2:BucketObjectv2" && String(r.inputs.key).startsWith("sourcemap/");

export const CHECKS: Check[] = [
  {
    name: "SST evaluates the config and builds every handler, with nothing it would fail on",
    run(d) {
      const failedBuilds = d.evaluation.builds.filter((b) => b.result?.errors.length !== 0).map((b) => [`${b.functionID} (${b.handler})`, b.result?.errors ?? "no result"]);
      expect(Object.fromEntries(failedBuilds), "functions SST could not build").toEqual({});
      expect(d.evaluation.errors, "what would fail the deploy").toEqual([]);
    },
  },
  {
    name: "app: patchbay on AWS, the sst CLI pinned exactly, retained and protected only in production",
    run(d) {
      const installed = (JSON.parse(readFileSync(join(REPO_ROOT, "node_modules/sst/package.json"), "utf8")) as { version: string }).version;
      const manifest = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { devDependencies: Record<string, string> };
      // Handlers import `sst`: SST refuses to build them unless its version equals the CLI's.
      expect(manifest.devDependencies.sst, "package.json pins sst exactly").toBe(installed);
      const production = stage(d) === "production";
      expect(d.evaluation.app).toMatchObject({ name: "patchbay", home: "aws", version: installed, removal: production ? "retain" : "remove", protect: production });
      expect(d.evaluation.outputs._protect).toBe(production);
    },
  },
  {
    name: "outputs: the API URL, the table name, the queue and dead-letter queue URLs, the alarm topic",
    run(d) {
      expect(d.evaluation.outputs).toEqual({
        apiUrl: one(d, "aws:apigatewayv2/api:Api").outputs.apiEndpoint,
        tableName: one(d, "aws:dynamodb/table:Table").inputs.name,
        queueUrl: one(d, "aws:sqs/queue:Queue", "ResponderQueue").outputs.url,
        dlqUrl: one(d, "aws:sqs/queue:Queue", "ResponderDlq").outputs.url,
        alarmTopicArn: one(d, "aws:sns/topic:Topic").outputs.arn,
        _protect: stage(d) === "production",
      });
    },
  },
  {
    name: "functions: one per handler, with its memory, time limit and Resource links (names and types)",
    run(d) {
      const fns = d.functions();
      expect(fns.map((fn) => fn.handler).sort(), "one function per handler").toEqual(Object.keys(FUNCTIONS).sort());
      const links = (fn: LambdaFunction) => Object.fromEntries(Object.entries(fn.links).map(([name, props]) => [name, props.type]));
      expect(byHandler(fns, (fn) => ({ memoryMb: fn.memoryMb, timeoutSeconds: fn.timeoutSeconds, links: links(fn) }))).toEqual(FUNCTIONS);
    },
  },
  {
    name: "every function: nodejs24.x on arm64, only SST's environment, a month of logs, a minified bundle (ESM, CommonJS for ingress) exporting its handler, the AWS SDK inside and nothing outside it loaded with it, the API's with the console's files beside it",
    run(d) {
      const fns = d.functions();
      const actual = byHandler(fns, (fn) => ({
        runtime: fn.runtime,
        architectures: fn.architectures,
        environment: Object.keys(fn.environment).sort(),
        app: fn.environment.SST_RESOURCE_App,
        logRetentionDays: fn.logRetentionDays,
        format: fn.build.properties.format,
        minify: fn.build.properties.minify,
        lambdaHandler: fn.resource.inputs.handler,
        exportsHandler: fn.build.bundle?.exports.includes(exportOf(fn.handler)),
        awsSdkInside: fn.build.bundle?.packages.includes("@aws-sdk/client-dynamodb"),
        leftOut: fn.build.bundle?.externalImports,
        copied: fn.build.bundle?.copied,
      }));
      const expected = byHandler(fns, (fn) => ({
        runtime: "nodejs24.x",
        architectures: ["arm64"],
        // Links travel encrypted in the bundle (SST_KEY decrypts resource.enc), not as variables.
        environment: ["SST_KEY", "SST_KEY_FILE", "SST_RESOURCE_App"],
        app: JSON.stringify({ name: "patchbay", stage: stage(d) }),
        logRetentionDays: 30,
        format: INGRESS.includes(fn.handler) ? "cjs" : "esm",
        minify: true,
        lambdaHandler: `bundle.${exportOf(fn.handler)}`,
        exportsHandler: true,
        // Every function reads the table; its SDK comes in the bundle, not from the runtime.
        awsSdkInside: true,
        leftOut: { ...(withoutDiscordGateway.includes(fn.handler) ? {} : WS_ADD_ONS), ...(INGRESS.includes(fn.handler) ? INGRESS_LEFT_OUT : {}) },
        // The web console it serves at /console, read from these files on first use (infra/console.ts).
        copied: fn.handler === API ? ["console/console.css", "console/console.js", "console/index.html"] : [],
      }));
      expect(actual).toEqual(expected);
    },
  },
  {
    name: "IAM: each function's statements, exactly (tenant secrets written by the API only, Bedrock on the responder only when configured)",
    run(d) {
      const fns = d.functions();
      expect(byHandler(fns, (fn) => sortStatements(fn.statements))).toEqual(byHandler(fns, (fn) => expectedStatements(d, fn.handler)));
      const managed = ["arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"];
      expect(byHandler(fns, (fn) => fn.managedPolicies)).toEqual(byHandler(fns, () => managed));
      // SST 4.17 also trusts the account root (its `!dev` tests an Output, so the dev branch always wins).
      const trust = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["sts:AssumeRole"], Principal: { Service: ["lambda.amazonaws.com"], AWS: [`arn:aws:iam::${ACCOUNT}:root`] } }] };
      expect(byHandler(fns, (fn) => fn.assumeRolePolicy)).toEqual(byHandler(fns, () => trust));
    },
  },
  {
    name: "IAM: no role may act on every resource",
    run(d) {
      const wildcards = d.ofType("aws:iam/role:Role").flatMap((role) =>
        d.inlineStatements(role).filter((s) => s.resources.includes("*") || s.actions.includes("*")).map((s) => `${role.name}: ${s.actions.join(",")} on ${s.resources.join(",")}`),
      );
      expect(wildcards).toEqual([]);
    },
  },
  {
    name: "secrets: model keys reach the responder and the API (preview) through their encrypted links, and no secret value appears in any AWS resource",
    run(d) {
      const modelCallers = d.functions().filter((fn) => fn.handler === RESPONDER || fn.handler === API);
      expect(modelCallers).toHaveLength(2);
      for (const { name, value } of secretValues(d)) {
        // SST's own link records (components, only in the encrypted state) may hold it; AWS resources may not.
        const leaks = d.resources.filter((r) => r.custom && JSON.stringify(r.inputs).includes(value)).map((r) => `${r.type} ${r.name}`);
        expect(leaks, `AWS resources holding the value of ${name}`).toEqual([]);
        for (const fn of modelCallers) expect(fn.links[name]?.value, `Resource.${name}.value on ${fn.handler}`).toBe(value);
      }
      const secretEnvironments = d.functions().filter((fn) => fn.resource.secretInputs.includes("environment")).map((fn) => fn.handler);
      expect(secretEnvironments, "functions whose plain environment holds a secret").toEqual([]);
    },
  },
  {
    name: "Settings: what every function reads as Resource.Settings for this scenario",
    run(d) {
      const apiUrl = String(one(d, "aws:apigatewayv2/api:Api").outputs.apiEndpoint);
      const fns = d.functions();
      expect(byHandler(fns, (fn) => fn.links.Settings)).toEqual(byHandler(fns, () => expectedSettings(d, apiUrl)));
    },
  },
  {
    name: "queue: FIFO with high throughput and explicit deduplication, dead letters after 5 receives, kept 14 days",
    run(d) {
      expect(d.ofType("aws:sqs/queue:Queue").map((q) => d.owner(q).name).sort()).toEqual(["ResponderDlq", "ResponderQueue"]);
      const queue = one(d, "aws:sqs/queue:Queue", "ResponderQueue");
      const dlq = one(d, "aws:sqs/queue:Queue", "ResponderDlq");
      expect(queue.inputs).toMatchObject({
        fifoQueue: true,
        contentBasedDeduplication: false,
        deduplicationScope: "messageGroup",
        fifoThroughputLimit: "perMessageGroupId",
        visibilityTimeoutSeconds: 540,
      });
      expect(JSON.parse(String(queue.inputs.redrivePolicy))).toEqual({ deadLetterTargetArn: dlq.outputs.arn, maxReceiveCount: 5 });
      expect(dlq.inputs).toMatchObject({ fifoQueue: true, messageRetentionSeconds: 14 * 24 * 3600 });
      expect(dlq.inputs.redrivePolicy).toBeUndefined();
    },
  },
  {
    name: "responder: the queue's only consumer, FIFO batches of 10, no batching window, partial batch responses",
    run(d) {
      const mappings = d.ofType("aws:lambda/eventSourceMapping:EventSourceMapping").map((m) => ({
        source: d.symbolize(String(m.inputs.eventSourceArn)),
        handler: d.functionByArn(m.inputs.functionName)?.handler,
        batchSize: m.inputs.batchSize,
        window: m.inputs.maximumBatchingWindowInSeconds ?? 0,
        responseTypes: m.inputs.functionResponseTypes,
      }));
      expect(mappings).toEqual([{ source: "<ResponderQueue>", handler: RESPONDER, batchSize: 10, window: 0, responseTypes: ["ReportBatchItemFailures"] }]);
    },
  },
  {
    name: "API: an HTTP API without CORS, routes to their functions (payload 2.0), invocable by this API only, access logs kept a month",
    run(d) {
      const api = one(d, "aws:apigatewayv2/api:Api");
      expect(api.inputs).toMatchObject({ protocolType: "HTTP", corsConfiguration: {} });
      const routes = d.routes();
      expect(Object.fromEntries(routes.map((r) => [r.key, r.handler]))).toEqual(ROUTES);
      expect(routes.filter((r) => r.integration.inputs.integrationType !== "AWS_PROXY" || r.integration.inputs.payloadFormatVersion !== "2.0").map((r) => r.key)).toEqual([]);
      const permissions = d.ofType("aws:lambda/permission:Permission").map((p) => ({ action: p.inputs.action, principal: p.inputs.principal, sourceArn: p.inputs.sourceArn }));
      expect(permissions).toEqual(routes.map(() => ({ action: "lambda:InvokeFunction", principal: "apigateway.amazonaws.com", sourceArn: `${String(api.outputs.executionArn)}/*` })));
      const stageResource = one(d, "aws:apigatewayv2/stage:Stage");
      expect(stageResource.inputs).toMatchObject({ name: "$default", autoDeploy: true });
      const accessLog = d.ofType("aws:cloudwatch/logGroup:LogGroup").find((g) => g.outputs.arn === (stageResource.inputs.accessLogSettings as { destinationArn?: string }).destinationArn);
      expect(accessLog?.inputs.retentionInDays, "access log retention (days)").toBe(30);
    },
  },
  {
    name: "table: the store's keys and indexes (packages/aws/src/table-schema.ts), TTL on, on demand, point-in-time recovery",
    run(d) {
      const table = one(d, "aws:dynamodb/table:Table");
      const { partitionKey, sortKey, indexes, ttlAttribute } = TABLE_KEYS;
      const keys = [partitionKey, sortKey, ...Object.values(indexes).flatMap((i) => [i.partitionKey, i.sortKey])];
      expect(table.inputs).toMatchObject({
        hashKey: partitionKey,
        rangeKey: sortKey,
        // Key attributes only: DynamoDB rejects definitions no key uses, the TTL attribute among them.
        attributes: keys.map((name) => ({ name, type: "S" })),
        globalSecondaryIndexes: Object.entries(indexes).map(([name, i]) => ({ name, hashKey: i.partitionKey, rangeKey: i.sortKey, projectionType: "ALL" })),
        localSecondaryIndexes: [],
        ttl: { attributeName: ttlAttribute, enabled: true },
        billingMode: "PAY_PER_REQUEST",
        pointInTimeRecovery: { enabled: true },
        streamEnabled: false,
      });
    },
  },
  {
    name: "schedules: one per scheduled function, and nothing else scheduled",
    run(d) {
      const targets = d.ofType("aws:scheduler/schedule:Schedule").map((s) => d.functionByArn((s.inputs.target as Record<string, Json>).arn)?.handler);
      expect(targets.sort()).toEqual([DISCORD_LISTENER, RECONCILER].sort());
    },
  },
  {
    name: "reconciler: every 5 minutes through EventBridge Scheduler, not retried, the scheduler allowed to invoke it alone",
    run: (d) => expectScheduled(d, RECONCILER, "rate(5 minutes)"),
  },
  {
    name: "Discord listener: started every minute through EventBridge Scheduler (a hand-over never waits for more than a minute's start), not retried, the scheduler allowed to invoke it alone",
    run: (d) => expectScheduled(d, DISCORD_LISTENER, "rate(1 minute)"),
  },
  {
    name: "alarms: dead letters, the oldest queued message, the responder's failure rate and the reconciler's failures, each telling the alarm topic when it fires and clears",
    run(d) {
      const topic = one(d, "aws:sns/topic:Topic");
      expect(topic.inputs.fifoTopic, "a standard topic (e-mail cannot subscribe to FIFO)").toBe(false);
      const queueName = (name: string) => one(d, "aws:sqs/queue:Queue", name).inputs.name;
      const reconciler = d.functions().find((fn) => fn.handler === RECONCILER)!;
      // What the functions emit (packages/aws/src/emf-metrics.ts): the stage's total under `service` alone.
      const stageMetric = (metricName: string) => ({ namespace: METRICS_NAMESPACE, metricName, dimensions: { service: `patchbay-${stage(d)}` }, period: 300, stat: "Sum" });
      const notify = { alarmActions: [topic.outputs.arn], okActions: [topic.outputs.arn], treatMissingData: "notBreaching" };
      const alarms = Object.fromEntries(
        d.ofType("aws:cloudwatch/metricAlarm:MetricAlarm").map((a) => {
          const { alarmDescription, ...inputs } = a.inputs;
          expect(String(alarmDescription), `${a.name}: a description saying what to do`).toMatch(new RegExp(`\\(${stage(d)}\\)`));
          return [a.name, inputs];
        }),
      );
      expect(alarms).toEqual({
        DeadLettersAlarm: {
          name: `patchbay-${stage(d)}-dead-letters`,
          namespace: "AWS/SQS", metricName: "ApproximateNumberOfMessagesVisible", dimensions: { QueueName: queueName("ResponderDlq") },
          statistic: "Maximum", period: 300, evaluationPeriods: 1, threshold: 1, comparisonOperator: "GreaterThanOrEqualToThreshold", ...notify,
        },
        OldestMessageAlarm: {
          name: `patchbay-${stage(d)}-oldest-message`,
          namespace: "AWS/SQS", metricName: "ApproximateAgeOfOldestMessage", dimensions: { QueueName: queueName("ResponderQueue") },
          statistic: "Maximum", period: 300, evaluationPeriods: 1, threshold: 900, comparisonOperator: "GreaterThanThreshold", ...notify,
        },
        ResponderFailureRateAlarm: {
          name: `patchbay-${stage(d)}-responder-failure-rate`,
          metricQueries: [
            { id: "failed", metric: stageMetric(METRIC.failedAttempts), returnData: false },
            { id: "answered", metric: stageMetric(METRIC.answered), returnData: false },
            {
              id: "rate",
              label: "failed attempts (%)",
              expression: "IF(FILL(failed, 0) + FILL(answered, 0) >= 5, 100 * FILL(failed, 0) / (FILL(failed, 0) + FILL(answered, 0)), 0)",
              returnData: true,
            },
          ],
          evaluationPeriods: 1, threshold: 20, comparisonOperator: "GreaterThanThreshold", ...notify,
        },
        ReconcilerFailuresAlarm: {
          name: `patchbay-${stage(d)}-reconciler-failures`,
          namespace: "AWS/Lambda", metricName: "Errors", dimensions: { FunctionName: reconciler.name },
          statistic: "Sum", period: 300, evaluationPeriods: 2, datapointsToAlarm: 2, threshold: 1, comparisonOperator: "GreaterThanOrEqualToThreshold", ...notify,
        },
      });
    },
  },
  {
    name: "dashboard: the stage's alarms, its messages by outcome and platform, answer and model latency, the queues, the functions' errors",
    run(d) {
      const dashboard = one(d, "aws:cloudwatch/dashboard:Dashboard");
      expect(dashboard.inputs.dashboardName).toBe(`patchbay-${stage(d)}`);
      const body = JSON.parse(String(dashboard.inputs.dashboardBody)) as { widgets: { type: string; properties: { title: string; region?: string; alarms?: string[]; metrics?: Json[][] } }[] };
      const alarmArns = d.ofType("aws:cloudwatch/metricAlarm:MetricAlarm").map((a) => a.outputs.arn);
      const service = `patchbay-${stage(d)}`;
      const [alarmWidget, ...charts] = body.widgets;
      expect(alarmWidget).toMatchObject({ type: "alarm", properties: { alarms: expect.arrayContaining(alarmArns) } });
      expect(alarmWidget!.properties.alarms).toHaveLength(alarmArns.length);
      expect(charts.map((w) => [w.type, w.properties.region])).toEqual(charts.map(() => ["metric", REGION]));
      const series = charts.flatMap((w) => (w.properties.metrics ?? []).map((m) => JSON.stringify(m)));
      for (const name of [METRIC.received, METRIC.ignored, METRIC.answered, METRIC.failedAttempts, METRIC.failed]) {
        expect(series, `Messages: ${name}`).toContain(JSON.stringify([METRICS_NAMESPACE, name, "service", service, { stat: "Sum", period: 300 }]));
      }
      for (const name of [METRIC.answerLatency, METRIC.modelLatency]) {
        for (const stat of ["p50", "p99"]) expect(series, `${name} ${stat}`).toContain(JSON.stringify([METRICS_NAMESPACE, name, "service", service, { stat, period: 300 }]));
      }
      for (const name of [METRIC.received, METRIC.answered]) {
        expect(series.some((s) => s.includes(`{${METRICS_NAMESPACE},service,platform} service=\\"${service}\\" MetricName=\\"${name}\\"`)), `${name} by platform`).toBe(true);
      }
      for (const queue of ["ResponderQueue", "ResponderDlq"]) {
        const name = String(one(d, "aws:sqs/queue:Queue", queue).inputs.name);
        expect(series.some((s) => s.startsWith(JSON.stringify(["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", name]).slice(0, -1))), `${queue} depth`).toBe(true);
      }
      for (const handler of [RESPONDER, RECONCILER]) {
        const name = d.functions().find((fn) => fn.handler === handler)!.name;
        expect(series.some((s) => s.startsWith(JSON.stringify(["AWS/Lambda", "Errors", "FunctionName", name]).slice(0, -1))), `${handler} errors`).toBe(true);
      }
    },
  },
  {
    name: "removal: in production the table stays when the stage is removed, in other stages nothing does",
    run(d) {
      // SST keeps sourcemaps in its asset bucket in every stage; they are not the app's data.
      const retained = d.retainedOnRemoval().filter((r) => !isSourcemap(r)).map((r) => `${r.type} ${d.owner(r).name}`);
      expect(retained).toEqual(stage(d) === "production" ? ["aws:dynamodb/table:Table Table"] : []);
    },
  },
  {
    name: "AWS's own limits and rules (FIFO batches, visibility ≥ 6 × timeout, HTTP API ≤ 29 s, names…)",
    run(d) {
      expect(awsRuleViolations(d)).toEqual([]);
    },
  },
  {
    name: "sst-env.d.ts declares what SST would generate for the app's links",
    run(d) {
      const file = readFileSync(join(REPO_ROOT, "sst-env.d.ts"), "utf8");
      const declared = file.slice(file.indexOf('declare module "sst"'));
      expect(declared.trimEnd()).toBe(renderResourceDeclarations(linkedComponents(d)));
    },
  },
  {
    name: "resource types: nothing is created that these checks do not cover",
    run(d) {
      const types = [...new Set(d.resources.filter((r) => r.custom).map((r) => r.type))].sort();
      expect(types).toEqual(RESOURCE_TYPES);
    },
  },
];

/** Runs one check; after a failed evaluation only the first, which says why, is meaningful. */
export function runCheck(check: Check, deployment: Deployment): void {
  if (check !== CHECKS[0] && deployment.evaluation.errors.length > 0) {
    throw new Error(`not checked: SST could not evaluate this scenario (${CHECKS[0]!.name})`);
  }
  check.run(deployment);
}

/** Every check's failure for one evaluation, as text that names what differs. */
export function failures(evaluation: Evaluation): { check: string; detail: string }[] {
  const deployment = new Deployment(evaluation);
  return CHECKS.flatMap((check) => {
    try {
      runCheck(check, deployment);
      return [];
    } catch (error) {
      const e = error as { message?: string; actual?: unknown; expected?: unknown };
      return [{ check: check.name, detail: [e.message, JSON.stringify(e.actual), JSON.stringify(e.expected)].join("\n") }];
    }
  });
}
