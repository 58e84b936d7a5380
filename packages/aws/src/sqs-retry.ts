import { ChangeMessageVisibilityCommand } from "@aws-sdk/client-sqs";
import type { SQSClient } from "@aws-sdk/client-sqs";

/** SQS caps a message's visibility timeout at 12 hours. */
const MAX_VISIBILITY_SECONDS = 12 * 60 * 60;

/** Brings a failed message back after `delayMs` instead of the queue's full visibility timeout. */
export type RetryScheduler = (receiptHandle: string, delayMs: number) => Promise<void>;

export function createSqsRetryScheduler(client: SQSClient, queueUrl: string): RetryScheduler {
  return async (receiptHandle, delayMs) => {
    const seconds = Math.min(MAX_VISIBILITY_SECONDS, Math.max(0, Math.ceil(delayMs / 1000)));
    await client.send(new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: receiptHandle, VisibilityTimeout: seconds }));
  };
}
