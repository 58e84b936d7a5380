/** Request and response schemas: the same definitions validate requests and generate /openapi.json. */
import { z } from "@hono/zod-openapi";
import type { Platform } from "@patchbay/core";
import { IMAGE_LEFT_OUT_REASONS, IMAGE_LIMITS, MAX_OUTPUT_TOKENS, MAX_TEMPERATURE, PLATFORMS } from "@patchbay/core";

/** The platforms the registry lists, as the API names them. */
const PlatformName = z.enum(PLATFORMS as [Platform, ...Platform[]]);

// Field messages say what a value must be in words; the generic ones come from describeIssue (openapi.ts).

const id = (prefix: string, what: string, example: string) =>
  z.string().regex(new RegExp(`^${prefix}_[a-z0-9]+$`), `must be ${what} id like ${example}`).openapi({ example });

const LONE_SURROGATE = /\p{Cs}/u;

/** Free text: any Unicode, but well-formed, since a lone surrogate cannot be stored or sent on faithfully. */
const text = (max: number) =>
  z
    .string()
    .max(max)
    .refine((value) => !LONE_SURROGATE.test(value), "must be valid Unicode text");

/** Tokens and secrets travel in HTTP headers and URLs: visible ASCII only. */
const secret = (min: number, max: number) =>
  z
    .string()
    .min(min)
    .max(max)
    .regex(/^[\x21-\x7e]*$/, "must be copied exactly as the platform shows it: letters, digits and punctuation, no spaces");

export const ReplicaId = id("rp", "a replica", "rp_3k9x2m4v8q1t5w7z");
export const IntegrationId = id("int", "an integration", "int_d8f2a1b3c4e5f6a7");
const ChannelId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_@-]*$/, "must be a chat or channel id as the platform shows it, like -1001234567890, C0123ABCD or 123456789012345678");
const ChannelIds = z.array(ChannelId).max(500);
const Mention = z
  .string()
  .regex(/^@?[A-Za-z0-9_]{3,64}$/, "must be a Telegram handle like @my_bot: 3 to 64 letters, digits or underscores");
const Scope = z.enum(["all", "mentions", "none"]).openapi({ description: "Which group messages get an answer; direct messages are answered unless none." });
const Timestamp = z.string().openapi({ example: "2026-03-09T18:22:00.000Z" });

export const ErrorBody = z
  .object({
    error: z
      .object({
        code: z.string().openapi({ description: "Stable code to branch on (the API's description lists them).", example: "NOT_FOUND" }),
        message: z.string().openapi({ description: "What happened and what to do next, for a person." }),
        fields: z.array(z.object({ field: z.string(), message: z.string() })).optional().openapi({ description: "VALIDATION_ERROR: each offending field." }),
        required_scopes: z.array(z.string()).optional().openapi({ description: "INSUFFICIENT_PERMISSIONS: what the bot must be granted, where known." }),
      })
      .catchall(z.unknown()),
    request_id: z.string().openapi({ description: "The same as the X-Request-Id header; quote it when asking for help." }),
  })
  .openapi("Error");

// Replicas

const ReplicaFields = {
  name: text(100).trim().min(1),
  instructions: text(20_000).optional().openapi({ description: "System prompt: who the replica is and how it answers." }),
  model: text(200).min(1).optional().openapi({ example: "openai/gpt-4o-mini", description: "echo, openai/<model>, anthropic/<model>, bedrock/<model-id>" }),
  greeting: text(4000).nullable().optional().openapi({ description: "Answer to /start on Telegram when the integration has no welcome_message." }),
  stream: z.boolean().optional().openapi({ description: "Show the answer on the platform as the model writes it (default true)." }),
  temperature: z.number().min(0).max(MAX_TEMPERATURE).nullable().optional().openapi({
    description: "Sampling temperature 0–2; null or absent: the provider's default. Anthropic and Bedrock, whose scale ends at 1, get at most 1.",
  }),
  max_output_tokens: z.number().int().min(1).max(MAX_OUTPUT_TOKENS).nullable().optional().openapi({
    description: "Longest answer in tokens; null or absent: the provider's default (4096 for Anthropic, which requires one).",
  }),
};

export const ReplicaCreate = z.strictObject(ReplicaFields).openapi("ReplicaCreate");
export const ReplicaPatch = z.strictObject({ ...ReplicaFields, name: ReplicaFields.name.optional() }).openapi("ReplicaPatch");

export const Replica = z
  .object({
    id: ReplicaId,
    name: z.string(),
    instructions: z.string(),
    model: z.string(),
    greeting: z.string().nullable(),
    stream: z.boolean(),
    temperature: z.number().nullable(),
    max_output_tokens: z.number().int().nullable(),
    created_at: Timestamp,
    updated_at: Timestamp,
  })
  .openapi("Replica");

export const ReplicaList = z
  .object({ data: z.array(Replica), total: z.number().int(), next_cursor: z.string().nullable() })
  .openapi("ReplicaList");

const ChatTurn = z.strictObject({ role: z.enum(["user", "assistant"]), content: text(20_000) });

export const PreviewRequest = z
  .strictObject({
    text: text(20_000).min(1).openapi({ description: "What the person says." }),
    history: z.array(ChatTurn).max(50).optional().openapi({ description: "Earlier turns of the conversation, oldest first." }),
  })
  .openapi("PreviewRequest");

export const PreviewResult = z
  .object({
    answer: z.string(),
    model: z.string().openapi({ description: "The replica's model id." }),
    latency_ms: z.number().int().openapi({ description: "How long the model took." }),
  })
  .openapi("PreviewResult");

// Integrations

const CommonConnect = {
  bot_token: secret(1, 512).openapi({ description: "Kept in the vault; shown masked, last 4 characters only." }),
  name: text(100).trim().min(1).optional(),
  scope: Scope.optional(),
  channel_ids: ChannelIds.optional().openapi({ description: "Group chats/channels to answer in; empty or absent = all. Never filters direct messages." }),
};

export const TelegramConnectFields = {
  ...CommonConnect,
  mention: Mention.optional().openapi({ description: "Handle the bot answers to in groups; defaults to the bot's @username." }),
  welcome_message: text(4096).min(1).nullable().optional(),
};

export const SlackConnectFields = {
  ...CommonConnect,
  bot_token: z.string().max(512).regex(/^xox[bp]-[\x21-\x7e]+$/, "must be a Slack bot token (xoxb-…), copied exactly").openapi({ description: "Bot User OAuth Token (xoxb-…)." }),
  signing_secret: secret(16, 256).openapi({ description: "The app's Signing Secret (Basic Information); kept in the vault." }),
  app_token: z
    .string()
    .max(512)
    .regex(/^xapp-[\x21-\x7e]+$/, "must be a Slack app-level token (xapp-…), copied exactly")
    .optional()
    .openapi({
      description:
        "App-level token with `connections:write` (Basic Information → App-Level Tokens), for an app with Socket Mode turned on: " +
        "`npm start` then receives through Socket Mode, without a public URL (`delivery: socket`). Kept in the vault.",
    }),
  workspace_id: z.string().regex(/^[TE][A-Z0-9]+$/, "must be a Slack workspace id like T0123ABCD").optional().openapi({ description: "Checked against the token's workspace when given." }),
};

export const DiscordConnectFields = {
  ...CommonConnect,
  guild_id: z.string().regex(/^\d{15,22}$/, "must be a Discord guild (server) id").openapi({ description: "The server the bot is in." }),
  thread_auto_create: z.boolean().optional().openapi({ description: "Start a thread from each answer so the conversation can go on." }),
};

export const ConnectBodies = {
  telegram: z.strictObject({ replica_id: ReplicaId, ...TelegramConnectFields }).openapi("TelegramConnect"),
  slack: z.strictObject({ replica_id: ReplicaId, ...SlackConnectFields }).openapi("SlackConnect"),
  discord: z.strictObject({ replica_id: ReplicaId, ...DiscordConnectFields }).openapi("DiscordConnect"),
} as const;

export const ScopedConnectBodies = {
  telegram: z.strictObject(TelegramConnectFields).openapi("TelegramConnectScoped"),
  slack: z.strictObject(SlackConnectFields).openapi("SlackConnectScoped"),
  discord: z.strictObject(DiscordConnectFields).openapi("DiscordConnectScoped"),
} as const;

export const IntegrationPatch = z
  .strictObject({
    name: text(100).trim().min(1).optional(),
    replica_id: ReplicaId.optional(),
    active: z.boolean().optional(),
    scope: Scope.optional(),
    auto_respond: z.boolean().optional().openapi({ description: "true is scope all; false turns scope all back to mentions." }),
    mention: Mention.nullable().optional(),
    welcome_message: text(4096).min(1).nullable().optional(),
    thread_auto_create: z.boolean().optional(),
    channel_ids: ChannelIds.optional(),
    bot_token: secret(1, 512).optional().openapi({ description: "Rotates the token: validated and re-registered." }),
  })
  .openapi("IntegrationPatch");

const LastError = z.object({ code: z.string(), message: z.string(), at: Timestamp }).nullable();

const Warnings = z.array(z.string()).openapi({
  description: "What the owner should fix that does not stop the integration, each saying how (e.g. a Discord application's Message Content intent is off).",
});

export const Integration = z
  .object({
    id: IntegrationId,
    platform: PlatformName,
    replica_id: ReplicaId,
    name: z.string(),
    active: z.boolean(),
    status: z.enum(["active", "inactive", "pending", "error"]),
    bot: z.object({ id: z.string(), username: z.string() }).catchall(z.unknown()),
    webhook_url: z.string(),
    delivery: z.enum(["webhook", "polling", "socket", "gateway"]).openapi({
      description:
        "How messages reach the integration: platform webhooks at `webhook_url`, Telegram long polling or Slack Socket Mode " +
        "(`npm start` without a public HTTPS `PUBLIC_URL`), or Discord's Gateway.",
    }),
    channel_ids: z.array(z.string()),
    channels: z.array(z.object({ id: z.string(), name: z.string() })),
    guild_id: z.string().nullable(),
    guild_name: z.string().nullable(),
    workspace_id: z.string().nullable(),
    workspace_name: z.string().nullable(),
    mention: z.string().nullable(),
    scope: Scope,
    auto_respond: z.boolean(),
    thread_auto_create: z.boolean(),
    welcome_message: z.string().nullable(),
    bot_token: z.string().openapi({ example: "****wxyz" }),
    token_masked: z.literal(true),
    message_count: z.number().int(),
    connected_at: Timestamp,
    last_message_at: Timestamp.nullable(),
    last_error: LastError,
    validated_at: Timestamp.nullable(),
    created_at: Timestamp,
    updated_at: Timestamp,
    warnings: Warnings.optional(),
  })
  .openapi("Integration");

export const IntegrationList = z
  .object({ data: z.array(Integration), total: z.number().int(), next_cursor: z.string().nullable() })
  .openapi("IntegrationList");

export const PageQuery = {
  limit: z.coerce.number().int().min(1).max(100).default(20).openapi({ description: "Page size, 1 to 100." }),
  cursor: z.string().max(2048).optional().openapi({ description: "The `next_cursor` of the previous page; absent for the first." }),
};

export const IntegrationListQuery = z.object({
  platform: PlatformName.optional(),
  replica_id: ReplicaId.optional(),
  ...PageQuery,
});

export const Deleted = z.object({ id: z.string(), deleted: z.literal(true) }).openapi("Deleted");

export const ValidateResponse = z
  .union([
    z.object({
      valid: z.literal(true),
      integration: z.object({ id: IntegrationId, status: z.string(), validated_at: Timestamp.nullable() }),
      warnings: Warnings,
    }),
    z.object({ valid: z.literal(false), error: z.object({ code: z.string(), message: z.string() }).catchall(z.unknown()) }),
  ])
  .openapi("ValidateResult");

export const TestBody = z
  .strictObject({
    channel_id: ChannelId.optional().openapi({ description: "Chat or channel to post in." }),
    text: text(2000).min(1).optional(),
  })
  .openapi("TestRequest");

export const TestResponse = z
  .object({
    id: IntegrationId,
    platform: z.string(),
    status: z.string(),
    test_result: z.object({
      success: z.boolean(),
      latency_ms: z.number(),
      message_id: z.string().nullable(),
      delivered_at: Timestamp.nullable(),
      error: z.object({ code: z.string(), message: z.string() }).nullable(),
    }),
  })
  .openapi("TestResult");

export const ChannelList = z
  .object({
    data: z.array(
      z.object({
        id: z.string(),
        name: z.string(),
        is_private: z.boolean(),
        member_count: z.number().int().optional(),
        sync_enabled: z.boolean(),
      }),
    ),
  })
  .openapi("ChannelList");

export const ChannelsBody = z
  .strictObject({ channel_ids: ChannelIds.default([]), sync_all: z.boolean().default(false) })
  .openapi("ChannelSelection");

const EventImages = z
  .object({
    received: z.number().int().openapi({ description: "Pictures sent with (or as) the message." }),
    passed: z.number().int().openapi({ description: "Pictures the replica's model was given." }),
    not_passed: z
      .array(
        z.object({
          name: z.string().openapi({ description: "The file name the platform gave." }),
          reason: z.enum(IMAGE_LEFT_OUT_REASONS),
          message: z.string().openapi({ description: "What happened and what to do about it." }),
        }),
      )
      .openapi({ description: "Each picture the model was not given, and why (the model still answers the text)." }),
  })
  .openapi("EventImages", {
    description:
      `For a message that came with pictures, once it is being answered. A model that accepts images is given up to ${IMAGE_LIMITS.maxImages} PNG, JPEG, GIF or WebP pictures of at most ${IMAGE_LIMITS.maxBytes / 1024 / 1024} MB each; they are downloaded for the answer and never stored.`,
  });

export const EventList = z
  .object({
    data: z.array(
      z.object({
        id: z.string(),
        type: z.enum(["replied", "ignored", "failed", "processing"]),
        at: Timestamp,
        chat_id: z.string(),
        user_id: z.string(),
        text: z.string(),
        latency_ms: z.number().optional(),
        message_ids: z.array(z.string()).optional(),
        reason: z.string().optional(),
        detail: z.string().optional().openapi({ description: "For unexpected payloads and unsupported events: what was unexpected." }),
        error: z.object({ code: z.string(), message: z.string(), at: Timestamp }).optional(),
        images: EventImages.optional(),
      }),
    ),
    next_cursor: z.string().nullable(),
  })
  .openapi("EventList");

export const Health = z
  .object({ status: z.enum(["ok", "degraded"]), store: z.boolean(), queue: z.boolean() })
  .openapi("Health");
