/**
 * The check itself is shown to work: each realistic mistake below passes `tsc` and the old
 * hand-written fakes of SST's globals, yet changes what would be deployed. Seeded one at a time
 * into a temporary copy of sst.config.ts and infra/, each must make a check of
 * infra/expectations.ts fail (or SST refuse the config), naming what changed.
 */
import { rm } from "node:fs/promises";
import { expect, test } from "vitest";
import { evaluate } from "./check/evaluate.ts";
import type { Scenario } from "./check/report.ts";
import { seededCopy, type Edit } from "./check/seeded-copy.ts";
import { failures } from "./expectations.ts";

interface Mistake {
  name: string;
  edits: Edit[];
  scenario: Scenario;
  /** What the failing check (or SST's refusal) must say. */
  caught: RegExp;
}

const KEYS: Scenario = { stage: "dev", env: { SST_SECRET_OpenAiApiKey: "sk-seeded-openai-key" } };

const MISTAKES: Mistake[] = [
  {
    name: "an ARN built with a plain template literal instead of $interpolate",
    edits: [{ file: "infra/secrets.ts", from: "[$interpolate`arn:${partition}:secretsmanager:", to: "[`arn:${partition}:secretsmanager:" }],
    scenario: { stage: "dev" },
    caught: /IAM: each function's statements[\s\S]*Calling \[toString\] on an \[Output<T>\]/,
  },
  {
    name: 'a hand-written link include whose type is not exactly "aws.permission"',
    edits: [
      {
        file: "infra/secrets.ts",
        from: 'include: [sst.aws.permission({ actions: ["secretsmanager:GetSecretValue"], resources })],',
        to: 'include: [{ type: "aws.permissions", actions: ["secretsmanager:GetSecretValue"], resources }],',
      },
    ],
    scenario: { stage: "dev" },
    caught: /IAM: each function's statements[\s\S]*secretsmanager:GetSecretValue/,
  },
  {
    name: "a secret put in a plain Lambda environment variable",
    edits: [
      {
        file: "sst.config.ts",
        from: "addResponder(queue, [...link, deadLetters, openAiApiKey, anthropicApiKey]);",
        to: "addResponder(queue, [...link, deadLetters, openAiApiKey, anthropicApiKey], { OPENAI_API_KEY: openAiApiKey.value });",
      },
      {
        file: "infra/responder.ts",
        from: 'link: sst.aws.FunctionArgs["link"]) {',
        to: 'link: sst.aws.FunctionArgs["link"], environment?: sst.aws.FunctionArgs["environment"]) {',
      },
      { file: "infra/responder.ts", from: "      link,\n", to: "      link,\n      environment,\n" },
    ],
    scenario: KEYS,
    caught: /no secret value appears in any AWS resource[\s\S]*aws:lambda\/function:Function/,
  },
  {
    name: "a global $transform that spreads args.environment",
    edits: [
      {
        file: "infra/defaults.ts",
        from: "    args.logging ??= {",
        to: '    args.environment = { ...args.environment, NODE_OPTIONS: "--enable-source-maps" };\n    args.logging ??= {',
      },
    ],
    scenario: { stage: "dev" },
    caught: /every function: nodejs24\.x[\s\S]*NODE_OPTIONS/,
  },
  {
    name: "retainOnDelete: false on the table",
    edits: [{ file: "infra/storage.ts", from: "    ttl: ttlAttribute,\n  });", to: "    ttl: ttlAttribute,\n  }, { retainOnDelete: false });" }],
    scenario: { stage: "production" },
    caught: /removal: in production the table stays[\s\S]*aws:dynamodb\/table:Table Table/,
  },
  {
    name: "a $transform that spreads args.permissions",
    edits: [
      {
        file: "infra/defaults.ts",
        from: "    args.logging ??= {",
        to: '    args.permissions = [...((args.permissions as any[]) ?? []), { actions: ["xray:PutTraceSegments"], resources: ["*"] }];\n    args.logging ??= {',
      },
    ],
    scenario: { stage: "dev" },
    caught: /SST evaluates the config[\s\S]*is not iterable/,
  },
  {
    name: "a static top-level import in sst.config.ts",
    edits: [
      { file: "sst.config.ts", from: '/// <reference path="./.sst/platform/config.d.ts" />\n', to: '/// <reference path="./.sst/platform/config.d.ts" />\nimport { applyFunctionDefaults } from "./infra/defaults";\n' },
      { file: "sst.config.ts", from: '    const { applyFunctionDefaults } = await import("./infra/defaults");\n', to: "" },
    ],
    scenario: { stage: "dev" },
    caught: /SST evaluates the config[\s\S]*top level imports - this is not allowed/,
  },
  {
    name: "the dead-letter alarm watching the responder queue instead of the dead letters",
    edits: [{ file: "infra/monitoring.ts", from: "dimensions: { QueueName: dlqName },", to: "dimensions: { QueueName: queueName }," }],
    scenario: { stage: "dev" },
    caught: /alarms: dead letters[\s\S]*ResponderQueueQueue/,
  },
  {
    name: "an alarm read from the per-platform series, which no single series sums",
    edits: [{ file: "infra/monitoring.ts", from: "    dimensions: { service },\n", to: '    dimensions: { service, platform: "telegram" },\n' }],
    scenario: { stage: "dev" },
    caught: /alarms: dead letters[\s\S]*platform/,
  },
];

for (const mistake of MISTAKES) {
  test.concurrent(mistake.name, { timeout: 120_000 }, async () => {
    const root = await seededCopy(mistake.edits);
    try {
      const found = failures(await evaluate(mistake.scenario, { root }));
      const report = found.map((f) => `✗ ${f.check}\n${f.detail}`).join("\n\n");
      expect(found.length, "checks failing").toBeGreaterThan(0);
      expect(found.some((f) => mistake.caught.test(`${f.check}\n${f.detail}`)), `no failure matches ${mistake.caught}:\n${report}`).toBe(true);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
}
