import * as v from "valibot";
import type { PlatformEvent } from "@patchbay/core";
import { bodyKey } from "../shared/body-key.ts";
import { whereaboutsSchema } from "./schemas.ts";

export type UnsupportedReason = Extract<PlatformEvent, { kind: "unsupported" }>["reason"];

/**
 * A verified body Patchbay does not act on, logged under Slack's own delivery identity (event_id, kept across
 * retries) with whatever channel, user and time can still be read from it.
 */
export function unsupportedEvent(body: unknown, receivedAt: string, reason: UnsupportedReason, detail: string): PlatformEvent<never> {
  const seen = v.parse(whereaboutsSchema, body);
  const chat = seen.event?.channel ?? "";
  const user = seen.event?.user ?? "";
  return {
    kind: "unsupported",
    reason,
    detail,
    logged: {
      key: seen.event_id ?? bodyKey(body),
      conversationId: chat,
      chatId: chat,
      userId: user,
      userName: user,
      text: "",
      sentAt: seen.event_time === undefined ? receivedAt : new Date(seen.event_time * 1000).toISOString(),
    },
  };
}
