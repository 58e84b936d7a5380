import { GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand, StartMessageMoveTaskCommand } from "@aws-sdk/client-sqs";
import type { SQSClient } from "@aws-sdk/client-sqs";

export interface DeadLetter {
  id: string;
  receiveCount: number;
  body: string;
}

/** Operator view of the responder's dead-letter queue on SQS. */
export function createSqsDeadLetters(client: SQSClient, dlqUrl: string) {
  return {
    /** Up to `max` dead letters; they stay in the queue (hidden for 30 s while listed). */
    async list(max = 50): Promise<DeadLetter[]> {
      const found = new Map<string, DeadLetter>();
      while (found.size < max) {
        const result = await client.send(
          new ReceiveMessageCommand({
            QueueUrl: dlqUrl,
            MaxNumberOfMessages: Math.min(10, max - found.size),
            VisibilityTimeout: 30,
            WaitTimeSeconds: 0,
            MessageSystemAttributeNames: ["ApproximateReceiveCount"],
          }),
        );
        const messages = result.Messages ?? [];
        if (messages.length === 0) break;
        for (const m of messages) {
          found.set(m.MessageId!, { id: m.MessageId!, receiveCount: Number(m.Attributes?.ApproximateReceiveCount ?? 0), body: m.Body ?? "" });
        }
      }
      return [...found.values()];
    },

    /** Moves every dead letter back to the queue it came from (an SQS message move task). */
    async redrive(): Promise<string> {
      const attributes = await client.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ["QueueArn"] }));
      const task = await client.send(new StartMessageMoveTaskCommand({ SourceArn: attributes.Attributes!.QueueArn! }));
      return task.TaskHandle ?? "";
    },
  };
}

/** A received message, as much of it as the dead-letter queue needs to keep it redrivable. */
export interface DeadLetterInput {
  body: string;
  groupId: string;
  /** The source message's id: a retried hand-over is dropped by FIFO deduplication. */
  messageId: string;
}

/**
 * Moves a message to the dead-letter queue now, for failures no retry can fix: SQS only moves a message
 * after maxReceiveCount receives, which would spend four more attempts that are bound to fail.
 */
export function createSqsDeadLetterSender(client: SQSClient, dlqUrl: string) {
  return async ({ body, groupId, messageId }: DeadLetterInput): Promise<void> => {
    await client.send(
      new SendMessageCommand({ QueueUrl: dlqUrl, MessageBody: body, MessageGroupId: groupId, MessageDeduplicationId: messageId }),
    );
  };
}
