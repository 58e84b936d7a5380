import { handle } from "hono/aws-lambda";
import { createPatchbay } from "@patchbay/composition";
import { createApiApp } from "@patchbay/http";
import { createAwsAdapters } from "./aws-adapters.ts";
import { readAwsConfig } from "./config.ts";

const config = readAwsConfig();

export const handler = handle(createApiApp(createPatchbay(createAwsAdapters(config), config.settings).http));
