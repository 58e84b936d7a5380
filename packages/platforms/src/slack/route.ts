import * as v from "valibot";
import { PlatformCallError } from "@patchbay/core";
import { slackId, slackTs } from "./schemas.ts";

/** Where a Slack answer goes: the conversation, and the thread's parent when it belongs in a thread. */
export const slackRouteSchema = v.object({
  channel: slackId("a Slack channel id"),
  threadTs: v.nullable(slackTs()),
});

export type SlackRoute = v.InferOutput<typeof slackRouteSchema>;

/** The route of a queued message, checked: it crossed the queue as plain data. */
export function readSlackRoute(route: unknown): SlackRoute | null {
  const parsed = v.safeParse(slackRouteSchema, route);
  return parsed.success ? parsed.output : null;
}

/** The route, or a failure no retry can fix (the job was not written by this driver). */
export function requireSlackRoute(route: unknown): SlackRoute {
  const read = readSlackRoute(route);
  if (read) return read;
  throw new PlatformCallError("PLATFORM_ERROR", "The queued Slack message has no valid route (channel and thread); it cannot be answered.", {
    platform: "slack",
  });
}
