import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { createSqsRetryScheduler } from "@patchbay/aws";
import { createPatchbay } from "@patchbay/composition";
import type { ReplyJob } from "@patchbay/core";
import { createAwsAdapters } from "./aws-adapters.ts";
import { readAwsConfig } from "./config.ts";
import { processBatch } from "./sqs-batch.ts";

/** Records answered at once: most of a record's time is spent waiting on the model. */
const RECORD_CONCURRENCY = 10;
const backoffMs = (receiveCount: number) => Math.min(300_000, 5000 * 2 ** (receiveCount - 1));

const config = readAwsConfig();
const adapters = createAwsAdapters(config);
const { responder } = createPatchbay(adapters, config.settings);
const retryLater = createSqsRetryScheduler(adapters.sqs, config.queueUrl);

export const handler = (event: SQSEvent): Promise<SQSBatchResponse> =>
  processBatch(
    event.Records,
    (record) => {
      const receives = Number(record.attributes.ApproximateReceiveCount);
      return responder.respond(JSON.parse(record.body) as ReplyJob, { number: receives, final: receives >= config.maxReceives });
    },
    (record, error) => {
      const asked = (error as { retryInMs?: unknown }).retryInMs;
      return retryLater(record.receiptHandle, typeof asked === "number" ? asked : backoffMs(Number(record.attributes.ApproximateReceiveCount)));
    },
    RECORD_CONCURRENCY,
  );
