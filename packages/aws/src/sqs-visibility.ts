import { ChangeMessageVisibilityBatchCommand } from "@aws-sdk/client-sqs";
import type { SQSClient } from "@aws-sdk/client-sqs";

/** SQS caps a message's visibility timeout at 12 hours and a batch call at 10 messages. */
const MAX_VISIBILITY_SECONDS = 12 * 60 * 60;
const BATCH_LIMIT = 10;

/** When received messages become visible again: soon after a crash, later after a failure's backoff. */
export type VisibilitySetter = (receiptHandles: string[], delayMs: number) => Promise<void>;

export function createSqsVisibility(client: SQSClient, queueUrl: string): VisibilitySetter {
  return async (receiptHandles, delayMs) => {
    const seconds = Math.min(MAX_VISIBILITY_SECONDS, Math.max(0, Math.ceil(delayMs / 1000)));
    for (let i = 0; i < receiptHandles.length; i += BATCH_LIMIT) {
      const entries = receiptHandles.slice(i, i + BATCH_LIMIT).map((ReceiptHandle, n) => ({ Id: String(i + n), ReceiptHandle, VisibilityTimeout: seconds }));
      await client.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
    }
  };
}
