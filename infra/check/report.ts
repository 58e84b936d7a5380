/** What one evaluation of sst.config.ts through SST's components reports (plain JSON). */
import type { App } from "./sst-cli.ts";

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** A deploy-time shape of the app: its stage and the environment `sst deploy` would run with. */
export interface Scenario {
  stage: string;
  /** Deploy-time variables, including `SST_SECRET_<Name>` as the CLI passes secrets. */
  env?: Record<string, string>;
}

export interface RecordedResource {
  urn: string;
  type: string;
  /** The logical name (the last URN segment). */
  name: string;
  parent: string | undefined;
  custom: boolean;
  inputs: Record<string, Json>;
  /** Top-level inputs Pulumi would store as secrets. */
  secretInputs: string[];
  /** What the mocks answered beyond the inputs (ARNs, URLs…). */
  outputs: Record<string, Json>;
  /** Left in the account when the stage is removed (SST sets it per `removal`, or a component does). */
  retainOnDelete: boolean | undefined;
}

/** One `Runtime.Build` SST asked for, and what came of it. */
export interface FunctionBuild {
  functionID: string;
  /** As given to SST: `path/file.export`, relative to sst.config.ts. */
  handler: string;
  runtime: string;
  /** `nodejs` options plus the architecture, as SST passes them to its builder. */
  properties: Record<string, Json>;
  /** What `Resource.*` holds in this function: each link's properties, `type` included. */
  links: Record<string, Record<string, Json>>;
  /** The handler Lambda will call (`bundle.<export>`), or undefined when the build failed. */
  result: { handler: string; errors: string[] } | undefined;
  /** The bundle: its size, exports, imports left external (those not Node's own with how they are imported) and npm packages bundled in. */
  bundle: { file: string; bytes: number; exports: string[]; externals: string[]; externalImports: Record<string, string[]>; packages: string[]; copied: string[] } | undefined;
}

export interface Evaluation {
  scenario: Scenario;
  /** The App after the CLI's defaults, or undefined when `app()` could not be evaluated. */
  app: App | undefined;
  outputs: Record<string, Json>;
  resources: RecordedResource[];
  builds: FunctionBuild[];
  /** Why the deploy would fail, and anything the check could not reproduce faithfully. */
  errors: string[];
  ms: number;
}
