import { mkdir } from "node:fs/promises";
import { gzipSync } from "node:zlib";
import { readFile } from "node:fs/promises";
import { build } from "esbuild";

/** Every Lambda entry point, as infra/ routes them. */
export const FUNCTIONS = {
  api: "packages/functions/src/api.ts",
  responder: "packages/functions/src/responder.ts",
  reconciler: "packages/functions/src/reconciler.ts",
  "ingress-telegram": "packages/functions/src/ingress/telegram.ts",
  "ingress-slack": "packages/functions/src/ingress/slack.ts",
  "ingress-discord": "packages/functions/src/ingress/discord.ts",
} as const;

export const BUNDLE_DIR = "dist/functions";

export interface BundleSize {
  name: string;
  bytes: number;
  gzipBytes: number;
}

/**
 * Builds each function the way SST 4.17 does for this config: esbuild, ESM with a createRequire banner,
 * minified (set explicitly in infra/), Node 24, with the AWS SDK left to the Lambda runtime.
 */
export async function bundleAll(): Promise<BundleSize[]> {
  await mkdir(BUNDLE_DIR, { recursive: true });
  const sizes: BundleSize[] = [];
  for (const [name, entry] of Object.entries(FUNCTIONS)) {
    const outfile = `${BUNDLE_DIR}/${name}.mjs`;
    await build({
      entryPoints: [entry],
      outfile,
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node24",
      minify: true,
      sourcemap: false,
      external: ["@aws-sdk/*"],
      banner: { js: 'import { createRequire as topLevelCreateRequire } from "module"; const require = topLevelCreateRequire(import.meta.url);' },
      logLevel: "error",
    });
    const bytes = await readFile(outfile);
    sizes.push({ name, bytes: bytes.length, gzipBytes: gzipSync(bytes).length });
  }
  return sizes;
}

const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;

if (import.meta.url === `file://${process.argv[1]}`) {
  const sizes = await bundleAll();
  console.log("function            size        gzip");
  for (const s of sizes) console.log(`${s.name.padEnd(18)}  ${kb(s.bytes).padStart(9)}  ${kb(s.gzipBytes).padStart(9)}`);
  console.log(`bundles in ${BUNDLE_DIR}/`);
}
