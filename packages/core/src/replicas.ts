import { ConflictError, NotFoundError, PatchbayError, ValidationError } from "./errors.ts";
import type { FieldIssue } from "./errors.ts";
import { newId } from "./ids.ts";
import type { Replica } from "./model.ts";
import type { ModelRouter } from "./model-router.ts";
import type { Clock, Page, PageRequest, Store } from "./ports.ts";

export interface ReplicaInput {
  name: string;
  instructions?: string | undefined;
  model?: string | undefined;
  greeting?: string | null | undefined;
  /** Answer as the model writes it (default true). */
  stream?: boolean | undefined;
  /** 0–2; null (or absent on create/replace) leaves the provider's default. */
  temperature?: number | null | undefined;
  /** 1–MAX_OUTPUT_TOKENS; null (or absent on create/replace) leaves the provider's default. */
  maxOutputTokens?: number | null | undefined;
}

export type ReplicaPatch = Partial<ReplicaInput>;

/** Highest `max_output_tokens` a replica may ask for: the largest output any current model offers. */
export const MAX_OUTPUT_TOKENS = 128_000;
/** Highest sampling temperature (OpenAI's scale; providers whose scale ends at 1 get at most 1). */
export const MAX_TEMPERATURE = 2;

/** Replica records written before a setting existed read as if it had its default. */
export function withReplicaDefaults(stored: Omit<Replica, "stream" | "temperature" | "maxOutputTokens"> & Partial<Replica>): Replica {
  return { ...stored, stream: stored.stream ?? true, temperature: stored.temperature ?? null, maxOutputTokens: stored.maxOutputTokens ?? null };
}

/** The sampling settings' problems, by their API field names. */
function tuningIssues(input: ReplicaPatch): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const { temperature, maxOutputTokens, stream } = input;
  if (temperature != null && !(typeof temperature === "number" && temperature >= 0 && temperature <= MAX_TEMPERATURE)) {
    issues.push({ field: "temperature", message: `must be a number from 0 to ${MAX_TEMPERATURE}` });
  }
  if (maxOutputTokens != null && !(Number.isInteger(maxOutputTokens) && maxOutputTokens >= 1 && maxOutputTokens <= MAX_OUTPUT_TOKENS)) {
    issues.push({ field: "max_output_tokens", message: `must be a whole number from 1 to ${MAX_OUTPUT_TOKENS}` });
  }
  if (stream !== undefined && typeof stream !== "boolean") issues.push({ field: "stream", message: "must be true or false" });
  return issues;
}

export interface ReplicaServiceDeps {
  store: Store;
  clock: Clock;
  models: ModelRouter;
  /** Model for replicas that name none. */
  defaultModel: string;
}

export type ReplicaService = ReturnType<typeof createReplicaService>;

export function createReplicaService({ store, clock, models, defaultModel }: ReplicaServiceDeps) {
  const check = (input: ReplicaPatch) => {
    const issues = tuningIssues(input);
    const problem = input.model === undefined ? null : models.problem(input.model);
    if (problem?.code === "VALIDATION_ERROR") issues.push({ field: "model", message: problem.message });
    if (issues.length > 0) throw new ValidationError(issues);
    // A known provider without its key is a setup step, not a typo: answered 422 with what to set.
    if (problem?.code === "MODEL_AUTH") {
      throw new PatchbayError("MODEL_AUTH", `Model "${input.model}" cannot be used yet: ${problem.message}.`, { field: "model", setting: problem.setting });
    }
  };

  const get = async (owner: string, id: string): Promise<Replica> => {
    const replica = await store.getReplica(owner, id);
    if (!replica) throw new NotFoundError("replica", id);
    return replica;
  };

  const save = async (replica: Replica): Promise<Replica> => {
    if (!(await store.saveReplica(replica))) throw new NotFoundError("replica", replica.id);
    return replica;
  };

  return {
    get,

    async create(owner: string, input: ReplicaInput): Promise<Replica> {
      const model = input.model ?? defaultModel;
      check({ ...input, model });
      const now = new Date(clock.now()).toISOString();
      const replica: Replica = {
        id: newId("rp"),
        owner,
        name: input.name,
        instructions: input.instructions ?? "",
        model,
        greeting: input.greeting ?? null,
        stream: input.stream ?? true,
        temperature: input.temperature ?? null,
        maxOutputTokens: input.maxOutputTokens ?? null,
        createdAt: now,
        updatedAt: now,
      };
      await store.createReplica(replica);
      return replica;
    },

    /** One page of the owner's replicas, oldest first. */
    list(owner: string, page: PageRequest): Promise<Page<Replica>> {
      return store.listReplicas(owner, page);
    },

    /** PATCH: only the given fields change. */
    async update(owner: string, id: string, patch: ReplicaPatch): Promise<Replica> {
      const current = await get(owner, id);
      check(patch);
      return save({
        ...current,
        name: patch.name ?? current.name,
        instructions: patch.instructions ?? current.instructions,
        model: patch.model ?? current.model,
        greeting: patch.greeting === undefined ? current.greeting : patch.greeting,
        stream: patch.stream ?? current.stream,
        temperature: patch.temperature === undefined ? current.temperature : patch.temperature,
        maxOutputTokens: patch.maxOutputTokens === undefined ? current.maxOutputTokens : patch.maxOutputTokens,
        updatedAt: new Date(clock.now()).toISOString(),
      });
    },

    /** PUT: the replica becomes exactly the given fields, the rest back to defaults. */
    async replace(owner: string, id: string, input: ReplicaInput): Promise<Replica> {
      const current = await get(owner, id);
      const model = input.model ?? defaultModel;
      check({ ...input, model });
      return save({
        ...current,
        name: input.name,
        instructions: input.instructions ?? "",
        model,
        greeting: input.greeting ?? null,
        stream: input.stream ?? true,
        temperature: input.temperature ?? null,
        maxOutputTokens: input.maxOutputTokens ?? null,
        updatedAt: new Date(clock.now()).toISOString(),
      });
    },

    async delete(owner: string, id: string): Promise<void> {
      await get(owner, id);
      const users = await store.listIntegrations(owner, { replicaId: id }, { limit: 5 });
      if (users.total > 0) {
        throw new ConflictError(
          `Replica "${id}" is used by ${users.total} integration(s); delete or move them first.`,
          { integration_ids: users.items.map((i) => i.id) },
        );
      }
      if (!(await store.deleteReplica(owner, id))) throw new NotFoundError("replica", id);
    },
  };
}
