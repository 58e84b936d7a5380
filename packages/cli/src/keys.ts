import { createApiKeyService, systemClock } from "@patchbay/core";
import { CommandError, UsageError, parseCommandLine, runTool } from "./command-line.ts";
import { openStore } from "./targets.ts";

const USAGE = `Usage: npm run keys -- <command> [--stage <stage> [--table <name>]]

Commands:
  create --owner <id>    a new API key for the owner, shown once
  list --owner <id>      the owner's keys: id, prefix, created, revoked
  revoke --id <key id>   revoke a key (its id from list)

Without --stage it works on the local stack in DATA_DIR (default ./.data), running or not.
  --stage <stage>        a deployed stage instead (AWS credentials from the environment)
  --table <name>         the stage's table, when .sst/outputs.json does not name it
  -h, --help             this help`;

// API keys for the local stack or a deployed stage.
runTool(USAGE, async (argv) => {
  const line = parseCommandLine(argv, {
    options: ["owner", "id", "stage", "table"],
    commands: { create: ["owner"], list: ["owner"], revoke: ["id"] },
  });
  if (!line) return console.log(USAGE);
  const { command, values } = line;
  if (values.table && !values.stage) throw new UsageError("--table goes with --stage <stage>.");

  const { store, close } = await openStore(values, { command: "npm run keys", create: command === "create" });
  try {
    const keys = createApiKeyService({ store, clock: systemClock });
    if (command === "create") {
      const { key, record } = await keys.create(values.owner!);
      console.log(`Created an API key for owner "${record.owner}" (id ${record.hash}). It is shown once:\n${key}`);
    } else if (command === "list") {
      for (const k of await keys.list(values.owner!)) {
        console.log(`${k.hash}  ${k.prefix}…  created ${k.createdAt}${k.revokedAt ? `  revoked ${k.revokedAt}` : ""}`);
      }
    } else {
      if (!(await keys.revoke(values.id!))) throw new CommandError(`No API key with id ${values.id}; see \`npm run keys -- list --owner <id>\`.`);
      console.log(`Revoked ${values.id}.`);
    }
  } finally {
    await close();
  }
});
