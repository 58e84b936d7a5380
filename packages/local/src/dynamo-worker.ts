/** Runs in a worker thread: the embedded DynamoDB (see startEmbeddedDynamoThread), answering on loopback. */
import { parentPort, workerData } from "node:worker_threads";
import { startEmbeddedDynamo } from "./embedded-dynamo.ts";

const dynamo = await startEmbeddedDynamo((workerData as { dataDir: string | null }).dataDir);
parentPort!.once("message", () => {
  void dynamo.close().then(() => parentPort!.postMessage({ closed: true }));
});
parentPort!.postMessage({ endpoint: dynamo.endpoint, credentials: dynamo.credentials });
