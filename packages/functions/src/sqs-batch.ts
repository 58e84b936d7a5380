import type { SQSBatchResponse, SQSRecord } from "aws-lambda";

/** Handles one record; a throw marks it failed. */
export type RecordHandler = (record: SQSRecord) => Promise<void>;

/** Called for each failed record, to decide when it comes back. */
export type FailureHandler = (record: SQSRecord, error: unknown) => Promise<void>;

export interface BatchHandlers {
  handle: RecordHandler;
  onFailure: FailureHandler;
  /** Whether a record started now would still finish inside this invocation. */
  canStart: () => boolean;
  /**
   * Gives back, at once, records this invocation will not start (each chat's in order); resolves to those
   * that stay in this batch's failures (the rest it took care of otherwise).
   */
  handBack: (untried: SQSRecord[][]) => Promise<SQSRecord[]>;
  /** Chats answered at once. */
  concurrency: number;
}

/**
 * Partial batch processing for a FIFO queue: groups (one per chat) run concurrently up to `concurrency`,
 * the records of a group one after another, in order. A failed record is returned alone and retried
 * after its backoff; the rest of its chat still goes on. Returning the rest unprocessed would keep it in
 * flight and spend its receives, so a message stuck at the head of a chat would dead-letter the ones
 * behind it untried. Lambda bills the time spent waiting on the model, so records share it. Once too
 * little time is left for another attempt, no record starts: a record cut off by the timeout would come
 * back only after its visibility ran out, with a receive spent on nothing.
 */
export async function processBatch(records: SQSRecord[], handlers: BatchHandlers): Promise<SQSBatchResponse> {
  const groups = new Map<string, SQSRecord[]>();
  for (const record of records) {
    const group = record.attributes.MessageGroupId ?? record.messageId;
    groups.set(group, [...(groups.get(group) ?? []), record]);
  }
  const failed = new Set<string>();
  const untried: SQSRecord[][] = [];
  const runGroup = async (group: SQSRecord[]) => {
    for (const [index, record] of group.entries()) {
      if (!handlers.canStart()) {
        untried.push(group.slice(index));
        return;
      }
      try {
        await handlers.handle(record);
      } catch (error) {
        failed.add(record.messageId);
        await handlers.onFailure(record, error).catch(() => undefined);
      }
    }
  };
  const pending = [...groups.values()];
  const workers = Array.from({ length: Math.min(handlers.concurrency, pending.length) }, async () => {
    for (let group = pending.shift(); group; group = pending.shift()) await runGroup(group);
  });
  await Promise.all(workers);
  // Handed back or not, an untried record is never reported done: at worst it comes back when its visibility ends.
  const stillFailed = untried.length > 0 ? await handlers.handBack(untried).catch(() => untried.flat()) : [];
  for (const record of stillFailed) failed.add(record.messageId);
  return { batchItemFailures: records.filter((r) => failed.has(r.messageId)).map((r) => ({ itemIdentifier: r.messageId })) };
}
