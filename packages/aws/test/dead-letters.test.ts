import { GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient, StartMessageMoveTaskCommand } from "@aws-sdk/client-sqs";
import { mockClient } from "aws-sdk-client-mock";
import { expect, test } from "vitest";
import { createSqsDeadLetters } from "../src/dead-letters.ts";

const DLQ = "https://sqs.eu-west-1.amazonaws.com/123456789012/patchbay-prod-ResponderDlq.fifo";
const DLQ_ARN = "arn:aws:sqs:eu-west-1:123456789012:patchbay-prod-ResponderDlq.fifo";

test("list receives the dead letters page by page without deleting them", async () => {
  const client = new SQSClient({ region: "eu-west-1" });
  const mock = mockClient(client);
  mock
    .on(ReceiveMessageCommand)
    .resolvesOnce({ Messages: [{ MessageId: "a", Body: "{}", Attributes: { ApproximateReceiveCount: "6" } }] })
    .resolvesOnce({ Messages: [] });
  expect(await createSqsDeadLetters(client, DLQ).list()).toEqual([{ id: "a", receiveCount: 6, body: "{}" }]);
  expect(mock.commandCalls(ReceiveMessageCommand)[0]!.args[0].input).toEqual({
    QueueUrl: DLQ,
    MaxNumberOfMessages: 10,
    VisibilityTimeout: 30,
    WaitTimeSeconds: 0,
    MessageSystemAttributeNames: ["ApproximateReceiveCount"],
  });
});

test("redrive starts a message move task from the dead-letter queue back to its source", async () => {
  const client = new SQSClient({ region: "eu-west-1" });
  const mock = mockClient(client);
  mock.on(GetQueueAttributesCommand).resolves({ Attributes: { QueueArn: DLQ_ARN } });
  mock.on(StartMessageMoveTaskCommand).resolves({ TaskHandle: "task-1" });
  expect(await createSqsDeadLetters(client, DLQ).redrive()).toBe("task-1");
  expect(mock.commandCalls(StartMessageMoveTaskCommand).map((c) => c.args[0].input)).toEqual([{ SourceArn: DLQ_ARN }]);
});
