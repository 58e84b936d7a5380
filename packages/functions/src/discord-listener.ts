import type { Context } from "aws-lambda";
import { createPatchbay } from "@patchbay/composition";
import { runLeasedListener } from "@patchbay/platforms/discord";
import type { ListenerReport } from "@patchbay/platforms/discord";
import { createAwsAdapters } from "./aws-adapters.ts";
import { readAwsConfig } from "./config.ts";

/** How the listener's time is spent; the defaults match infra/discord-listener.ts (a 15-minute function started every minute). */
export interface ListenerTiming {
  /** How often an instance follows the store (pause, delete, create take effect within it). */
  refreshMs: number;
  /** How often the schedule starts an instance. */
  scheduleMs: number;
  /** Time kept before the function's limit to close the sessions and write them for the next instance. */
  handoverMarginMs: number;
  /** How long an invocation's leases outlive its last refresh: a crashed one's bots are taken over within this plus `scheduleMs`. */
  leaseMs: number;
}

/** Leases of a minute, renewed every 10 s: a crash is taken over within two minutes. */
const DEFAULT_TIMING: ListenerTiming = { refreshMs: 10_000, scheduleMs: 60_000, handoverMarginMs: 30_000, leaseMs: 60_000 };

const config = readAwsConfig();
const adapters = createAwsAdapters(config);
const { pipeline } = createPatchbay(adapters, config.settings);

/** The scheduled entry: one listener instance for as long as its invocation may run, named by its request id. */
export function createListenerHandler(timing: ListenerTiming = DEFAULT_TIMING) {
  return async (_event: unknown, context: Pick<Context, "awsRequestId" | "getRemainingTimeInMillis">): Promise<ListenerReport> => {
    const deadline = adapters.clock.now() + context.getRemainingTimeInMillis();
    return runLeasedListener(
      { ...adapters, pipeline },
      {
        apiUrl: config.settings.discordApiUrl,
        instanceId: context.awsRequestId,
        deadline,
        handoverAt: deadline - timing.handoverMarginMs,
        refreshMs: timing.refreshMs,
        leaseMs: timing.leaseMs,
        successorWindowMs: timing.scheduleMs + timing.refreshMs,
      },
    );
  };
}

export const handler = createListenerHandler();
