import { expect, test } from "vitest";

// Resource links are read once per process: this file runs alone, with one link missing.
test("a missing SST link fails fast at cold start, naming the link", async () => {
  process.env.SST_RESOURCE_App = JSON.stringify({ name: "patchbay", stage: "test" });
  process.env.SST_RESOURCE_Table = JSON.stringify({ name: "t" });
  const { readAwsConfig, MissingLinkError } = await import("../src/config.ts");
  expect(() => readAwsConfig()).toThrow(MissingLinkError);
  expect(() => readAwsConfig()).toThrow(/SST link "Settings" is missing/);
});
