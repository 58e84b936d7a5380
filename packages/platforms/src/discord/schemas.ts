import * as v from "valibot";

/**
 * The fields of Discord's interactions and Gateway dispatches that Patchbay reads
 * (https://discord.com/developers/docs/interactions/receiving-and-responding, …/events/gateway-events),
 * checked before anything else. Other fields pass unchecked: Discord adds some every month. Each message
 * is what the detail of an unexpected payload says was expected.
 */

const object = <T extends v.ObjectEntries>(entries: T) => v.object(entries, "an object");
const string = () => v.string("a string");
const flag = () => v.boolean("a boolean");
const integer = () => v.pipe(v.number("a number"), v.safeInteger("an integer"));

/** Snowflakes are 64-bit integers sent as decimal strings; 20 digits is the most a 64-bit value has. */
export const snowflake = () => v.pipe(v.string("a snowflake string"), v.regex(/^[0-9]{1,20}$/, "a snowflake id"));

/** Interaction tokens are ~200 characters of base64url; the route puts them in a URL path. */
export const interactionToken = () => v.pipe(v.string("a token"), v.regex(/^[\x21-\x7e]{1,1000}$/, "a token"));

/** An ISO 8601 time that `new Date(…).toISOString()` can represent. */
const isoTime = () =>
  v.pipe(
    v.string("an ISO 8601 time"),
    v.maxLength(64, "an ISO 8601 time"),
    v.check((value) => Number.isFinite(Date.parse(value)), "an ISO 8601 time"),
  );

const userSchema = object({
  id: snowflake(),
  username: string(),
  global_name: v.nullish(string()),
  bot: v.optional(flag()),
  system: v.optional(flag()),
});

/** A file on a message (https://discord.com/developers/docs/resources/message#attachment-object); `url` is a signed CDN link. */
const attachmentSchema = object({
  id: snowflake(),
  filename: string(),
  size: v.optional(v.pipe(integer(), v.minValue(0, "a non-negative integer"))),
  url: string(),
  content_type: v.optional(string()),
});

export const attachmentsSchema = v.array(attachmentSchema, "an array");

/** What every interaction has, whatever its type. */
export const interactionEnvelopeSchema = object({ id: snowflake(), type: integer() });

const optionSchema = object({
  name: string(),
  value: v.optional(v.union([string(), v.number("a number"), flag()], "a string, number or boolean")),
});

/** What an APPLICATION_COMMAND invoked: read first, to tell Patchbay's commands from others. */
export const commandDataSchema = object({
  data: object({
    name: string(),
    type: integer(),
    options: v.optional(v.array(optionSchema, "an array")),
    target_id: v.optional(snowflake()),
    resolved: v.optional(
      object({ messages: v.optional(v.record(string(), object({ content: v.optional(string()), attachments: v.optional(attachmentsSchema) }), "an object")) }),
    ),
  }),
});

/** The rest of an APPLICATION_COMMAND interaction Patchbay answers: who, where, and how to answer. */
export const commandInteractionSchema = object({
  id: snowflake(),
  application_id: snowflake(),
  token: interactionToken(),
  guild_id: v.optional(snowflake()),
  channel_id: snowflake(),
  channel: v.optional(object({ type: integer(), parent_id: v.nullish(snowflake()) })),
  member: v.optional(object({ user: userSchema })),
  user: v.optional(userSchema),
});

/**
 * A Gateway payload (https://discord.com/developers/docs/events/gateway#payload-structure). The transport
 * may add `patchbay_parent_id`: the parent channel of a thread it learned from GUILD_CREATE or
 * THREAD_CREATE, which MESSAGE_CREATE does not carry.
 */
export const gatewayPayloadSchema = object({
  op: integer(),
  t: v.nullish(string()),
  d: v.unknown(),
  patchbay_parent_id: v.optional(snowflake()),
});

/** A MESSAGE_CREATE dispatch's message, with its extra fields (guild_id, mentions, channel_type). */
export const createdMessageSchema = object({
  id: snowflake(),
  channel_id: snowflake(),
  guild_id: v.optional(snowflake()),
  channel_type: v.optional(integer()),
  author: userSchema,
  webhook_id: v.optional(snowflake()),
  type: integer(),
  content: string(),
  timestamp: isoTime(),
  mentions: v.optional(v.array(object({ id: snowflake() }), "an array")),
  mention_roles: v.optional(v.array(snowflake(), "an array")),
  // Absent when Discord did not fetch it, null when the message replied to was deleted.
  referenced_message: v.nullish(object({ author: object({ id: snowflake() }) })),
  attachments: v.optional(attachmentsSchema),
});

/** A MESSAGE_UPDATE dispatch: possibly partial (an embed resolved later carries no author). */
export const updatedMessageSchema = object({
  id: snowflake(),
  channel_id: snowflake(),
  author: v.optional(userSchema),
  content: v.optional(string()),
  edited_timestamp: v.nullish(isoTime()),
});

/** A MESSAGE_DELETE dispatch. */
export const deletedMessageSchema = object({ id: snowflake(), channel_id: snowflake() });

export type DiscordUser = v.InferOutput<typeof userSchema>;
export type CommandData = v.InferOutput<typeof commandDataSchema>["data"];
export type CreatedMessage = v.InferOutput<typeof createdMessageSchema>;
export type UpdatedMessage = v.InferOutput<typeof updatedMessageSchema>;
export type DeletedMessage = v.InferOutput<typeof deletedMessageSchema>;
export type DiscordAttachment = v.InferOutput<typeof attachmentSchema>;
