import "./threadpool.ts";
import { parseArgs } from "node:util";
import { PLATFORMS, describeDelivery } from "@patchbay/core";
import { ConfigError, readLocalConfig } from "./config.ts";
import { DataDirInUseError, acquireInstanceLock } from "./instance-lock.ts";
import { startLocalStack } from "./local-stack.ts";
import { LOCAL_LISTENERS } from "./transports/index.ts";

const USAGE = `Usage: npm start

Runs the whole local stack (API, webhooks, queue, responder) in this process until Ctrl-C or SIGTERM.
It takes no arguments; settings come from the environment (README.md, "Configuration"):
  PORT          HTTP port (default 3000)
  PUBLIC_URL    base URL the platforms call back (default http://localhost:$PORT)
  DATA_DIR      everything it keeps (default ./.data); one npm start per directory
  API_KEYS      owner:key,owner2:key2 seeded at start
  DEFAULT_MODEL, OPENAI_BASE_URL, OPENAI_API_KEY, TELEGRAM_API_URL, SLACK_API_URL, DISCORD_API_URL

Operator commands: npm run keys -- --help, npm run dlq -- --help`;

/** `npm start`: the local stack until SIGTERM/SIGINT, then a clean stop. */
async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { help: { type: "boolean", short: "h" } } });
  if (values.help) return void console.log(USAGE);
  const config = readLocalConfig();
  // Before anything touches DATA_DIR: a second stack on the same data would take over the first one's files.
  const lock = await acquireInstanceLock(config.dataDir, "npm start");
  const stack = await startLocalStack({ config }).catch(async (error: unknown) => {
    await lock.release();
    throw error;
  });
  await lock.announce(stack.url);

  console.log(`Patchbay listening on ${stack.url} (public URL ${config.publicUrl}, data in ${config.dataDir})`);
  console.log(`API docs: ${stack.url}/docs`);
  console.log(`Web console: ${stack.url}/console`);
  console.log("How messages arrive:");
  const names = { telegram: "Telegram", slack: "Slack", discord: "Discord" } as const;
  for (const platform of PLATFORMS) {
    console.log(`  ${names[platform]}: ${describeDelivery(platform, { publicUrl: config.publicUrl, listeners: LOCAL_LISTENERS })}`);
  }
  if (stack.generatedApiKey) {
    console.log(`Generated an API key for owner "local" (shown once, keep it): ${stack.generatedApiKey}`);
  }

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: finishing in-flight work…`);
    await stack.close();
    await lock.release();
    console.log("stopped");
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
}

/** A failure the user can fix, as one message saying how, with its exit code (2: how it was called); null for a bug. */
function refusal(error: unknown): { message: string; exitCode: 1 | 2 } | null {
  const { code, port } = (error ?? {}) as { code?: unknown; port?: unknown };
  if (typeof code === "string" && code.startsWith("ERR_PARSE_ARGS_")) return { message: `${(error as Error).message}\n\n${USAGE}`, exitCode: 2 };
  if (error instanceof ConfigError) return { message: `${error.message}. See \`npm start -- --help\`.`, exitCode: 2 };
  if (error instanceof DataDirInUseError) {
    const advice = "One npm start per data directory: stop that one first (while it runs, npm run keys and npm run dlq work against it), or set DATA_DIR to another directory to run a second stack.";
    return { message: `${error.message} ${advice}`, exitCode: 1 };
  }
  if (code === "EADDRINUSE" || code === "EACCES") {
    const other = port === 3000 ? 3001 : 3000;
    const problem = code === "EADDRINUSE" ? `Port ${port} is already in use by another program: stop it, or` : `Port ${port} needs privileges this user does not have:`;
    return { message: `${problem} choose another port with the PORT variable, e.g. PORT=${other} npm start`, exitCode: 1 };
  }
  return null;
}

main(process.argv.slice(2)).catch((error: unknown) => {
  const refused = refusal(error);
  console.error(refused ? refused.message : error);
  process.exit(refused ? refused.exitCode : 1);
});
