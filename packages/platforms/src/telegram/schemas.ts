import * as v from "valibot";

/**
 * The fields of a Telegram Update that Patchbay reads (https://core.telegram.org/bots/api#update), checked
 * before anything else. Other fields pass unchecked: Telegram adds some with every Bot API version. Each
 * message is what the detail of an unexpected payload says was expected.
 */

/** The latest second `new Date(seconds * 1000)` can represent. */
const MAX_UNIX_SECONDS = 8_640_000_000_000;

const object = <T extends v.ObjectEntries>(entries: T) => v.object(entries, "an object");
const string = () => v.string("a string");
const flag = () => v.boolean("a boolean");
/** User and chat ids: integers that may exceed 32 bits (negative for groups and channels). */
const id = () => v.pipe(v.number("a number"), v.safeInteger("an integer id"));
const positiveId = () => v.pipe(v.number("a number"), v.safeInteger("an integer id"), v.minValue(1, "a positive id"));
const count = () => v.pipe(v.number("a number"), v.safeInteger("an integer"), v.minValue(0, "a non-negative integer"));
const unixTime = () =>
  v.pipe(v.number("a number"), v.safeInteger("a Unix time in seconds"), v.minValue(0, "a Unix time in seconds"), v.maxValue(MAX_UNIX_SECONDS, "a Unix time in seconds"));

export const updateIdSchema = count();

const userSchema = object({
  id: id(),
  // Required by the Bot API since 3.0; Telegram's own older examples omit it, so absent reads as a person.
  is_bot: v.optional(flag()),
  first_name: v.optional(string()),
  last_name: v.optional(string()),
  username: v.optional(string()),
});

const chatSchema = object({
  id: id(),
  type: v.picklist(["private", "group", "supergroup", "channel"], "one of private, group, supergroup, channel"),
  title: v.optional(string()),
  username: v.optional(string()),
  first_name: v.optional(string()),
});

const entitySchema = object({
  type: string(),
  offset: count(),
  length: count(),
  user: v.optional(object({ id: id() })),
});

const entitiesSchema = v.array(entitySchema, "an array");

/** The message replied to: only what tells a reply to the bot from a forum topic's implicit one. */
const repliedMessageSchema = object({
  message_id: positiveId(),
  from: v.optional(userSchema),
  forum_topic_created: v.optional(v.unknown()),
});

/** One size of a photo (https://core.telegram.org/bots/api#photosize); sizes come smallest first. */
const photoSizeSchema = object({
  file_id: string(),
  file_size: v.optional(count()),
});

/** A file sent as a document (https://core.telegram.org/bots/api#document): an image one is a picture too. */
const documentSchema = object({
  file_id: string(),
  file_name: v.optional(string()),
  mime_type: v.optional(string()),
  file_size: v.optional(count()),
});

/** A message; loose, so the service fields that mark system messages stay visible to the parser. */
export const messageSchema = v.looseObject(
  {
    message_id: positiveId(),
    message_thread_id: v.optional(positiveId()),
    is_topic_message: v.optional(flag()),
    from: v.optional(userSchema),
    chat: chatSchema,
    date: unixTime(),
    text: v.optional(string()),
    caption: v.optional(string()),
    entities: v.optional(entitiesSchema),
    caption_entities: v.optional(entitiesSchema),
    reply_to_message: v.optional(repliedMessageSchema),
    photo: v.optional(v.array(photoSizeSchema, "an array")),
    media_group_id: v.optional(string()),
    document: v.optional(documentSchema),
  },
  "an object",
);

/** my_chat_member and chat_member: someone's membership in a chat changed. */
export const memberUpdateSchema = object({
  chat: chatSchema,
  from: userSchema,
  date: unixTime(),
});

export type TelegramUser = v.InferOutput<typeof userSchema>;
export type TelegramChat = v.InferOutput<typeof chatSchema>;
export type TelegramEntity = v.InferOutput<typeof entitySchema>;
export type TelegramMessage = v.InferOutput<typeof messageSchema>;
export type TelegramMemberUpdate = v.InferOutput<typeof memberUpdateSchema>;
