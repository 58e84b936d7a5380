/**
 * Defaults for every Lambda function, including the ones SST creates for API routes, the queue
 * subscriber and the cron job (they are all `sst.aws.Function`s). Call before creating anything.
 */

/** Pinned rather than left to SST: its default moved from nodejs20.x to nodejs24.x between majors. */
export const LAMBDA_RUNTIME = "nodejs24.x";
export const LAMBDA_ARCHITECTURE = "arm64";

export function applyFunctionDefaults() {
  $transform(sst.aws.Function, (args) => {
    args.runtime ??= LAMBDA_RUNTIME;
    args.architecture ??= LAMBDA_ARCHITECTURE;
    args.nodejs ??= {
      format: "esm",
      // SST 4.17's builder only minifies when this is set, whatever its docs say.
      minify: true,
      // The Node.js runtimes ship AWS SDK v3: keep it out of the bundles.
      esbuild: { external: ["@aws-sdk/*"] },
    };
    args.logging ??= { retention: "1 month" };
  });
}
