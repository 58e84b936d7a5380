import { NotFoundError } from "./errors.ts";
import type { ChatMessage } from "./model.ts";
import type { ModelRouter } from "./model-router.ts";
import type { Clock, ReplicaStore } from "./ports.ts";
import { replicaConversation, samplingSettings, userTurn } from "./prompt.ts";

export interface PreviewInput {
  /** What the person says. */
  text: string;
  /** Earlier turns of the conversation, oldest first (user and assistant only). */
  history?: ChatMessage[] | undefined;
}

export interface PreviewResult {
  answer: string;
  /** The replica's model id, as configured on it. */
  model: string;
  latencyMs: number;
}

export interface ReplicaPreviewDeps {
  store: Pick<ReplicaStore, "getReplica">;
  models: ModelRouter;
  clock: Clock;
}

export type ReplicaPreview = ReturnType<typeof createReplicaPreview>;

/** Tries a replica without any platform: the same instructions, model and settings as a real answer. */
export function createReplicaPreview({ store, models, clock }: ReplicaPreviewDeps) {
  return {
    /** The replica's answer to `text`; throws NotFoundError for another owner's replica and ModelError when the model fails. */
    async preview(owner: string, replicaId: string, input: PreviewInput): Promise<PreviewResult> {
      const replica = await store.getReplica(owner, replicaId);
      if (!replica) throw new NotFoundError("replica", replicaId);
      const { provider, model } = models.resolve(replica.model);
      const messages = replicaConversation(replica, input.history ?? [], userTurn(input.text));
      const started = clock.now();
      const answer = await provider.complete({ model, messages, ...samplingSettings(replica) });
      return { answer, model: replica.model, latencyMs: clock.now() - started };
    },
  };
}
