import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { expect, test } from "vitest";

const CORE_DIR = new URL(".", import.meta.url).pathname;

async function sourceFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await sourceFiles(path)));
    else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts")) out.push(path);
  }
  return out;
}

// The domain depends on its own ports only: no AWS SDK, Hono, sst or platform SDK, no other package.
test("packages/core imports nothing but its own modules", async () => {
  const offenders: string[] = [];
  for (const file of await sourceFiles(CORE_DIR)) {
    const source = await readFile(file, "utf8");
    for (const match of source.matchAll(/(?:^|\s)(?:import|export)\s[^'"]*?from\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g)) {
      const specifier = match[1] ?? match[2]!;
      if (!specifier.startsWith("./") && !specifier.startsWith("../")) offenders.push(`${file}: ${specifier}`);
    }
  }
  expect(offenders).toEqual([]);
  expect((await sourceFiles(CORE_DIR)).length).toBeGreaterThan(5);
});
