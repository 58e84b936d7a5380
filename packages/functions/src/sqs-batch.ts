import type { SQSBatchResponse, SQSRecord } from "aws-lambda";

/** Handles one record; a throw marks it failed. */
export type RecordHandler = (record: SQSRecord) => Promise<void>;

/** Called for each failed record, to decide when it comes back. */
export type FailureHandler = (record: SQSRecord, error: unknown) => Promise<void>;

/**
 * Partial batch processing for a FIFO queue: groups (one per chat) run concurrently up to `concurrency`,
 * the records of a group one after another, in order. A failed record is returned alone and retried
 * after its backoff; the rest of its chat still goes on. Returning the rest unprocessed would keep it in
 * flight and spend its receives, so a message stuck at the head of a chat would dead-letter the ones
 * behind it untried. Lambda bills the time spent waiting on the model, so records share it.
 */
export async function processBatch(
  records: SQSRecord[],
  handle: RecordHandler,
  onFailure: FailureHandler,
  concurrency: number,
): Promise<SQSBatchResponse> {
  const groups = new Map<string, SQSRecord[]>();
  for (const record of records) {
    const group = record.attributes.MessageGroupId ?? record.messageId;
    groups.set(group, [...(groups.get(group) ?? []), record]);
  }
  const failed = new Set<string>();
  const runGroup = async (group: SQSRecord[]) => {
    for (const record of group) {
      try {
        await handle(record);
      } catch (error) {
        failed.add(record.messageId);
        await onFailure(record, error).catch(() => undefined);
      }
    }
  };
  const pending = [...groups.values()];
  const workers = Array.from({ length: Math.min(concurrency, pending.length) }, async () => {
    for (let group = pending.shift(); group; group = pending.shift()) await runGroup(group);
  });
  await Promise.all(workers);
  return { batchItemFailures: records.filter((r) => failed.has(r.messageId)).map((r) => ({ itemIdentifier: r.messageId })) };
}
