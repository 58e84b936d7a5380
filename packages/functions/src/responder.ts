import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { createSqsDeadLetterSender, createSqsVisibility } from "@patchbay/aws";
import { WORST_CASE_ATTEMPT_MS, createPatchbay } from "@patchbay/composition";
import { RETRY_POLICY, nextRetry } from "@patchbay/core";
import type { ReplyJob, RetryPolicy } from "@patchbay/core";
import { createAwsAdapters } from "./aws-adapters.ts";
import { link, readAwsConfig } from "./config.ts";
import { processBatch } from "./sqs-batch.ts";

/** Records answered at once: most of a record's time is spent waiting on the model. */
const RECORD_CONCURRENCY = 10;
/**
 * The queue's visibility timeout is long (6 × the function's, as AWS advises); records in work are kept
 * visible-soon instead, renewed while they last, so an invocation that dies gives them back within a minute.
 */
const IN_FLIGHT_VISIBILITY_MS = 60_000;
const HEARTBEAT_MS = 20_000;

const config = readAwsConfig();
// SQS's own redrive (maxReceiveCount) is the backstop; core's policy decides first, on Patchbay's own count of attempts.
const retry: RetryPolicy = { ...RETRY_POLICY, maxAttempts: config.maxReceives };
const adapters = createAwsAdapters(config);
const { responder } = createPatchbay(adapters, { ...config.settings, retry });
const setVisibility = createSqsVisibility(adapters.sqs, config.queueUrl);
const sendToDeadLetters = createSqsDeadLetterSender(adapters.sqs, link("DeadLetters").url);

const attemptOf = (record: SQSRecord) => Number(record.attributes.ApproximateReceiveCount);
/** Patchbay's count of attempts at each record's message, learnt when it is claimed (SQS's counts untried receives too). */
const attempts = new Map<string, number>();

export const handler = async (event: SQSEvent, context: Pick<Context, "getRemainingTimeInMillis">): Promise<SQSBatchResponse> => {
  const inWork = new Set(event.Records.map((r) => r.receiptHandle));
  const keepInWork = () => setVisibility([...inWork], IN_FLIGHT_VISIBILITY_MS).catch(() => undefined);
  await keepInWork();
  const heartbeat = setInterval(keepInWork, HEARTBEAT_MS);
  let startedAny = false;
  try {
    return await processBatch(event.Records, {
      handle: async (record) => {
        try {
          await answer(record);
        } finally {
          inWork.delete(record.receiptHandle);
        }
      },
      onFailure: (record, error) => {
        const step = nextRetry(error, attempts.get(record.messageId) ?? attemptOf(record), retry);
        // Only a failed hand-over to the dead-letter queue gets here giving up: SQS's own redrive takes it next.
        return setVisibility([record.receiptHandle], step.deadLetter ? 0 : step.delayMs);
      },
      canStart: () => {
        // One record starts whatever is left, so a time limit set below an attempt still makes progress.
        const go = context.getRemainingTimeInMillis() > WORST_CASE_ATTEMPT_MS || !startedAny;
        startedAny ||= go;
        return go;
      },
      handBack: async (untried) => {
        untried.flat().forEach((record) => inWork.delete(record.receiptHandle));
        return handBack(untried);
      },
      concurrency: RECORD_CONCURRENCY,
    });
  } finally {
    clearInterval(heartbeat);
    attempts.clear();
  }
};

/** Fresh copies of records, in order: the message goes on with receives SQS has not counted yet. */
async function requeue(records: SQSRecord[]): Promise<void> {
  for (const record of records) {
    await adapters.queue.enqueue(JSON.parse(record.body) as ReplyJob, {
      groupId: record.attributes.MessageGroupId ?? record.messageId,
      dedupeId: `${record.messageId}:again`,
    });
  }
}

/**
 * Records this invocation did not start, given back at once. SQS counts every receive toward its redrive to
 * the dead letters, tried or not: a chat whose next receive would be past that limit goes back as fresh
 * copies (in order, behind what the chat has queued since) so that nothing reaches the dead letters untried.
 * The copies are this batch's successes; the rest are its failures, visible again now.
 */
async function handBack(untried: SQSRecord[][]): Promise<SQSRecord[]> {
  const giveBack: SQSRecord[] = [];
  for (const chat of untried) {
    if (!chat.some((record) => attemptOf(record) >= config.maxReceives)) {
      giveBack.push(...chat);
      continue;
    }
    await requeue(chat);
  }
  await setVisibility(giveBack.map((record) => record.receiptHandle), 0);
  return giveBack;
}

/** One record: answered, or — when core's policy gives up — handed to the dead-letter queue and done. */
async function answer(record: SQSRecord): Promise<void> {
  const attempt = { number: attemptOf(record) };
  try {
    await responder.respond(JSON.parse(record.body) as ReplyJob, attempt);
  } catch (error) {
    attempts.set(record.messageId, attempt.number);
    if (!nextRetry(error, attempt.number, retry).deadLetter) {
      // Patchbay's attempts are not used up (or it was no attempt: held elsewhere, a long rate limit), but SQS
      // would dead-letter it on its next receive: a copy goes on instead (at once: FIFO has no per-message delay).
      if (attemptOf(record) >= config.maxReceives) return requeue([record]);
      throw error;
    }
    await sendToDeadLetters({ body: record.body, groupId: record.attributes.MessageGroupId ?? record.messageId, messageId: record.messageId });
  }
}
