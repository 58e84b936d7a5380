import type { Context } from "aws-lambda";
import { createPatchbay } from "@patchbay/composition";
import { createAwsAdapters } from "./aws-adapters.ts";
import { readAwsConfig } from "./config.ts";

/** Time kept back for one more page (each integration may wait on its platform) before the run stops. */
const PAGE_RESERVE_MS = 120_000;

const config = readAwsConfig();
const { reconciler } = createPatchbay(createAwsAdapters(config), config.settings);

/** Scheduled: registers pending webhooks and repairs drifted ones, continuing where the last run stopped. */
export const handler = async (_event: unknown, context: Pick<Context, "getRemainingTimeInMillis">): Promise<{ repaired: number }> => ({
  repaired: await reconciler.run({ hasTime: () => context.getRemainingTimeInMillis() > PAGE_RESERVE_MS }),
});
