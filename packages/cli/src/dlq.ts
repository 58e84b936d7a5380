import { UsageError, parseCommandLine, runTool } from "./command-line.ts";
import { openDeadLetters } from "./targets.ts";

const USAGE = `Usage: npm run dlq -- <command> [--stage <stage> [--dlq-url <url>]]

Commands:
  list                   the responder's dead letters (locally with their last error)
  redrive                send them back to the responder's queue

Without --stage it works on the local stack in DATA_DIR (default ./.data), running or not.
  --stage <stage>        a deployed stage instead (AWS credentials from the environment)
  --dlq-url <url>        the stage's dead-letter queue, when .sst/outputs.json does not name it
  -h, --help             this help`;

// The responder's dead letters, for the local stack or a deployed stage.
runTool(USAGE, async (argv) => {
  const line = parseCommandLine(argv, { options: ["stage", "dlq-url"], commands: { list: [], redrive: [] } });
  if (!line) return console.log(USAGE);
  const { command, values } = line;
  if (values["dlq-url"] && !values.stage) throw new UsageError("--dlq-url goes with --stage <stage>.");

  const deadLetters = await openDeadLetters({ stage: values.stage, dlqUrl: values["dlq-url"] });
  if (command === "list") {
    const list = await deadLetters.list();
    for (const d of list) console.log(`${d.id}  integration ${d.integrationId}  receives ${d.receiveCount}${d.lastError ? `  last error: ${d.lastError}` : ""}`);
    console.log(`${list.length} dead letter(s)`);
  } else {
    console.log(await deadLetters.redrive());
  }
});
