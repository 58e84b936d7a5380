import { GetQueueAttributesCommand, SendMessageCommand } from "@aws-sdk/client-sqs";
import { mockSqsFifo } from "@patchbay/testing/aws-mocks";
import { describe, expect, test } from "vitest";
import type { ReplyJob } from "@patchbay/core";
import { describeQueueContract, sampleJob } from "@patchbay/testing/contracts";
import { createSqsQueue } from "../src/sqs-queue.ts";

const QUEUE_URL = "https://sqs.eu-west-1.amazonaws.com/123456789012/patchbay-prod-ResponderQueue.fifo";

function mockFifo() {
  const { client, mock, sent } = mockSqsFifo();
  return { client, mock, received: async () => sent.map((m) => JSON.parse(m.MessageBody) as ReplyJob) };
}

describeQueueContract("SQS FIFO (mocked service)", async () => {
  const { client, received } = mockFifo();
  return { queue: createSqsQueue(client, QUEUE_URL), received };
});

describe("SQS queue", () => {
  test("sends the job with the chat as message group and the message identity as deduplication id", async () => {
    const { client, mock } = mockFifo();
    const job = sampleJob("u1");
    await createSqsQueue(client, QUEUE_URL).enqueue(job, { groupId: "int_1:-100123", dedupeId: "int_1:u1" });
    expect(mock.commandCalls(SendMessageCommand).map((c) => c.args[0].input)).toEqual([
      { QueueUrl: QUEUE_URL, MessageBody: JSON.stringify(job), MessageGroupId: "int_1:-100123", MessageDeduplicationId: "int_1:u1" },
    ]);
  });

  test("ids SQS would refuse (too long, other characters) are hashed", async () => {
    const { client, mock } = mockFifo();
    await createSqsQueue(client, QUEUE_URL).enqueue(sampleJob("u1"), { groupId: `int_1:${"x".repeat(200)}`, dedupeId: "int_1:Ü ñ" });
    const input = mock.commandCalls(SendMessageCommand)[0]!.args[0].input;
    expect(input.MessageGroupId).toMatch(/^[0-9a-f]{64}$/);
    expect(input.MessageDeduplicationId).toMatch(/^[0-9a-f]{64}$/);
  });

  test("ping asks for the queue's attributes", async () => {
    const { client, mock } = mockFifo();
    await createSqsQueue(client, QUEUE_URL).ping();
    expect(mock.commandCalls(GetQueueAttributesCommand).map((c) => c.args[0].input)).toEqual([{ QueueUrl: QUEUE_URL, AttributeNames: ["QueueArn"] }]);
  });
});
