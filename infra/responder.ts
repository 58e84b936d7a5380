import { RESPONDER_TIMEOUT_SECONDS } from "./queue";
import { bedrockPermissions } from "./models";

/**
 * The queue's only consumer. Batches of up to 10 (the FIFO maximum) with no batching window:
 * Lambda does not support a window on FIFO queues, and a size of 10 or less needs none.
 * Partial batch responses: the handler returns `{ batchItemFailures }` so one failing message
 * does not redeliver the others (in a FIFO group, Lambda stops at the first failure anyway).
 */
export function addResponder(queue: sst.aws.Queue, link: sst.aws.FunctionArgs["link"]) {
  return queue.subscribe(
    {
      handler: "packages/functions/src/responder.handler",
      timeout: `${RESPONDER_TIMEOUT_SECONDS} seconds`,
      memory: "512 MB",
      link,
      permissions: bedrockPermissions(),
    },
    { batch: { size: 10, partialResponses: true } },
  );
}
