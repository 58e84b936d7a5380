/**
 * How the SST 4.17 CLI turns sst.config.ts into programs (pkg/js/js.go, pkg/project/project.go,
 * pkg/project/run.go): `app()` is bundled and run on its own in a `node` process, then `run()` is
 * bundled with SST's shim injected and `sst`/`aws` imported into every user file, for Pulumi to run.
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { promisify } from "node:util";
import { build, type BuildFailure, type Plugin } from "esbuild";

/** The CLI's App struct (pkg/project/project.go) after its defaults, as `$app` sees it. */
export interface App {
  name: string;
  stage: string;
  removal: "remove" | "retain" | "retain-all";
  providers: Record<string, unknown>;
  home: string;
  version: string;
  protect: boolean;
  [key: string]: unknown;
}

/** Where the CLI keeps things, as `$cli.paths` tells the components. */
export interface CliPaths {
  root: string;
  work: string;
  platform: string;
  home: string;
}

export const TOP_LEVEL_IMPORT =
  'Your sst.config.ts has top level imports - this is not allowed. Move imports inside the function they are used and do a dynamic import: `const mod = await import("./mod")`';

const BANNER = `
import { createRequire as topLevelCreateRequire } from 'module';
const require = topLevelCreateRequire(import.meta.url);
import { fileURLToPath as topLevelFileUrlToPath, URL as topLevelURL } from "url"
const __filename = topLevelFileUrlToPath(import.meta.url)
const __dirname = topLevelFileUrlToPath(new topLevelURL(".", import.meta.url))
`;
const EXTERNAL = ["@pulumi/*", "undici", "@pulumiverse/*", "@sst-provider/*", "@aws-sdk/*", "esbuild", "archiver", "glob", "vite"];

interface ConfigBuild {
  root: string;
  outfile: string;
  code: string;
  banner?: string;
  globals?: string;
  inject?: string[];
  define: Record<string, string>;
}

/** js.Build: the esbuild options both config bundles share. */
async function buildConfig(input: ConfigBuild): Promise<void> {
  try {
    await build({
      banner: { js: BANNER + (input.banner ?? "") },
      mainFields: ["module", "main"],
      format: "esm",
      platform: "node",
      sourcemap: "linked",
      stdin: { contents: input.code, resolveDir: input.root, sourcefile: "eval.ts", loader: "ts" },
      nodePaths: [join(input.root, ".sst", "platform", "node_modules")],
      plugins: [disallowImports(input.globals ?? ""), injectGlobals(input.globals ?? "")],
      external: EXTERNAL,
      define: input.define,
      inject: input.inject ?? [],
      outfile: input.outfile,
      write: true,
      bundle: true,
      metafile: true,
      logLevel: "silent",
    });
  } catch (error) {
    const failure = error as BuildFailure;
    if (!failure.errors) throw error;
    if (failure.errors.some((e) => e.text.includes(TOP_LEVEL_IMPORT))) throw new Error(TOP_LEVEL_IMPORT);
    const lines = failure.errors.map((e) => (e.location ? `${e.location.file}:${e.location.line}:${e.location.column}: ${e.text}` : e.text));
    throw new Error(`Failed to build sst.config.ts\n${lines.join("\n")}`);
  }
}

/** Only while evaluating `app()`: sst.config.ts may import nothing statically. */
function disallowImports(globals: string): Plugin {
  return {
    name: "DisallowImports",
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /.*/ }, (args) => {
        if (globals === "" && basename(args.importer) === "sst.config.ts" && args.kind === "import-statement") {
          return { errors: [{ text: TOP_LEVEL_IMPORT }] };
        }
        return undefined;
      });
    },
  };
}

/** The provider and component namespaces, prepended to every user file outside `.sst`. */
function injectGlobals(globals: string): Plugin {
  return {
    name: "InjectGlobals",
    setup(pluginBuild) {
      pluginBuild.onLoad({ filter: /\.(js|ts|jsx|tsx)$/ }, (args) => {
        if (args.path.includes(".sst")) return undefined;
        return { contents: `${globals}\n${readFileSync(args.path, "utf8")}`, loader: "default" };
      });
    },
  };
}

/** project.go: bundle and run `app()` alone, then fill in the CLI's defaults and refusals. */
export async function evaluateApp(root: string, stage: string, outfile: string, cliVersion: string): Promise<App> {
  await buildConfig({
    root,
    outfile,
    banner: "function $config(input) { return input }",
    define: { $input: JSON.stringify({ stage }) },
    code: `import mod from '${join(root, "sst.config.ts")}';
console.log("~j" + JSON.stringify(await mod.app({ stage: $input.stage || undefined })))`,
  });
  const { stdout } = await promisify(execFile)(process.execPath, ["--no-warnings", outfile], { cwd: root });
  const line = stdout.split("\n").find((l) => l.startsWith("~j"));
  if (!line) throw new Error(`Error evaluating config: app() printed no result\n${stdout}`);
  const app = { ...(JSON.parse(line.slice(2)) as Partial<App>), stage };
  if (!app.name) throw new Error("Project name is required");
  if (!app.home) throw new Error('You must specify a "home" provider in the project configuration file.');
  const providers = { ...app.providers };
  if (!(app.home in providers) && app.home !== "local") providers[app.home] = {};
  const removal = app.removal ?? "retain";
  if (!["remove", "retain", "retain-all"].includes(removal)) throw new Error("Removal must be one of: remove, retain, retain-all");
  // The CLI reads `version` as a semver constraint; the check takes only an exact pin.
  if (app.version && app.version !== cliVersion) throw new Error(`sst.config.ts pins sst ${app.version}, the installed CLI is ${cliVersion}`);
  return { ...app, providers, removal, protect: app.protect ?? false, version: app.version ?? "" } as App;
}

/** run.go: the program Pulumi's Node.js host imports; its default export is the stack's outputs. */
export async function bundleRun(app: App, paths: CliPaths, outfile: string): Promise<void> {
  const platform = paths.platform;
  const cli = { command: "deploy", dev: false, paths, state: { version: {} } };
  await buildConfig({
    root: paths.root,
    outfile,
    define: { $app: JSON.stringify(app), $cli: JSON.stringify(cli), $dev: "false" },
    inject: [join(platform, "src", "shim", "run.js")],
    globals: providerGlobals(paths.root, platform),
    code: `import { run } from "${join(platform, "src", "auto", "run.ts")}";
import mod from '${join(paths.root, "sst.config.ts")}';
const result = await run(mod.run);
export default result;`,
  });
}

/** One `import * as <alias>` per locked provider (.sst/provider-lock.json), then `sst`. */
function providerGlobals(root: string, platform: string): string {
  const lock = JSON.parse(readFileSync(join(root, ".sst", "provider-lock.json"), "utf8")) as { alias: string; package: string }[];
  return [...lock.map((p) => `import * as ${p.alias} from "${p.package}";`), `import * as sst from "${join(platform, "src", "components")}";`].join("\n");
}
