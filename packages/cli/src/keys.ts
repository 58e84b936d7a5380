import { parseArgs } from "node:util";
import { createApiKeyService, systemClock } from "@patchbay/core";
import { UsageError, openStore } from "./targets.ts";

const USAGE = `npm run keys -- create --owner <id> | list --owner <id> | revoke --id <key id>   [--stage <stage> [--table <name>]]`;

/** API keys for the local stack or a deployed stage. */
async function main(argv: string[]) {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { owner: { type: "string" }, id: { type: "string" }, stage: { type: "string" }, table: { type: "string" } },
  });
  const [command] = positionals;
  const { store, close } = await openStore(values);
  try {
    const keys = createApiKeyService({ store, clock: systemClock });
    if (command === "create" && values.owner) {
      const { key, record } = await keys.create(values.owner);
      console.log(`Created an API key for owner "${record.owner}" (id ${record.hash}). It is shown once:\n${key}`);
    } else if (command === "list" && values.owner) {
      for (const k of await keys.list(values.owner)) {
        console.log(`${k.hash}  ${k.prefix}…  created ${k.createdAt}${k.revokedAt ? `  revoked ${k.revokedAt}` : ""}`);
      }
    } else if (command === "revoke" && values.id) {
      if (!(await keys.revoke(values.id))) throw new UsageError(`No API key with id ${values.id}; see \`npm run keys -- list --owner <id>\`.`);
      console.log(`Revoked ${values.id}.`);
    } else {
      throw new UsageError(USAGE);
    }
  } finally {
    await close();
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof UsageError ? error.message : error);
  process.exit(error instanceof UsageError ? 2 : 1);
});
