/**
 * One listener invocation in a process of its own, so a test can kill it (SIGKILL) the way Lambda ends a
 * crashed one: its sockets drop without a close frame and nothing of it runs again. The store is the
 * embedded DynamoDB (its endpoint comes in the environment); SQS and Secrets Manager have no emulator and are
 * mocked as in the test, each message sent being reported to the test over IPC.
 */
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { mockSecretsManager, mockSqsFifo } from "@patchbay/testing/aws-mocks";
import type { ListenerTiming } from "../src/discord-listener.ts";

const { mock } = mockSqsFifo(SQSClient);
let sent = 0;
mock.on(SendMessageCommand).callsFake((input) => {
  process.send!({ sent: input });
  return { MessageId: `child-${++sent}` };
});
const { secrets } = mockSecretsManager(SecretsManagerClient);
for (const [name, value] of Object.entries(JSON.parse(process.env.LISTENER_SECRETS!) as Record<string, string>)) secrets.set(name, value);

const timing = JSON.parse(process.env.LISTENER_TIMING!) as ListenerTiming;
const { createListenerHandler } = await import("../src/discord-listener.ts");
const end = Date.now() + 15 * 60_000;
await createListenerHandler(timing)({}, { awsRequestId: process.env.LISTENER_REQUEST_ID!, getRemainingTimeInMillis: () => end - Date.now() });
