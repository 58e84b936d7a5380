import { readdir, readFile } from "node:fs/promises";
import { extname, join } from "node:path";

/** One file of the built console, as the API serves it. */
export interface ConsoleFile {
  body: Uint8Array;
  contentType: string;
}

/** The built console by file name (`index.html`, `console.js`, `console.css`). */
export type ConsoleFiles = ReadonlyMap<string, ConsoleFile>;

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
};

export function contentTypeOf(name: string): string {
  const type = CONTENT_TYPES[extname(name)];
  if (!type) throw new Error(`The console has no file type for ${name}`);
  return type;
}

/** A console built earlier (`writeConsole`), e.g. the copy shipped next to the API function's bundle. */
export async function readConsoleFiles(dir: string): Promise<ConsoleFiles> {
  const names = await readdir(dir);
  if (!names.includes("index.html")) throw new Error(`No built console in ${dir}: run the bundle step (npm run bundle) first`);
  const entries = await Promise.all(names.map(async (name) => [name, { body: await readFile(join(dir, name)), contentType: contentTypeOf(name) }] as const));
  return new Map(entries);
}
