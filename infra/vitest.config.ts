import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

/** The infrastructure tests only (the root config's include globs cover packages/ alone). */
export default defineConfig({
  root: fileURLToPath(new URL("..", import.meta.url)),
  test: {
    include: ["infra/**/*.test.ts"],
    testTimeout: 20_000,
    pool: "forks",
  },
});
