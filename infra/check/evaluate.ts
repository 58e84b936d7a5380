/**
 * Evaluates sst.config.ts for one scenario in a child process (infra/check/evaluation-process.ts)
 * and returns what SST would create. Evaluations run at most one per core at a time.
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Evaluation, Scenario } from "./report.ts";

export const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));
const PROCESS = fileURLToPath(new URL("./evaluation-process.ts", import.meta.url));
// Only a guard against a hung evaluation: on a loaded 2-core machine one takes well over a minute.
const TIMEOUT_MS = 240_000;

export interface EvaluateOptions {
  /** The directory holding sst.config.ts (a copy of the repository's, for the seeded-mistake test). */
  root?: string;
  /** Keep the build artifacts (`<work>/artifacts/<function>-src/`) here instead of a temporary directory. */
  work?: string;
}

export function scenarioName(scenario: Scenario): string {
  const env = Object.entries(scenario.env ?? {}).map(([k, v]) => (k.startsWith("SST_SECRET_") ? k : `${k}=${v}`));
  return [scenario.stage, ...env].join(" ");
}

export async function evaluate(scenario: Scenario, options: EvaluateOptions = {}): Promise<Evaluation> {
  await slot();
  const work = options.work ?? (await mkdtemp(join(tmpdir(), "patchbay-check-")));
  try {
    const report = join(work, "evaluation.json");
    const args = JSON.stringify({ root: options.root ?? REPO_ROOT, work, scenario, report });
    // Only what `sst deploy` would be given: the ambient environment must not change the result.
    const env = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? work, ...scenario.env };
    const { code, output } = await run(process.execPath, [PROCESS, args], env);
    if (!existsSync(report)) throw new Error(`evaluation of "${scenarioName(scenario)}" crashed (exit ${code}):\n${output}`);
    const evaluation = JSON.parse(readFileSync(report, "utf8")) as Evaluation;
    // Pulumi fails a deployment that ends with promises still pending (after a failure, they are).
    if (code !== 0 && evaluation.errors.length === 0) evaluation.errors.push(`the evaluation exited with code ${code}:\n${output}`);
    return evaluation;
  } finally {
    if (!options.work) await rm(work, { recursive: true, force: true });
    release();
  }
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), TIMEOUT_MS);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

const waiting: (() => void)[] = [];
let running = 0;
async function slot(): Promise<void> {
  if (running >= availableParallelism()) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
}
function release(): void {
  running--;
  waiting.shift()?.();
}
