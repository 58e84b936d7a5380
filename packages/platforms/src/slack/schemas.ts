import * as v from "valibot";

/**
 * The fields of Slack's Events API bodies that Patchbay reads (https://docs.slack.dev/apis/events-api),
 * checked before anything else. Other fields pass unchecked: Slack adds some all the time (blocks,
 * bot_profile, authorizations, Enterprise Grid and Slack Connect context). Each message is what the detail
 * of an unexpected payload says was expected.
 */

/** Channel, user, bot and team ids: upper-case letters and digits (C…, G…, D…, U…, W…, B…, USLACKBOT). */
const SLACK_ID = /^[A-Z0-9]{1,64}$/;
/** A message's ts: Unix seconds, a dot, microseconds. It is the message's id within its channel. */
const SLACK_TS = /^\d{1,10}\.\d{1,6}$/;
/** Envelope types, event types and message subtypes: snake_case names. */
const TYPE_NAME = /^[a-z][a-z0-9_]{0,63}$/;

const string = () => v.string("a string");
export const slackId = (what: string) => v.pipe(string(), v.regex(SLACK_ID, what));
export const slackTs = () => v.pipe(string(), v.regex(SLACK_TS, "a Slack timestamp such as 1515449522.000016"));
const typeName = () => v.pipe(string(), v.regex(TYPE_NAME, "a Slack type name"));
const channelId = () => slackId("a Slack channel id");
const userId = () => slackId("a Slack user id");
const botId = () => slackId("a Slack bot id");

/** Every body is an object with a type: `event_callback`, `url_verification`, `app_rate_limited`, … */
export const envelopeSchema = v.object({ type: typeName() }, "an object");

export const urlVerificationSchema = v.object({
  challenge: v.pipe(string(), v.minLength(1, "a non-empty challenge"), v.maxLength(1000, "a challenge of at most 1000 characters")),
});

export const eventCallbackSchema = v.object({
  // Loose: the event is checked again against the schema of its type.
  event: v.looseObject({ type: typeName() }, "an object"),
});

/** A message as `message_changed` carries it (`message`) and `message_deleted` remembers it (`previous_message`). */
const innerMessageSchema = v.object(
  {
    user: v.optional(userId()),
    bot_id: v.optional(botId()),
    text: v.optional(string()),
    ts: v.optional(slackTs()),
  },
  "an object",
);

/**
 * A shared file (https://docs.slack.dev/reference/objects/file-object); Slack Connect files may carry only
 * `id` and `file_access: check_file_info`, so every other field is optional.
 */
const fileSchema = v.object(
  {
    id: string(),
    name: v.optional(v.nullable(string())),
    mimetype: v.optional(string()),
    size: v.optional(v.pipe(v.number("a number"), v.safeInteger("an integer"), v.minValue(0, "a non-negative integer"))),
    url_private: v.optional(string()),
  },
  "an object",
);

/** `message` (every subtype) and `app_mention`: https://docs.slack.dev/reference/events/message */
export const messageEventSchema = v.object({
  type: v.picklist(["message", "app_mention"]),
  subtype: v.optional(typeName()),
  channel: channelId(),
  // channel, group, im, mpim or app_home; app_mention events carry none.
  channel_type: v.optional(typeName()),
  ts: slackTs(),
  thread_ts: v.optional(slackTs()),
  user: v.optional(userId()),
  bot_id: v.optional(botId()),
  text: v.optional(string()),
  message: v.optional(innerMessageSchema),
  previous_message: v.optional(innerMessageSchema),
  files: v.optional(v.array(fileSchema, "an array")),
});

export type SlackMessageEvent = v.InferOutput<typeof messageEventSchema>;

/** `member_joined_channel` and `member_left_channel`: https://docs.slack.dev/reference/events/member_joined_channel */
export const memberEventSchema = v.object({
  type: v.picklist(["member_joined_channel", "member_left_channel"]),
  user: userId(),
  channel: channelId(),
  event_ts: slackTs(),
});

export type SlackMemberEvent = v.InferOutput<typeof memberEventSchema>;

/** The latest Unix second `new Date(seconds * 1000)` can represent. */
const MAX_UNIX_SECONDS = 8_640_000_000_000;

const lenient = <T extends v.GenericSchema>(schema: T) => v.fallback(v.optional(schema), undefined);

/**
 * Where an event happened and who did it, read leniently for the activity log of what Patchbay does not
 * handle: a field that is missing or of another type is simply left out.
 */
export const whereaboutsSchema = v.fallback(
  v.object({
    event_id: lenient(v.pipe(string(), v.regex(/^[A-Za-z0-9]{1,64}$/))),
    event_time: lenient(v.pipe(v.number(), v.safeInteger(), v.minValue(0), v.maxValue(MAX_UNIX_SECONDS))),
    event: lenient(v.object({ channel: lenient(channelId()), user: lenient(userId()) })),
  }),
  {},
);
