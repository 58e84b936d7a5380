/**
 * SQS and Secrets Manager have no emulator here: these aws-sdk-client-mock fakes keep state the way the
 * services do (FIFO deduplication, secrets by name) and fail with the services' exceptions, so adapters
 * and handlers run against them and tests can still read the exact commands sent.
 */
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { ChangeMessageVisibilityBatchCommand, GetQueueAttributesCommand, SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { mockClient } from "aws-sdk-client-mock";

export interface SentSqsMessage {
  MessageId: string;
  MessageBody: string;
  MessageGroupId: string | undefined;
  MessageDeduplicationId: string | undefined;
}

/** A FIFO queue: a repeated deduplication id is accepted but not stored again. Pass a client, or the class to mock every instance. */
export function mockSqsFifo(target: SQSClient | typeof SQSClient = new SQSClient({ region: "eu-west-1" })) {
  const mock = mockClient(target);
  const sent: SentSqsMessage[] = [];
  const seen = new Set<string>();
  mock.on(SendMessageCommand).callsFake((input) => {
    const dedupe = input.MessageDeduplicationId ?? input.MessageBody;
    if (!seen.has(dedupe)) {
      seen.add(dedupe);
      sent.push({ MessageId: `m-${sent.length + 1}`, MessageBody: input.MessageBody, MessageGroupId: input.MessageGroupId, MessageDeduplicationId: input.MessageDeduplicationId });
    }
    return { MessageId: `m-${sent.length}`, SequenceNumber: String(sent.length) };
  });
  mock.on(GetQueueAttributesCommand).resolves({ Attributes: { QueueArn: "arn:aws:sqs:eu-west-1:123456789012:queue.fifo" } });
  mock.on(ChangeMessageVisibilityBatchCommand).resolves({ Successful: [], Failed: [] });
  return { client: target instanceof SQSClient ? target : new target({ region: "eu-west-1" }), mock, sent };
}

/** Secrets by name, with the service's ResourceExists / ResourceNotFound failures. */
export function mockSecretsManager(target: SecretsManagerClient | typeof SecretsManagerClient = new SecretsManagerClient({ region: "eu-west-1" })) {
  const mock = mockClient(target);
  const secrets = new Map<string, string>();
  const notFound = () => new ResourceNotFoundException({ message: "Secrets Manager can't find the specified secret.", $metadata: {} });
  mock.on(CreateSecretCommand).callsFake((input) => {
    if (secrets.has(input.Name)) {
      throw new ResourceExistsException({ message: `The operation failed because the secret ${input.Name} already exists.`, $metadata: {} });
    }
    secrets.set(input.Name, input.SecretString);
    return { Name: input.Name };
  });
  mock.on(PutSecretValueCommand).callsFake((input) => {
    if (!secrets.has(input.SecretId)) throw notFound();
    secrets.set(input.SecretId, input.SecretString);
    return {};
  });
  mock.on(GetSecretValueCommand).callsFake((input) => {
    if (!secrets.has(input.SecretId)) throw notFound();
    return { Name: input.SecretId, SecretString: secrets.get(input.SecretId) };
  });
  mock.on(DeleteSecretCommand).callsFake((input) => {
    if (!secrets.delete(input.SecretId)) throw notFound();
    return {};
  });
  return { client: target instanceof SecretsManagerClient ? target : new target({ region: "eu-west-1" }), mock, secrets };
}
