/**
 * The responder's time limit, with room for the longest model call (45 s), rate-limit waits (20 s)
 * and the replies; the queue's visibility timeout is derived from it.
 */
export const RESPONDER_TIMEOUT_SECONDS = 90;
/** Receives before SQS moves a message to the dead-letter queue (also told to the functions). */
export const MAX_RECEIVES = 5;
/** AWS's advice for Lambda consumers: visibility timeout of at least 6 × the function timeout. */
export const VISIBILITY_TIMEOUT_SECONDS = 6 * RESPONDER_TIMEOUT_SECONDS;
const DLQ_RETENTION_SECONDS = 14 * 24 * 60 * 60; // the SQS maximum

/**
 * FIFO, so messages of one conversation (one message group) are answered in order, with
 * high-throughput FIFO so distinct conversations do not share the per-queue limits.
 * Content-based deduplication is off: producers send an explicit MessageDeduplicationId.
 */
export function createQueues() {
  const dlq = new sst.aws.Queue("ResponderDlq", {
    fifo: true, // a FIFO queue's dead-letter queue must be FIFO too
    transform: { queue: { messageRetentionSeconds: DLQ_RETENTION_SECONDS } },
  });
  const queue = new sst.aws.Queue("ResponderQueue", {
    fifo: { contentBasedDeduplication: false },
    visibilityTimeout: `${VISIBILITY_TIMEOUT_SECONDS} seconds`,
    dlq: { queue: dlq.arn, retry: MAX_RECEIVES },
    transform: {
      queue: { deduplicationScope: "messageGroup", fifoThroughputLimit: "perMessageGroupId" },
    },
  });
  // The responder moves a message it cannot answer on any retry (a revoked token, a refused model key)
  // to the dead letters at once; it may send there and do nothing else.
  const deadLetters = new sst.Linkable("DeadLetters", {
    properties: { url: dlq.url },
    include: [sst.aws.permission({ actions: ["sqs:SendMessage"], resources: [dlq.arn] })],
  });
  return { queue, dlq, deadLetters };
}
