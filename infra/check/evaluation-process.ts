/**
 * One evaluation, in a process of its own (Pulumi's runtime is global state): `app()` and `run()`
 * of sst.config.ts as the SST CLI builds them, run by SST's own components under Pulumi's mocks,
 * with a stand-in for the CLI's RPC that bundles each handler for real. Writes the Evaluation as
 * JSON to the file named by its argument and exits once nothing is pending, as `pulumi up` would.
 * Usage: node infra/check/evaluation-process.ts '{"root","work","scenario","report"}'
 */
import { readFileSync, writeFileSync } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { startCliServer } from "./cli-rpc.ts";
import { buildNodeFunction, type BuildInput } from "./node-build.ts";
import { ACCOUNT } from "./mock-account.ts";
import { installMocks, loadPulumi, toJson } from "./pulumi-mocks.ts";
import type { Evaluation, FunctionBuild, Scenario } from "./report.ts";
import { bundleRun, evaluateApp, type CliPaths } from "./sst-cli.ts";

const { root, work, scenario, report } = JSON.parse(process.argv[2] ?? "{}") as { root: string; work: string; scenario: Scenario; report: string };
const started = performance.now();
const evaluation: Evaluation = { scenario, app: undefined, outputs: {}, resources: [], builds: [], errors: [], ms: 0 };
// A failed build or apply rejects everything that depends on it: report each failure once.
const problem = (message: string) => void (evaluation.errors.includes(message) || evaluation.errors.push(message));
const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));

// As Pulumi's Node.js host does: a failure in any `apply` fails the deployment.
process.on("unhandledRejection", (error) => problem(describe(error)));
process.on("uncaughtException", (error) => problem(describe(error)));
process.on("beforeExit", () => {
  evaluation.ms = Math.round(performance.now() - started);
  writeFileSync(report, JSON.stringify(evaluation));
  process.exit(0);
});

const platform = join(root, ".sst", "platform");
const scratch = join(platform, `.check-${process.pid}`);
try {
  const cliVersion = readFileSync(join(platform, "version"), "utf8").trim();
  await mkdir(scratch, { recursive: true });
  const app = await evaluateApp(root, scenario.stage, join(scratch, "app.mjs"), cliVersion);
  evaluation.app = app;

  const paths: CliPaths = { root, work, platform, home: join(work, "home") };
  const program = join(scratch, "sst.config.mjs");
  await bundleRun(app, paths, program);

  process.env.SST_SERVER = await startCliServer(
    {
      "Provider.Aws.Bootstrap": async () => bootstrap(),
      "Runtime.Build": async (input: BuildInput) => build(input, paths, cliVersion),
    },
    (method) => problem(`SST called RPC method ${method}, which the check's CLI stand-in does not implement (infra/check/cli-rpc.ts)`),
  );
  const pulumi = loadPulumi(platform);
  await installMocks(pulumi, app, { resources: evaluation.resources, problem });
  const outputs = await pulumi.sdk.runtime.runInPulumiStack(async () => ((await import(pathToFileURL(program).href)) as { default: unknown }).default);
  evaluation.outputs = toJson(outputs);
} catch (error) {
  problem(describe(error));
} finally {
  await rm(scratch, { recursive: true, force: true });
}

/** The bootstrap stack's names (helpers/bootstrap.ts): the asset bucket and image repository. */
function bootstrap() {
  return {
    asset: "sst-asset-check",
    assetEcrRegistryId: ACCOUNT,
    assetEcrUrl: `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/sst-asset`,
    state: "sst-state-check",
    appsyncHttp: "check.appsync-api.us-east-1.amazonaws.com",
    appsyncRealtime: "check.appsync-realtime-api.us-east-1.amazonaws.com",
  };
}

async function build(input: BuildInput, paths: CliPaths, cliVersion: string) {
  const record: FunctionBuild = {
    functionID: input.functionID,
    handler: input.handler,
    runtime: input.runtime,
    properties: toJson(input.properties),
    links: toJson(input.links) as FunctionBuild["links"],
    result: undefined,
    bundle: undefined,
  };
  evaluation.builds.push(record);
  const output = await buildNodeFunction(input, { root: paths.root, work: paths.work, cliVersion });
  record.result = { handler: output.handler, errors: output.errors };
  record.bundle = output.bundle;
  return output;
}
