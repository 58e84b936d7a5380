import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "vitest";
import { benchTables, replaceBenchTables, writeBenchTables } from "./readme.ts";
import type { BenchRun } from "./readme.ts";

const run: BenchRun = {
  at: "2026-12-02T20:00:00.000Z",
  node: "v24.21.0",
  cpus: 2,
  cpu: "Test CPU",
  targets: { bundleKb: 300, coldMs: 45, warmP50Ms: 0.5, load: { acksPerSecond: 400, ackP50Ms: 30, answersPerSecond: 25 } },
  results: [
    { function: "ingress-telegram", bundleKb: 99.4, coldStartMs: 41.2, warm: { p50: 0.0681, p99: 0.321 } },
    { function: "ingress-discord", bundleKb: 112, coldStartMs: 52.6, warm: { p50: 0.39, p99: 2.6 } },
  ],
  streaming: [{ case: "Telegram group", firstWordsMs: 307, completeMs: 5012, writes: { sendMessage: 1, editMessageText: 2 }, signals: 1 }],
  load: {
    acks: { webhooks: 2000, chats: 500, concurrent: 20, perSecond: 351.2, p50Ms: 24.4, p99Ms: 260.1 },
    answers: { questions: 300, chats: 100, modelMs: 2000, seconds: 8.4, perSecond: 35.6 },
    streaming: { questions: 100, chats: 100, modelMs: 2000, seconds: 3.7, perSecond: 27.2 },
  },
};

const README = [
  "# Title",
  "Prose before.",
  "<!-- bench:functions -->",
  "old functions table",
  "<!-- /bench:functions -->",
  "Prose between.",
  "<!-- bench:load -->",
  "<!-- /bench:load -->",
  "<!-- bench:streaming -->",
  "old",
  "<!-- /bench:streaming -->",
  "Prose after.",
].join("\n");

test("each figure is written beside its target, and whether it was met", () => {
  const tables = benchTables(run);
  expect(tables.functions).toContain("| ingress-telegram | 99 KB, met | 41 ms, met | 0.068 ms, met | 0.32 ms |");
  expect(tables.functions).toContain("| ingress-discord | 112 KB, met | 53 ms, **missed** | 0.390 ms, met | 2.60 ms |");
  expect(tables.load).toContain("| acks/s, 2000 webhooks from 500 chats, 20 at a time, while answering | 351 | ≥ 400, **missed** |");
  expect(tables.load).toContain("| ack p50 / p99 | 24 ms / 260 ms | p50 < 30 ms, met |");
  expect(tables.streaming).toContain("| Telegram group | 307 ms | 5.0 s | 3: 1 `sendMessage`, 2 `editMessageText` |");
  expect(tables.load.at(-1)).toBe("Measured 2026-12-02 by `npm run bench`, Node v24.21.0, 2 × Test CPU.");
});

test("the tables replace what stood between their markers; the prose around them is kept", () => {
  const once = replaceBenchTables(README, benchTables(run));
  expect(once).not.toContain("old functions table");
  expect(once.startsWith("# Title\nProse before.\n<!-- bench:functions -->\n| function |")).toBe(true);
  expect(once).toContain("<!-- /bench:functions -->\nProse between.\n<!-- bench:load -->\n| what |");
  expect(once.endsWith("<!-- /bench:streaming -->\nProse after.")).toBe(true);
  // Regenerating from the same run changes nothing.
  expect(replaceBenchTables(once, benchTables(run))).toBe(once);
});

test("a README without a table's markers is an error naming them, and the file is left as it was", async () => {
  const path = join(await mkdtemp(join(tmpdir(), "patchbay-readme-")), "README.md");
  const without = README.replace("<!-- /bench:load -->\n", "");
  await writeFile(path, without);
  await expect(writeBenchTables(run, path)).rejects.toThrow("README.md has no <!-- bench:load --> … <!-- /bench:load --> pair");
  expect(await readFile(path, "utf8")).toBe(without);
});
