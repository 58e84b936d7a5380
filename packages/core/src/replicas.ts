import { ConflictError, NotFoundError, ValidationError } from "./errors.ts";
import { newId } from "./ids.ts";
import type { Replica } from "./model.ts";
import type { ModelRouter } from "./model-router.ts";
import type { Clock, Store } from "./ports.ts";

export interface ReplicaInput {
  name: string;
  instructions?: string | undefined;
  model?: string | undefined;
  greeting?: string | null | undefined;
}

export type ReplicaPatch = Partial<ReplicaInput>;

export interface ReplicaServiceDeps {
  store: Store;
  clock: Clock;
  models: ModelRouter;
  /** Model for replicas that name none. */
  defaultModel: string;
}

export type ReplicaService = ReturnType<typeof createReplicaService>;

export function createReplicaService({ store, clock, models, defaultModel }: ReplicaServiceDeps) {
  const checkModel = (model: string) => {
    const problem = models.problem(model);
    if (problem) throw new ValidationError([{ field: "model", message: problem }]);
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
      checkModel(model);
      const now = new Date(clock.now()).toISOString();
      const replica: Replica = {
        id: newId("rp"),
        owner,
        name: input.name,
        instructions: input.instructions ?? "",
        model,
        greeting: input.greeting ?? null,
        createdAt: now,
        updatedAt: now,
      };
      await store.createReplica(replica);
      return replica;
    },

    list(owner: string): Promise<Replica[]> {
      return store.listReplicas(owner);
    },

    /** PATCH: only the given fields change. */
    async update(owner: string, id: string, patch: ReplicaPatch): Promise<Replica> {
      const current = await get(owner, id);
      if (patch.model !== undefined) checkModel(patch.model);
      return save({
        ...current,
        name: patch.name ?? current.name,
        instructions: patch.instructions ?? current.instructions,
        model: patch.model ?? current.model,
        greeting: patch.greeting === undefined ? current.greeting : patch.greeting,
        updatedAt: new Date(clock.now()).toISOString(),
      });
    },

    /** PUT: the replica becomes exactly the given fields, the rest back to defaults. */
    async replace(owner: string, id: string, input: ReplicaInput): Promise<Replica> {
      const current = await get(owner, id);
      const model = input.model ?? defaultModel;
      checkModel(model);
      return save({
        ...current,
        name: input.name,
        instructions: input.instructions ?? "",
        model,
        greeting: input.greeting ?? null,
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
