import { afterAll, beforeAll, expect, test } from "vitest";
import { createReconciler } from "@patchbay/core";
import type { Integration, Logger, ReconcileOutcome, Store } from "@patchbay/core";
import { startEmbeddedDynamo } from "@patchbay/local";
import type { EmbeddedDynamo } from "@patchbay/local";
import { sampleIntegration } from "@patchbay/testing/contracts";
import { createDocumentClient, createDynamoStore, ensureTable } from "../src/index.ts";

/**
 * The reconciler's walk over every integration across runs that each have a time limit, on the real store:
 * a run out of time keeps its place, the next continues there, and every integration is reached.
 */

let dynamo: EmbeddedDynamo;
let store: Store;
const logs: string[] = [];
const logger: Logger = { info: (m) => logs.push(m), warn: (m) => logs.push(m), error: (m) => logs.push(m) };

beforeAll(async () => {
  dynamo = await startEmbeddedDynamo(null);
  const client = createDocumentClient({ endpoint: dynamo.endpoint, region: "local", credentials: dynamo.credentials });
  await ensureTable(client, "reconciler-walk");
  store = createDynamoStore(client, "reconciler-walk");
  for (let i = 1; i <= 5; i++) {
    await store.createIntegration(sampleIntegration(i % 2 ? "alice" : "bob", `int_${i}`, { createdAt: new Date(Date.UTC(2026, 2, 1, 12, 0, i)).toISOString() }));
  }
});
afterAll(async () => {
  await dynamo.close();
});

/** A reconciler whose repair of each integration is recorded (and reports it repaired). */
function walker(seen: string[]) {
  const reconcile = async (integration: Integration): Promise<ReconcileOutcome> => {
    seen.push(integration.id);
    return "repaired";
  };
  return createReconciler({ store, integrations: { reconcile }, logger, pageSize: 2 });
}

test("runs with time for one page each walk the integrations in turn, then start over", async () => {
  const seen: string[] = [];
  const reconciler = walker(seen);
  const outOfTime = { hasTime: () => false };
  expect(await reconciler.run(outOfTime)).toBe(2);
  expect(seen).toEqual(["int_1", "int_2"]);
  expect(await reconciler.run(outOfTime)).toBe(2);
  expect(seen).toEqual(["int_1", "int_2", "int_3", "int_4"]);
  // The tail is reached; the walk is complete and the next run starts again from the first.
  expect(await reconciler.run(outOfTime)).toBe(1);
  expect(await store.reconcilerCursor()).toBeNull();
  await reconciler.run(outOfTime);
  expect(seen).toEqual(["int_1", "int_2", "int_3", "int_4", "int_5", "int_1", "int_2"]);
});

test("a run with time enough walks to the end from where the last one stopped", async () => {
  await store.saveReconcilerCursor(null);
  const seen: string[] = [];
  const reconciler = walker(seen);
  await reconciler.run({ hasTime: () => false });
  await reconciler.run();
  expect(seen).toEqual(["int_1", "int_2", "int_3", "int_4", "int_5"]);
  expect(await store.reconcilerCursor()).toBeNull();
});

test("a kept place the store refuses as a cursor starts the walk again instead of failing every run", async () => {
  await store.saveReconcilerCursor("not-a-cursor");
  const seen: string[] = [];
  await walker(seen).run();
  expect(seen).toEqual(["int_1", "int_2", "int_3", "int_4", "int_5"]);
  expect(logs).toContain("reconciler cursor not usable, starting from the beginning");
});
