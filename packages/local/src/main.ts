import { readLocalConfig } from "./config.ts";
import { startLocalStack } from "./local-stack.ts";

/** `npm start`: the local stack until SIGTERM/SIGINT, then a clean stop. */
const config = readLocalConfig();
const stack = await startLocalStack({ config });

console.log(`Patchbay listening on ${stack.url} (public URL ${config.publicUrl}, data in ${config.dataDir})`);
console.log(`API docs: ${stack.url}/docs`);
if (stack.generatedApiKey) {
  console.log(`Generated an API key for owner "local" (shown once, keep it): ${stack.generatedApiKey}`);
}

let stopping = false;
const stop = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`${signal}: finishing in-flight work…`);
  await stack.close();
  console.log("stopped");
  process.exit(0);
};
process.on("SIGTERM", () => void stop("SIGTERM"));
process.on("SIGINT", () => void stop("SIGINT"));
