import * as v from "valibot";
import { withImages } from "@patchbay/core";
import type { InboundImage, InboundMessage, Integration, PlatformEvent } from "@patchbay/core";
import { INTERACTION, withInteractionFacts } from "./acknowledge.ts";
import { interactionKey } from "./delivery-key.ts";
import { issueDetail } from "../shared/issue-detail.ts";
import { attachedImages } from "./message-images.ts";
import { cutText, displayName } from "./message-text.ts";
import { THREAD_TYPES } from "./parse-message.ts";
import type { DiscordRoute } from "./route.ts";
import { commandDataSchema, commandInteractionSchema } from "./schemas.ts";
import type { CommandData } from "./schemas.ts";
import { snowflakeTime } from "./snowflake.ts";
import { unsupported } from "./unsupported.ts";
import { outsideGuild } from "./guild-check.ts";

type DiscordEvent = PlatformEvent<DiscordRoute>;

/** Application command types (application-commands.mdx). */
const COMMAND = { chatInput: 1, user: 2, message: 3 } as const;
const COMMAND_NAME = /^[-_\p{L}\p{N}' ]{1,32}$/u;
const COMMAND_FACTS = { type: INTERACTION.command, fromComponent: false };
/** An interaction token answers for 15 minutes (receiving-and-responding.mdx); nothing can answer an older one. */
const INTERACTION_TOKEN_LIFETIME_MS = 15 * 60 * 1000;

/** What a command asks: a question (and the message it is about), a payload problem, or not Patchbay's command. */
type Question = { text: string; targetId: string | null; images: InboundImage[] } | { problem: string } | { other: string };

/** The text `/ask question:…` or the message command ("Ask <replica>", on a message) asks about. */
function questionOf(data: CommandData): Question {
  if (data.type === COMMAND.chatInput && data.name === "ask") {
    const value = data.options?.find((option) => option.name === "question")?.value;
    if (value !== undefined && typeof value !== "string") return { problem: "data.options.question: expected a string" };
    return { text: value ?? "", targetId: null, images: [] };
  }
  if (data.type === COMMAND.message && data.target_id !== undefined) {
    const target = data.resolved?.messages?.[data.target_id];
    if (!target) return { problem: "data.resolved.messages: the target message is missing" };
    return { text: target.content ?? "", targetId: data.target_id, images: attachedImages(target.attachments) };
  }
  if (data.type === COMMAND.user) return { other: "a user command: Patchbay registers none" };
  const name = COMMAND_NAME.test(data.name) ? `/${data.name}` : "a command";
  return { other: `${name}: not a Patchbay command (only /ask and the message command are)` };
}

/**
 * `/ask` or the message command as a message for the answering rules: always a person addressing the bot.
 * In a thread, the parent channel is what channel_ids name and the thread is the conversation; without a
 * guild (the bot's DM, or a user-installed app in a group DM) it is a direct message.
 */
export function parseCommand(body: Record<string, unknown>, integration: Integration, receivedAt: string): DiscordEvent {
  const refuse = (reason: Extract<DiscordEvent, { kind: "unsupported" }>["reason"], detail: string) =>
    withInteractionFacts(unsupported(reason, detail, body, receivedAt, interactionKey), COMMAND_FACTS);
  const command = v.safeParse(commandDataSchema, body, { abortEarly: true });
  if (!command.success) return refuse("unexpected_payload", issueDetail("", command.issues[0]));
  const question = questionOf(command.output.data);
  if ("problem" in question) return refuse("unexpected_payload", question.problem);
  if ("other" in question) return refuse("unsupported_event", question.other);
  const parsed = v.safeParse(commandInteractionSchema, body, { abortEarly: true });
  if (!parsed.success) return refuse("unexpected_payload", issueDetail("", parsed.issues[0]));
  const interaction = parsed.output;
  const user = interaction.member?.user ?? interaction.user;
  if (!user) return refuse("unexpected_payload", "member.user: is missing");
  const createdAtMs = snowflakeTime(interaction.id);
  // Discord delivers an interaction at once: one older than its token is a replay, and no answer could reach it.
  if (Date.parse(receivedAt) - createdAtMs > INTERACTION_TOKEN_LIFETIME_MS) {
    return refuse("expired_interaction", `interaction created at ${new Date(createdAtMs).toISOString()}: older than its token's 15 minutes`);
  }
  const foreignGuild = outsideGuild(interaction.guild_id, integration);
  if (foreignGuild) return refuse("guild_not_allowed", foreignGuild);

  const inThread = interaction.channel !== undefined && THREAD_TYPES.has(interaction.channel.type);
  const chatId = inThread ? (interaction.channel?.parent_id ?? interaction.channel_id) : interaction.channel_id;
  const threadId = inThread ? interaction.channel_id : null;
  const message: InboundMessage<DiscordRoute> = {
    key: interactionKey(interaction.id),
    conversationId: threadId ?? chatId,
    chatId,
    isDirect: interaction.guild_id === undefined,
    messageId: question.targetId ?? interaction.id,
    threadId,
    userId: user.id,
    userName: displayName(user),
    text: cutText(question.text),
    sentAt: new Date(createdAtMs).toISOString(),
    route: { via: "interaction", applicationId: interaction.application_id, interactionToken: interaction.token, createdAtMs },
    ...withImages(question.images),
  };
  return { kind: "message", message, sender: "person", addressed: true };
}
