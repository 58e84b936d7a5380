/**
 * Builds the console (app/: Preact and TypeScript) with esbuild into three files: index.html, console.js
 * and console.css. `npm start` builds it in memory on the first /console request; the bundle step writes
 * it next to the API function (infra/console.ts), which reads it on its first /console request.
 */
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { contentTypeOf } from "./files.ts";
import type { ConsoleFile, ConsoleFiles } from "./files.ts";

/** The console's sources, from the project root. A caller that is itself bundled (sst.config.ts) passes this path. */
export const CONSOLE_APP_DIR = "packages/console/src/app";
/** Where the bundle step writes the console for the API function to ship, from the project root. */
export const CONSOLE_BUILD_DIR = "dist/console";
const APP_DIR = fileURLToPath(new URL("./app/", import.meta.url));

export async function buildConsole(appDir = APP_DIR): Promise<ConsoleFiles> {
  const result = await build({
    entryPoints: [
      { in: join(appDir, "main.tsx"), out: "console" },
      { in: join(appDir, "console.css"), out: "console" },
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
  files.set("index.html", { body: await readFile(join(appDir, "index.html")), contentType: contentTypeOf("index.html") });
  return files;
}

/**
 * Builds the console into `dir`, for the API function to ship. The file names never change, so nothing is left
 * over from an earlier build; each file is replaced by a rename, so builds running side by side (the infra
 * check's scenarios) never see one half written.
 */
export async function writeConsole(dir: string, appDir = APP_DIR): Promise<ConsoleFiles> {
  const files = await buildConsole(appDir);
  await mkdir(dir, { recursive: true });
  for (const [name, file] of files) {
    // Beside the directory, not in it: a copy of the directory taken meanwhile never holds a partial file.
    const partial = `${dir}.${process.pid}.${name}.tmp`;
    await writeFile(partial, file.body);
    await rename(partial, join(dir, name));
  }
  return files;
}
