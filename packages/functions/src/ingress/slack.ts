import { handle } from "hono/aws-lambda";
import { slackWebhookDriver } from "@patchbay/platforms/slack";
import { createAwsAdapters } from "../aws-adapters.ts";
import { readAwsConfig } from "../config.ts";
import { createIngressApp } from "../ingress-app.ts";

export const handler = handle(createIngressApp(slackWebhookDriver, createAwsAdapters(readAwsConfig())));
