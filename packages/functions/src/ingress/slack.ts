import { handle } from "hono/aws-lambda";
import { createSlackIngress } from "@patchbay/platforms/slack";
import { createAwsAdapters } from "../aws-adapters.ts";
import { readAwsConfig } from "../config.ts";
import { createIngressApp } from "../ingress-app.ts";

export const handler = handle(createIngressApp("slack", createSlackIngress, createAwsAdapters(readAwsConfig())));
