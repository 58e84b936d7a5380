import { handle } from "hono/aws-lambda";
import { telegramWebhookDriver } from "@patchbay/platforms/telegram";
import { createAwsAdapters } from "../aws-adapters.ts";
import { readAwsConfig } from "../config.ts";
import { createIngressApp } from "../ingress-app.ts";

export const handler = handle(createIngressApp(telegramWebhookDriver, createAwsAdapters(readAwsConfig())));
