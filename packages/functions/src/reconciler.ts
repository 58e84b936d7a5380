import { createPatchbay } from "@patchbay/composition";
import { createAwsAdapters } from "./aws-adapters.ts";
import { readAwsConfig } from "./config.ts";

const config = readAwsConfig();
const { reconciler } = createPatchbay(createAwsAdapters(config), config.settings);

/** Scheduled: registers pending webhooks and repairs drifted ones. */
export const handler = async (): Promise<{ repaired: number }> => ({ repaired: await reconciler.run() });
