import { createHash } from "node:crypto";
import { GetQueueAttributesCommand, SendMessageCommand } from "@aws-sdk/client-sqs";
import type { SQSClient } from "@aws-sdk/client-sqs";
import type { EnqueueOptions, MessageQueue, ReplyJob } from "@patchbay/core";

/** SQS allows 128 characters of [A-Za-z0-9] and punctuation for group and deduplication ids. */
function sqsId(value: string): string {
  return /^[\w!-/:-@[-`{-~]{1,128}$/.test(value) ? value : createHash("sha256").update(value).digest("hex");
}

/**
 * The responder queue on SQS FIFO: one message group per chat keeps each chat's messages in order while
 * chats proceed in parallel, and the deduplication id drops a platform's redelivery within five minutes.
 */
export function createSqsQueue(client: SQSClient, queueUrl: string): MessageQueue {
  return {
    async enqueue(job: ReplyJob, { groupId, dedupeId }: EnqueueOptions) {
      await client.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: JSON.stringify(job),
          MessageGroupId: sqsId(groupId),
          MessageDeduplicationId: sqsId(dedupeId),
        }),
      );
    },

    async ping() {
      await client.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["QueueArn"] }));
    },
  };
}
