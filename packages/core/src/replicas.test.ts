import { describe, expect, test } from "vitest";
import { PatchbayError, ValidationError } from "./errors.ts";
import type { Replica } from "./model.ts";
import { createModelRouter } from "./model-router.ts";
import type { ReplicaModel, Store } from "./ports.ts";
import { MAX_OUTPUT_TOKENS, createReplicaService, withReplicaDefaults } from "./replicas.ts";

const echo: ReplicaModel = { complete: async () => "", stream: async function* () {}, acceptsImages: () => false };
const models = createModelRouter({ echo }, { anthropic: { setting: "ANTHROPIC_API_KEY", hint: "set ANTHROPIC_API_KEY and restart" } });

/** Just the replica records, in memory. */
function replicaStore(): Store {
  const rows = new Map<string, Replica>();
  return {
    createReplica: async (replica: Replica) => void rows.set(replica.id, replica),
    getReplica: async (owner: string, id: string) => (rows.get(id)?.owner === owner ? rows.get(id) : undefined),
    saveReplica: async (replica: Replica) => rows.has(replica.id) && Boolean(rows.set(replica.id, replica)),
  } as unknown as Store;
}

const service = () => createReplicaService({ store: replicaStore(), clock: { now: () => 0, sleep: async () => {} }, models, defaultModel: "echo" });
const failure = (promise: Promise<unknown>) => promise.then(() => undefined, (e: unknown) => e);

describe("replica settings", () => {
  test("stream defaults to true; temperature and max_output_tokens to the provider's defaults", async () => {
    expect(await service().create("o", { name: "Ada" })).toMatchObject({ stream: true, temperature: null, maxOutputTokens: null });
  });

  test("PATCH changes only what it names, null clears; PUT goes back to the defaults", async () => {
    const replicas = service();
    const { id } = await replicas.create("o", { name: "Ada", stream: false, temperature: 0.7, maxOutputTokens: 500 });
    expect(await replicas.update("o", id, { temperature: null })).toMatchObject({ stream: false, temperature: null, maxOutputTokens: 500 });
    expect(await replicas.replace("o", id, { name: "Ada" })).toMatchObject({ stream: true, temperature: null, maxOutputTokens: null });
  });

  test("out-of-range values are refused by field name, together", async () => {
    const error = await failure(service().create("o", { name: "Ada", temperature: 2.5, maxOutputTokens: MAX_OUTPUT_TOKENS + 1 }));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).details.fields).toEqual([
      { field: "temperature", message: "must be a number from 0 to 2" },
      { field: "max_output_tokens", message: `must be a whole number from 1 to ${MAX_OUTPUT_TOKENS}` },
    ]);
    expect(await failure(service().create("o", { name: "Ada", maxOutputTokens: 1.5 }))).toBeInstanceOf(ValidationError);
  });

  test("a known provider without its key is MODEL_AUTH naming the setting; an unknown one a validation error", async () => {
    const unconfigured = await failure(service().create("o", { name: "Ada", model: "anthropic/claude-haiku-4-5" }));
    expect(unconfigured).toBeInstanceOf(PatchbayError);
    expect(unconfigured).toMatchObject({ code: "MODEL_AUTH", details: { field: "model", setting: "ANTHROPIC_API_KEY" }, message: expect.stringMatching(/set ANTHROPIC_API_KEY/) });
    const replicas = service();
    const { id } = await replicas.create("o", { name: "Ada" });
    expect(await failure(replicas.update("o", id, { model: "anthropic/claude-haiku-4-5" }))).toMatchObject({ code: "MODEL_AUTH" });
    expect(await failure(replicas.update("o", id, { model: "nope/x" }))).toMatchObject({ code: "VALIDATION_ERROR" });
  });

  test("records stored before the settings existed read with their defaults", () => {
    const old = { id: "rp_1", owner: "o", name: "Ada", instructions: "", model: "echo", greeting: null, createdAt: "t", updatedAt: "t" };
    expect(withReplicaDefaults(old)).toEqual({ ...old, stream: true, temperature: null, maxOutputTokens: null });
  });
});
