/**
 * The SST CLI's `Runtime.Build` for Node.js functions, as SST 4.17 does it
 * (pkg/runtime/runtime.go and pkg/runtime/node/build.go): one esbuild bundle per function in
 * `<work>/artifacts/<functionID>-src`, with the options the Go side derives from `nodejs`.
 * `copyFiles` are copied into the package after the build, as the Go side does. What it does and
 * this does not (npm install into the bundle, code splitting, plugin files, non-Node runtimes,
 * `sst dev`) is refused by name rather than skipped.
 */
import { existsSync, readFileSync } from "node:fs";
import { cp, mkdir, readdir, rm } from "node:fs/promises";
import { isBuiltin } from "node:module";
import { dirname, extname, join, relative, resolve } from "node:path";
import { build, type BuildFailure, type Metafile, type Plugin } from "esbuild";

/** The `Runtime.Build` request function.ts sends (its `buildInput` plus `isContainer`). */
export interface BuildInput {
  functionID: string;
  handler: string;
  bundle?: string;
  runtime: string;
  links: Record<string, Record<string, unknown>>;
  /** As function.ts normalizes them: `from` absolute, `to` relative to the package root. */
  copyFiles?: { from: string; to: string; isDir: boolean }[];
  properties: NodeProperties;
  dev: boolean;
  isContainer?: boolean;
}

/** `nodejs` of FunctionArgs, plus the architecture, as function.ts passes them. */
interface NodeProperties {
  format?: "esm" | "cjs";
  minify?: boolean;
  banner?: string;
  sourceMap?: boolean;
  splitting?: boolean;
  install?: unknown;
  plugins?: string;
  loader?: Record<string, string>;
  esbuild?: {
    target?: string;
    sourcemap?: boolean | string;
    keepNames?: boolean;
    define?: Record<string, string>;
    external?: string[];
    nodePaths?: string[];
    mainFields?: string[];
    conditions?: string[];
  };
  architecture?: string;
}

/** What the CLI answers, plus what the check reads from the bundle. */
export interface BuildOutput {
  handler: string;
  out: string;
  errors: string[];
  sourcemaps: string[];
  /** Only for the check: the entry file, the bundle, what it exports, leaves external and bundles in. */
  bundle?: BundleDescription;
}

export interface BundleDescription {
  entry: string;
  file: string;
  bytes: number;
  exports: string[];
  externals: string[];
  /** Each import left external other than Node's own, with how it is imported (`import-statement`, `require-call`, `dynamic-import`). */
  externalImports: Record<string, string[]>;
  packages: string[];
  /** The files `copyFiles` put in the package, relative to its root. */
  copied: string[];
}

const NODE_EXTENSIONS = [".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs"];
const FORCE_EXTERNAL = ["sharp", "pg-native"];
const TARGETS: Record<string, string> = {
  "nodejs24.x": "es2024",
  "nodejs22.x": "es2023",
  "nodejs20.x": "es2023",
  "nodejs18.x": "es2022",
};
const ESM_BANNER = [
  `import { createRequire as topLevelCreateRequire } from 'module';`,
  `const require = topLevelCreateRequire(import.meta.url);`,
  `import { fileURLToPath as topLevelFileUrlToPath, URL as topLevelURL } from "url"`,
  `const __filename = topLevelFileUrlToPath(import.meta.url)`,
  `const __dirname = topLevelFileUrlToPath(new topLevelURL(".", import.meta.url))`,
];

export async function buildNodeFunction(input: BuildInput, paths: { root: string; work: string; cliVersion: string }): Promise<BuildOutput> {
  if (input.dev) throw new Error(`Runtime.Build: sst dev builds are not reproduced by the check (${input.functionID})`);
  if (input.bundle) return { handler: input.handler, out: input.bundle, errors: [], sourcemaps: [] };
  const out = join(paths.work, "artifacts", `${input.functionID}-src`);
  if (!input.runtime.startsWith("node")) throw new Error(`Runtime.Build: only Node.js functions are reproduced, not ${input.runtime} (${input.functionID})`);
  const p = input.properties;
  for (const unsupported of ["install", "splitting", "plugins"] as const) {
    if (p[unsupported]) throw new Error(`Runtime.Build: nodejs.${unsupported} is not reproduced by the check (${input.functionID})`);
  }

  const entry = handlerFile(input.handler, paths.root);
  if (!entry) throw new Error(`Handler not found: ${input.handler}`);
  await rm(out, { recursive: true, force: true });
  await mkdir(out, { recursive: true });

  const esm = p.format !== "cjs";
  const outfile = join(out, `bundle${esm ? ".mjs" : ".cjs"}`);
  const o = p.esbuild ?? {};
  try {
    const result = await build({
      entryPoints: [entry],
      platform: "node",
      external: [...FORCE_EXTERNAL, ...(o.external ?? [])],
      loader: p.loader as Record<string, "js">,
      keepNames: o.keepNames ?? true,
      bundle: true,
      metafile: true,
      outfile,
      plugins: [sstVersionCheck(paths.cliVersion)],
      sourcemap: sourcemapOf(o.sourcemap),
      write: true,
      format: esm ? "esm" : "cjs",
      target: o.target ?? TARGETS[input.runtime],
      mainFields: o.mainFields ?? (esm ? ["module", "main"] : ["main"]),
      conditions: o.conditions ?? [],
      banner: { js: esm ? [...ESM_BANNER, p.banner ?? ""].join("\n") : (p.banner ?? "") },
      nodePaths: o.nodePaths ?? [],
      define: o.define ?? {},
      ...(p.minify ? { minifyWhitespace: true, minifySyntax: true, minifyIdentifiers: true } : {}),
      absWorkingDir: paths.root,
      logLevel: "silent",
    });
    return {
      handler: `bundle${extname(input.handler)}`,
      out,
      errors: [],
      sourcemaps: p.sourceMap === undefined ? outputsOf(result.metafile, paths.root).filter((f) => f.endsWith(".map")) : [],
      bundle: {
        ...describeBundle(result.metafile, paths.root, entry, outfile),
        ...(esm ? {} : { exports: await entryExports(entry) }),
        copied: await copyInto(out, input.copyFiles ?? []),
      },
    };
  } catch (error) {
    const failure = error as BuildFailure;
    if (!failure.errors) throw error;
    const errors = failure.errors.map((e) => (e.location ? `${e.text} ${e.location.file}:${e.location.line}:${e.location.column}` : e.text));
    return { handler: `bundle${extname(input.handler)}`, out, errors, sourcemaps: [] };
  }
}

/**
 * What a CommonJS bundle exports, for which esbuild's metafile lists nothing: its entry's exports, which esbuild
 * turns into the bundle's `module.exports` one for one.
 */
async function entryExports(entry: string): Promise<string[]> {
  const { metafile } = await build({ entryPoints: [entry], outdir: "entry-exports", write: false, metafile: true, format: "esm", platform: "node", logLevel: "silent" });
  return Object.values(metafile.outputs).flatMap((output) => output.exports);
}

/** copyFiles into the package, as the CLI does once the bundle is built; answers what landed there. */
async function copyInto(out: string, copyFiles: NonNullable<BuildInput["copyFiles"]>): Promise<string[]> {
  const copied: string[] = [];
  for (const { from, to, isDir } of copyFiles) {
    await cp(from, join(out, to), { recursive: isDir });
    copied.push(...(isDir ? (await readdir(from, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => join(to, relative(from, join(e.parentPath, e.name)))) : [to]));
  }
  return copied.sort();
}

/** `path/file.export`: the first of SST's extensions that exists, relative to the config's directory. */
function handlerFile(handler: string, root: string): string | undefined {
  const base = handler.slice(0, handler.length - extname(handler).length);
  return NODE_EXTENSIONS.map((ext) => resolve(root, base + ext)).find((file) => existsSync(file));
}

function sourcemapOf(value: boolean | string | undefined): boolean | "linked" | "inline" | "external" | "both" {
  if (value === undefined) return "linked";
  if (typeof value === "boolean") return value ? "linked" : false;
  return (["linked", "inline", "external", "both"] as const).find((s) => s === value.toLowerCase()) ?? "linked";
}

/** The CLI refuses a handler that imports an `sst` package of another version than its own. */
function sstVersionCheck(cliVersion: string): Plugin {
  return {
    name: "sst-version-check",
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /^sst$/ }, async (args) => {
        if (args.pluginData === "sst-version-check") return undefined;
        const resolved = await pluginBuild.resolve("sst", {
          resolveDir: args.resolveDir,
          importer: args.importer,
          kind: args.kind,
          pluginData: "sst-version-check",
        });
        if (resolved.errors.length > 0) return { errors: resolved.errors };
        const version = packageVersion(resolved.path);
        if (version !== cliVersion) {
          return {
            errors: [
              {
                text: `The sst package your application is importing (${version}) does not match the sst cli version (${cliVersion}). Make sure the version of sst in package.json is correct across your entire repo.`,
              },
            ],
          };
        }
        return { path: resolved.path };
      });
    },
  };
}

function packageVersion(file: string): string | undefined {
  for (let dir = dirname(file); dir !== dirname(dir); dir = dirname(dir)) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest)) return (JSON.parse(readFileSync(manifest, "utf8")) as { version?: string }).version;
  }
  return undefined;
}

function outputsOf(metafile: Metafile, root: string): string[] {
  return Object.keys(metafile.outputs).map((file) => resolve(root, file));
}

function describeBundle(metafile: Metafile, root: string, entry: string, outfile: string): Omit<BundleDescription, "copied"> {
  const [, output] = Object.entries(metafile.outputs).find(([file]) => resolve(root, file) === outfile) ?? [];
  if (!output) throw new Error(`Runtime.Build: esbuild's metafile does not list ${outfile}`);
  // "<runtime>" is esbuild's own helpers, which it writes into the bundle.
  const external = Object.values(metafile.inputs).flatMap((input) => input.imports.filter((i) => i.external && i.path !== "<runtime>"));
  const externals = external.map((i) => i.path);
  const externalImports: Record<string, string[]> = {};
  for (const { path, kind } of external.filter((i) => !isBuiltin(i.path))) externalImports[path] = unique([...(externalImports[path] ?? []), kind]);
  const packages = Object.keys(metafile.inputs).flatMap((file) => /.*node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file)?.[1] ?? []);
  return { entry, file: outfile, bytes: output.bytes, exports: output.exports, externals: unique(externals), externalImports, packages: unique(packages) };
}

const unique = (values: string[]) => [...new Set(values)].sort();
