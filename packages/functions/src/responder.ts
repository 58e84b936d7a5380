import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { createSqsVisibility } from "@patchbay/aws";
import { createPatchbay } from "@patchbay/composition";
import type { ReplyJob } from "@patchbay/core";
import { createAwsAdapters } from "./aws-adapters.ts";
import { readAwsConfig } from "./config.ts";
import { processBatch } from "./sqs-batch.ts";

/** Records answered at once: most of a record's time is spent waiting on the model. */
const RECORD_CONCURRENCY = 10;
/**
 * The queue's visibility timeout is long (6 × the function's, as AWS advises); records in work are kept
 * visible-soon instead, renewed while they last, so an invocation that dies gives them back within a minute.
 */
const IN_FLIGHT_VISIBILITY_MS = 60_000;
const HEARTBEAT_MS = 20_000;
const backoffMs = (receiveCount: number) => Math.min(300_000, 5000 * 2 ** (receiveCount - 1));

const config = readAwsConfig();
const adapters = createAwsAdapters(config);
const { responder } = createPatchbay(adapters, config.settings);
const setVisibility = createSqsVisibility(adapters.sqs, config.queueUrl);

export const handler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
  const inWork = new Set(event.Records.map((r) => r.receiptHandle));
  const keepInWork = () => setVisibility([...inWork], IN_FLIGHT_VISIBILITY_MS).catch(() => undefined);
  await keepInWork();
  const heartbeat = setInterval(keepInWork, HEARTBEAT_MS);
  try {
    return await processBatch(
      event.Records,
      async (record) => {
        try {
          const receives = Number(record.attributes.ApproximateReceiveCount);
          await responder.respond(JSON.parse(record.body) as ReplyJob, { number: receives, final: receives >= config.maxReceives });
        } finally {
          inWork.delete(record.receiptHandle);
        }
      },
      (record, error) => {
        const asked = (error as { retryInMs?: unknown }).retryInMs;
        const delay = typeof asked === "number" ? asked : backoffMs(Number(record.attributes.ApproximateReceiveCount));
        return setVisibility([record.receiptHandle], delay);
      },
      RECORD_CONCURRENCY,
    );
  } finally {
    clearInterval(heartbeat);
  }
};
