import { parseArgs } from "node:util";
import { UsageError, openDeadLetters } from "./targets.ts";

const USAGE = `npm run dlq -- list | redrive   [--stage <stage> [--dlq-url <url>]]`;

/** The responder's dead letters, for the local stack or a deployed stage. */
async function main(argv: string[]) {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { stage: { type: "string" }, "dlq-url": { type: "string" } },
  });
  const deadLetters = await openDeadLetters({ stage: values.stage, dlqUrl: values["dlq-url"] });
  if (positionals[0] === "list") {
    const list = await deadLetters.list();
    for (const d of list) console.log(`${d.id}  integration ${d.integrationId}  receives ${d.receiveCount}${d.lastError ? `  last error: ${d.lastError}` : ""}`);
    console.log(`${list.length} dead letter(s)`);
  } else if (positionals[0] === "redrive") {
    console.log(await deadLetters.redrive());
  } else {
    throw new UsageError(USAGE);
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof UsageError ? error.message : error);
  process.exit(error instanceof UsageError ? 2 : 1);
});
