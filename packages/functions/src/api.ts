import { fileURLToPath } from "node:url";
import { handle } from "hono/aws-lambda";
import { createPatchbay } from "@patchbay/composition";
import { readConsoleFiles } from "@patchbay/console";
import { createApiApp } from "@patchbay/http";
import { createAwsAdapters } from "./aws-adapters.ts";
import { readAwsConfig } from "./config.ts";

const config = readAwsConfig();
/** The web console's files, copied next to this bundle (infra/api.ts) and read on the first /console request. */
const consoleDir = fileURLToPath(new URL("./console/", import.meta.url));

export const handler = handle(createApiApp(createPatchbay(createAwsAdapters(config), config.settings).http, { console: () => readConsoleFiles(consoleDir) }));
