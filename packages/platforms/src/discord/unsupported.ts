import * as v from "valibot";
import type { LoggedMessage, PlatformEvent } from "@patchbay/core";
import { bodyKey } from "../shared/body-key.ts";
import { displayName } from "./message-text.ts";
import type { DiscordRoute } from "./route.ts";
import { snowflake } from "./schemas.ts";
import { snowflakeTime } from "./snowflake.ts";

export type Unsupported = Extract<PlatformEvent<DiscordRoute>, { kind: "unsupported" }>;

/** A field that is read only if it is sane; anything else reads as absent. */
const maybe = <T extends v.GenericSchema>(schema: T) => v.fallback(v.optional(schema), undefined);
const maybeUser = maybe(v.object({ id: snowflake(), username: v.string(), global_name: maybe(v.string()) }));

/** What the log can say about a body Patchbay does not act on: whatever of these is readable. */
const peekSchema = v.fallback(
  v.object({
    id: maybe(snowflake()),
    channel_id: maybe(snowflake()),
    author: maybeUser,
    user: maybeUser,
    member: maybe(v.object({ user: maybeUser })),
  }),
  {},
);

/**
 * An event Patchbay acknowledges and logs without acting on it. The log entry keeps the ids that are
 * readable; `key` is the delivery's own identity, or a hash of the body when it has none.
 */
export function unsupported(
  reason: Unsupported["reason"],
  detail: string,
  body: unknown,
  receivedAt: string,
  key?: (id: string) => string,
): Unsupported {
  const peek = v.parse(peekSchema, body);
  const user = peek.member?.user ?? peek.user ?? peek.author;
  const logged: LoggedMessage = {
    key: peek.id !== undefined && key ? key(peek.id) : bodyKey(body),
    conversationId: peek.channel_id ?? "",
    chatId: peek.channel_id ?? "",
    userId: user?.id ?? "",
    userName: displayName(user),
    text: "",
    sentAt: peek.id !== undefined ? new Date(snowflakeTime(peek.id)).toISOString() : receivedAt,
  };
  return { kind: "unsupported", reason, detail, logged };
}
