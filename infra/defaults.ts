/**
 * Defaults for every Lambda function, including the ones SST creates for API routes, the queue
 * subscriber and the cron job (they are all `sst.aws.Function`s). Call before creating anything.
 */

/** Pinned rather than left to SST: its default moved from nodejs20.x to nodejs24.x between majors. */
export const LAMBDA_RUNTIME = "nodejs24.x";
export const LAMBDA_ARCHITECTURE = "arm64";

/** The `nodejs` options this app sets, as plain values (SST's type wraps each in Input). */
export interface NodeBundle {
  format: "esm" | "cjs";
  minify: boolean;
  esbuild: { conditions: string[]; mainFields?: string[]; external?: string[] };
}

/**
 * How every function is bundled. AWS SDK v3 goes into the bundle, tree-shaken, instead of coming from the
 * runtime: AWS recommends it for cold start, and a function runs the SDK version its tests ran. The "module"
 * condition picks the SDK's ES builds, which esbuild can tree-shake (@smithy/core's exports map would answer
 * the "node" condition with its whole CommonJS build).
 */
export function functionBundle(): NodeBundle {
  return {
    format: "esm",
    // SST 4.17's builder only minifies when this is set, whatever its docs say.
    minify: true,
    esbuild: { conditions: ["module"] },
  };
}

export function applyFunctionDefaults() {
  $transform(sst.aws.Function, (args) => {
    args.runtime ??= LAMBDA_RUNTIME;
    args.architecture ??= LAMBDA_ARCHITECTURE;
    args.nodejs ??= functionBundle();
    args.logging ??= { retention: "1 month" };
  });
}
