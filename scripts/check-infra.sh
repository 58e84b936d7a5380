#!/usr/bin/env bash
# Offline check of the SST infrastructure (sst.config.ts + infra/): no AWS account, no Pulumi CLI,
# only the npm registry on the first run.
#   1. SST's platform (.sst/platform: its components, their Pulumi SDK, config.d.ts), written by
#      `sst install` unless already there for the pinned sst version;
#   2. tsc over sst.config.ts and infra/ with their own tsconfig (infra/tsconfig.json);
#   3. the infra tests: infra/infra.test.ts evaluates the real app() and run() through SST's own
#      components (infra/check/: Pulumi's mocks, a stand-in for the CLI's RPC that bundles every
#      handler with esbuild) for each stage shape and checks what SST would create
#      (infra/expectations.ts); infra/seeded-mistakes.test.ts shows those checks catch real mistakes.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"

want=$(node -p 'JSON.parse(require("fs").readFileSync("node_modules/sst/package.json", "utf8")).version')
have=$(cat .sst/platform/version 2>/dev/null || true)
if [[ -f .sst/platform/config.d.ts && "$have" == "$want" ]]; then
  echo "check:infra: SST $want platform types already in .sst/platform"
else
  echo "check:infra: generating SST $want platform types (sst install, offline: npm registry only)"
  # SST_SKIP_DEPENDENCY_CHECK: do not download Pulumi and Bun (needed to deploy, not to type-check);
  # SST_NO_BUN: install the providers with npm; a stage is required even though nothing deploys.
  SST_SKIP_DEPENDENCY_CHECK=1 SST_NO_BUN=1 SST_TELEMETRY_DISABLED=1 SST_STAGE="${SST_STAGE:-ci}" \
    sst install
  [[ -f .sst/platform/config.d.ts ]] || { echo "check:infra: sst install wrote no .sst/platform/config.d.ts" >&2; exit 1; }
fi

echo "check:infra: tsc -p infra/tsconfig.json"
tsc -p infra/tsconfig.json

echo "check:infra: vitest run -c infra/vitest.config.ts"
vitest run -c infra/vitest.config.ts
