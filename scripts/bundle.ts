import { copyFile, mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { extname, join, relative } from "node:path";
import { gzipSync } from "node:zlib";
import { evaluate } from "../infra/check/evaluate.ts";
import { CONSOLE_BUILD_DIR } from "../packages/console/src/build.ts";
import { readConsoleFiles } from "../packages/console/src/files.ts";

export const BUNDLE_DIR = "dist/functions";
const FUNCTIONS_SRC = "packages/functions/src";

export interface BundleSize {
  name: string;
  /** Where the bundle was copied: `.mjs`, or `.cjs` for a function built as CommonJS. */
  file: string;
  bytes: number;
  gzipBytes: number;
}

/**
 * Every Lambda function as SST 4.17 would build it for this config: the bundles of a dev-stage
 * evaluation through SST's own components (infra/check/), one per handler, copied to
 * `dist/functions/<path under packages/functions/src, dashed>` with the bundle's extension (e.g. `ingress-telegram.cjs`).
 * Needs `.sst/platform`, which `npm run check:infra` installs. The evaluation also builds the web console
 * into CONSOLE_BUILD_DIR (infra/console.ts), which the API function ships beside its bundle.
 */
export async function bundleAll(): Promise<BundleSize[]> {
  const work = await mkdtemp(join(tmpdir(), "patchbay-bundle-"));
  try {
    const { builds, errors } = await evaluate({ stage: "dev" }, { work });
    if (errors.length > 0) throw new Error(`SST could not build the functions (run \`npm run check:infra\` for details):\n${errors.join("\n")}`);
    await mkdir(BUNDLE_DIR, { recursive: true });
    const sizes = new Map<string, BundleSize>();
    for (const build of builds) {
      if (!build.bundle) throw new Error(`${build.functionID}: SST built no bundle`);
      const name = relative(FUNCTIONS_SRC, build.handler.slice(0, build.handler.lastIndexOf("."))).replaceAll("/", "-");
      if (sizes.has(name)) continue;
      const outfile = join(BUNDLE_DIR, `${name}${extname(build.bundle.file)}`);
      await copyFile(build.bundle.file, outfile);
      const bytes = await readFile(outfile);
      sizes.set(name, { name, file: outfile, bytes: bytes.length, gzipBytes: gzipSync(bytes).length });
    }
    return [...sizes.values()].sort((a, b) => a.name.localeCompare(b.name));
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;

if (import.meta.url === `file://${process.argv[1]}`) {
  const sizes = await bundleAll();
  console.log("function            size        gzip");
  for (const s of sizes) console.log(`${s.name.padEnd(18)}  ${kb(s.bytes).padStart(9)}  ${kb(s.gzipBytes).padStart(9)}`);
  console.log(`bundles in ${BUNDLE_DIR}/`);
  console.log("\nconsole (served by api at /console, read on its first request)");
  for (const [name, file] of await readConsoleFiles(CONSOLE_BUILD_DIR)) {
    console.log(`${name.padEnd(18)}  ${kb(file.body.length).padStart(9)}  ${kb(gzipSync(file.body).length).padStart(9)}`);
  }
  console.log(`console in ${CONSOLE_BUILD_DIR}/`);
}
