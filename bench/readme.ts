/**
 * The README's benchmark tables, written from a bench run (`npm run bench` does it after each run; `node
 * bench/readme.ts` again from bench/results/latest.json). Each table sits between `<!-- bench:NAME -->` and
 * `<!-- /bench:NAME -->`, so the prose around it stays as written.
 */
import { readFile, writeFile } from "node:fs/promises";
import type { LoadResult } from "./load.ts";
import type { StreamingResult } from "./streaming.ts";

export interface FunctionResult {
  function: string;
  bundleKb: number;
  coldStartMs: number;
  warm: { p50: number; p99: number };
}

export interface BenchRun {
  at: string;
  node: string;
  cpus: number;
  cpu?: string | undefined;
  targets: { bundleKb: number; coldMs: number; warmP50Ms: number; load: { acksPerSecond: number; ackP50Ms: number; answersPerSecond: number } };
  results: FunctionResult[];
  streaming: StreamingResult[];
  load: LoadResult;
}

const ms = (n: number, digits = 0) => `${n.toFixed(digits)} ms`;
const verdict = (ok: boolean) => (ok ? "met" : "**missed**");
const row = (cells: (string | number)[]) => `| ${cells.join(" | ")} |`;

function functionsTable(run: BenchRun): string[] {
  const { targets } = run;
  return [
    row(["function", `bundle (< ${targets.bundleKb} KB)`, `cold start (≤ ${targets.coldMs} ms)`, `warm ack p50 (≤ ${targets.warmP50Ms} ms)`, "p99"]),
    row(["---", "---", "---", "---", "---"]),
    ...run.results.map((r) =>
      row([
        r.function,
        `${r.bundleKb.toFixed(0)} KB, ${verdict(r.bundleKb < targets.bundleKb)}`,
        `${ms(r.coldStartMs)}, ${verdict(r.coldStartMs <= targets.coldMs)}`,
        `${ms(r.warm.p50, 3)}, ${verdict(r.warm.p50 <= targets.warmP50Ms)}`,
        ms(r.warm.p99, 2),
      ]),
    ),
  ];
}

function loadTable(run: BenchRun): string[] {
  const { acks, answers, streaming } = run.load;
  const target = run.targets.load;
  return [
    row(["what", "measured", "target"]),
    row(["---", "---", "---"]),
    row([`acks/s, ${acks.webhooks} webhooks from ${acks.chats} chats, ${acks.concurrent} at a time, while answering`, acks.perSecond.toFixed(0), `≥ ${target.acksPerSecond}, ${verdict(acks.perSecond >= target.acksPerSecond)}`]),
    row(["ack p50 / p99", `${ms(acks.p50Ms)} / ${ms(acks.p99Ms)}`, `p50 < ${target.ackP50Ms} ms, ${verdict(acks.p50Ms < target.ackP50Ms)}`]),
    row([
      `answers/s, ${answers.questions} questions from ${answers.chats} chats, a ${answers.modelMs / 1000} s model`,
      `${answers.perSecond.toFixed(1)} (the last after ${answers.seconds.toFixed(1)} s)`,
      `≥ ${target.answersPerSecond}, ${verdict(answers.perSecond >= target.answersPerSecond)}`,
    ]),
    row([
      `answers/s, ${streaming.questions} questions from ${streaming.chats} chats, a model streaming for ${streaming.modelMs / 1000} s`,
      `${streaming.perSecond.toFixed(1)} (the last after ${streaming.seconds.toFixed(1)} s)`,
      "",
    ]),
  ];
}

function streamingTable(run: BenchRun): string[] {
  return [
    row(["case", "first words", "complete", "platform calls per answer"]),
    row(["---", "---", "---", "---"]),
    ...run.streaming.map((r) => {
      const total = Object.values(r.writes).reduce((sum, count) => sum + count, 0);
      const calls = Object.entries(r.writes).map(([name, count]) => `${count} \`${name}\``).join(", ");
      return row([r.case, ms(r.firstWordsMs), `${(r.completeMs / 1000).toFixed(1)} s`, `${total}: ${calls}`]);
    }),
  ];
}

export interface BenchTables {
  functions: string[];
  load: string[];
  streaming: string[];
}

/** The tables by marker name, each ending with where and when it was measured. */
export function benchTables(run: BenchRun): BenchTables {
  const measured = `Measured ${run.at.slice(0, 10)} by \`npm run bench\`, Node ${run.node}, ${run.cpus} × ${run.cpu ?? "cpu"}.`;
  return {
    functions: [...functionsTable(run), "", measured],
    load: [...loadTable(run), "", measured],
    streaming: [...streamingTable(run), "", measured],
  };
}

/** `readme` with each marked table replaced; a marker pair missing is an error naming it, and nothing is written. */
export function replaceBenchTables(readme: string, tables: BenchTables): string {
  let text = readme;
  for (const [name, lines] of Object.entries(tables)) {
    const open = `<!-- bench:${name} -->`;
    const close = `<!-- /bench:${name} -->`;
    const start = text.indexOf(open);
    const end = text.indexOf(close);
    if (start < 0 || end < start) throw new Error(`README.md has no ${open} … ${close} pair: put one where the ${name} table belongs.`);
    text = `${text.slice(0, start + open.length)}\n${lines.join("\n")}\n${text.slice(end)}`;
  }
  return text;
}

export async function writeBenchTables(run: BenchRun, path = "README.md"): Promise<void> {
  await writeFile(path, replaceBenchTables(await readFile(path, "utf8"), benchTables(run)));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await writeBenchTables(JSON.parse(await readFile("bench/results/latest.json", "utf8")) as BenchRun);
  console.log("README.md tables written from bench/results/latest.json");
}
