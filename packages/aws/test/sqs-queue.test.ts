import { GetQueueAttributesCommand, SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { mockClient } from "aws-sdk-client-mock";
import { describe, expect, test } from "vitest";
import type { ReplyJob } from "@patchbay/core";
import { describeQueueContract, sampleJob } from "@patchbay/testing/contracts";
import { createSqsQueue } from "../src/sqs-queue.ts";

const QUEUE_URL = "https://sqs.eu-west-1.amazonaws.com/123456789012/patchbay-prod-ResponderQueue.fifo";

/** SQS has no emulator here: a mock FIFO queue that dedupes by MessageDeduplicationId as the service does. */
function mockFifo() {
  const client = new SQSClient({ region: "eu-west-1" });
  const mock = mockClient(client);
  const bodies: string[] = [];
  const seen = new Set<string>();
  mock.on(SendMessageCommand).callsFake((input) => {
    if (!seen.has(input.MessageDeduplicationId)) {
      seen.add(input.MessageDeduplicationId);
      bodies.push(input.MessageBody);
    }
    return { MessageId: String(bodies.length), SequenceNumber: String(bodies.length) };
  });
  mock.on(GetQueueAttributesCommand).resolves({ Attributes: { QueueArn: "arn" } });
  return { client, mock, received: async () => bodies.map((b) => JSON.parse(b) as ReplyJob) };
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
