/**
 * Builds the console (app/: Preact and TypeScript) with esbuild into three files: index.html, console.js
 * and console.css. `npm start` builds it in memory on the first /console request; the bundle step writes
 * it next to the API function (infra/console.ts), which reads it on its first /console request.
 */
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { contentTypeOf } from "./files.ts";
import type { ConsoleFile, ConsoleFiles } from "./files.ts";

const APP_DIR = fileURLToPath(new URL("./app/", import.meta.url));

export async function buildConsole(): Promise<ConsoleFiles> {
  const result = await build({
    entryPoints: [
      { in: join(APP_DIR, "main.tsx"), out: "console" },
      { in: join(APP_DIR, "console.css"), out: "console" },
    ],
    bundle: true,
    minify: true,
    format: "esm",
    target: "es2022",
    platform: "browser",
    jsx: "automatic",
    jsxImportSource: "preact",
    outdir: "/console-build",
    write: false,
    logLevel: "silent",
  });
  const files = new Map<string, ConsoleFile>();
  for (const output of result.outputFiles) {
    const name = output.path.slice(output.path.lastIndexOf("/") + 1);
    files.set(name, { body: output.contents, contentType: contentTypeOf(name) });
  }
  files.set("index.html", { body: await readFile(join(APP_DIR, "index.html")), contentType: contentTypeOf("index.html") });
  return files;
}

/** Builds the console into `dir` (emptied first), for the API function to ship. */
export async function writeConsole(dir: string): Promise<ConsoleFiles> {
  const files = await buildConsole();
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  for (const [name, file] of files) await writeFile(join(dir, name), file.body);
  return files;
}
