import { handle } from "hono/aws-lambda";
import { discordWebhookDriver } from "@patchbay/platforms/discord";
import { createAwsAdapters } from "../aws-adapters.ts";
import { readAwsConfig } from "../config.ts";
import { createIngressApp } from "../ingress-app.ts";

export const handler = handle(createIngressApp(discordWebhookDriver, createAwsAdapters(readAwsConfig())));
