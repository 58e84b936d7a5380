import type { SQSBatchResponse, SQSRecord } from "aws-lambda";

/** Handles one record; a throw marks it (and what follows it in its group) as failed. */
export type RecordHandler = (record: SQSRecord) => Promise<void>;

/** Called for each failed record that was attempted, to decide when it comes back. */
export type FailureHandler = (record: SQSRecord, error: unknown) => Promise<void>;

/**
 * Partial batch processing for a FIFO queue: groups (one per chat) run concurrently up to `concurrency`,
 * the records of a group one after another. After a failure, the rest of that group is returned unprocessed
 * so SQS keeps the chat's order. Lambda bills the time spent waiting on the model, so records share it.
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
  const failed: string[] = [];
  const runGroup = async (group: SQSRecord[]) => {
    for (let i = 0; i < group.length; i++) {
      try {
        await handle(group[i]!);
      } catch (error) {
        await onFailure(group[i]!, error).catch(() => undefined);
        failed.push(...group.slice(i).map((r) => r.messageId));
        return;
      }
    }
  };
  const pending = [...groups.values()];
  const workers = Array.from({ length: Math.min(concurrency, pending.length) }, async () => {
    for (let group = pending.shift(); group; group = pending.shift()) await runGroup(group);
  });
  await Promise.all(workers);
  return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) };
}
