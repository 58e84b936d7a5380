import { createHash } from "node:crypto";
import * as v from "valibot";
import { PlatformCallError } from "@patchbay/core";
import type { Clock, Logger, OutboundContext, PlatformClient } from "@patchbay/core";
import { splitText } from "../shared/split-text.ts";
import { readDiscordSecrets } from "./integration-views.ts";
import { discordRouteSchema, readDiscordRoute } from "./route.ts";
import type { InteractionRoute, MessageRoute } from "./route.ts";
import { DISCORD_ERRORS, discordCode } from "./rest.ts";
import type { DiscordRest } from "./rest.ts";

/** Discord's message content limit for bots. */
const DISCORD_TEXT_LIMIT = 2000;
/** Interaction tokens live 15 minutes; past this, answers go to the channel with the bot token instead. */
const INTERACTION_TOKEN_BUDGET_MS = 14 * 60 * 1000;
/** Right after the deferred response, Discord may not know the interaction's webhook yet. */
const EARLY_WEBHOOK_WINDOW_MS = 10_000;
const EARLY_WEBHOOK_RETRY_MS = 250;
/** The typing indicator lasts 10 s; it is renewed a little sooner while the model works. */
const TYPING_REFRESH_MS = 8000;
/**
 * Discord publishes no per-route numbers (platforms.md §3.8); message routes have allowed about 5 requests per
 * 5 s per channel, so a streamed answer is edited once a second and a 429 slows it further.
 */
const STREAM_UPDATE_MS = 1000;
/** A replica's answer must never ping @everyone, roles or users. */
const NO_MENTIONS = { parse: [] as string[] };
/** Nor ping the person it replies to: the reply itself shows whom it answers. */
const NO_REPLY_PING = { parse: [] as string[], replied_user: false };

interface SentMessage {
  id: string;
  content?: string;
}

interface MessageBody {
  content: string;
  allowed_mentions: { parse: string[]; replied_user?: boolean };
  message_reference?: { message_id: string; fail_if_not_exists: boolean };
}

/**
 * The responder's Discord side. An interaction is answered by editing its deferred response with the first
 * part and posting the rest as follow-ups (in the channel, with the bot token, once the token has expired);
 * a channel message gets a reply, with a typing indicator while the model works. A streamed answer is posted
 * with its first words and edited as it grows.
 */
export function createDiscordClient(rest: DiscordRest, clock: Clock, logger: Logger): PlatformClient {
  const botToken = (context: OutboundContext) => {
    const secrets = readDiscordSecrets(context.secrets);
    if (!secrets) throw new PlatformCallError("INVALID_CREDENTIALS", "No Discord bot token is stored for this integration; rotate bot_token.");
    return secrets.bot_token;
  };

  // The nonce makes a retried post return the message already created instead of a second one.
  const nonceOf = (context: OutboundContext, index: number) =>
    createHash("sha256").update(`${context.integration.id}:${context.message.key}:${index}`).digest("base64url").slice(0, 25);

  const postToChannel = async (context: OutboundContext, channelId: string, index: number, body: MessageBody) => {
    const token = botToken(context);
    const sent = await rest<SentMessage>("POST", `/channels/${channelId}/messages`, {
      token,
      body: { ...body, nonce: nonceOf(context, index), enforce_nonce: true },
    });
    // A worker killed after Discord took its post but before recording it leaves that message behind; the
    // nonce returns it with the text of that attempt, so it is edited to this one's.
    if (sent.content !== undefined && sent.content !== body.content) {
      await rest("PATCH", `/channels/${channelId}/messages/${sent.id}`, { token, body: { content: body.content, allowed_mentions: body.allowed_mentions } });
    }
    return sent;
  };

  const viaWebhook = async (route: InteractionRoute, part: string, index: number): Promise<SentMessage> => {
    const base = `/webhooks/${route.applicationId}/${encodeURIComponent(route.interactionToken)}`;
    const body = { content: part, allowed_mentions: NO_MENTIONS };
    for (;;) {
      try {
        return index === 0
          ? await rest<SentMessage>("PATCH", `${base}/messages/@original`, { body })
          : await rest<SentMessage>("POST", `${base}?wait=true`, { body });
      } catch (error) {
        const early = clock.now() - route.createdAtMs < EARLY_WEBHOOK_WINDOW_MS;
        if (!early || discordCode(error) !== DISCORD_ERRORS.unknownWebhook) throw error;
        await clock.sleep(EARLY_WEBHOOK_RETRY_MS);
      }
    }
  };

  const answerInteraction = async (context: OutboundContext, route: InteractionRoute, part: string, index: number): Promise<SentMessage> => {
    if (clock.now() - route.createdAtMs <= INTERACTION_TOKEN_BUDGET_MS) {
      try {
        return await viaWebhook(route, part, index);
      } catch (error) {
        const code = discordCode(error);
        if (code !== DISCORD_ERRORS.invalidWebhookToken && code !== DISCORD_ERRORS.unknownWebhook) throw error;
        logger.warn("interaction token no longer valid, answering in the channel", { integration_id: context.integration.id });
      }
    }
    const { message } = context;
    return postToChannel(context, message.threadId ?? message.chatId, index, { content: part, allowed_mentions: NO_MENTIONS });
  };

  /** Starts a thread named after the message, from `messageId`; a retry finds it already started. */
  const startThread = async (context: OutboundContext, channelId: string, messageId: string) => {
    try {
      await rest("POST", `/channels/${channelId}/messages/${messageId}/threads`, {
        token: botToken(context),
        body: { name: context.message.text.slice(0, 100) || "Conversation", auto_archive_duration: 1440 },
      });
    } catch (error) {
      if (discordCode(error) !== DISCORD_ERRORS.threadAlreadyCreated) throw error;
    }
  };

  /**
   * With thread_auto_create a message in a guild channel gets its answer in a thread started from it (the
   * thread's id is the message's, which the driver already made the conversation); elsewhere, in the channel.
   */
  const threadedFromMessage = (context: OutboundContext) =>
    context.integration.threadAutoCreate && context.message.threadId === null && !context.message.isDirect;
  const answerChannel = (context: OutboundContext, route: MessageRoute) => (threadedFromMessage(context) ? route.messageId : route.channelId);

  // The first part replies to the message (a deleted one is no error); later parts follow it plainly. In the
  // thread started from the message no reply is needed: Discord shows the message at the thread's top.
  const replyToMessage = async (context: OutboundContext, route: MessageRoute, part: string, index: number) => {
    if (threadedFromMessage(context)) {
      if (index === 0) await startThread(context, route.channelId, route.messageId);
      return postToChannel(context, route.messageId, index, { content: part, allowed_mentions: NO_MENTIONS });
    }
    return postToChannel(context, route.channelId, index, {
      content: part,
      allowed_mentions: NO_REPLY_PING,
      ...(index === 0 ? { message_reference: { message_id: route.messageId, fail_if_not_exists: false } } : {}),
    });
  };

  /** Where a posted part lives: the interaction's webhook message while its token lives, else the channel message. */
  const postedPart = (context: OutboundContext, messageId: string, index: number) => {
    const route = readDiscordRoute(context.message.route);
    if (route.via === "interaction" && clock.now() - route.createdAtMs <= INTERACTION_TOKEN_BUDGET_MS) {
      const path = `/webhooks/${route.applicationId}/${encodeURIComponent(route.interactionToken)}/messages/${index === 0 ? "@original" : messageId}`;
      return { path, token: undefined, mentions: NO_MENTIONS };
    }
    const channelId = route.via === "message" ? answerChannel(context, route) : (context.message.threadId ?? context.message.chatId);
    return { path: `/channels/${channelId}/messages/${messageId}`, token: botToken(context), mentions: route.via === "message" ? NO_REPLY_PING : NO_MENTIONS };
  };

  const editPart = async (context: OutboundContext, messageId: string, part: string, index: number) => {
    const { path, token, mentions } = postedPart(context, messageId, index);
    // Edits reapply the default allowed_mentions (platforms.md), so they are repeated here.
    await rest("PATCH", path, { token, body: { content: part, allowed_mentions: mentions } });
  };

  /** One already gone is no error. */
  const removePart = async (context: OutboundContext, messageId: string, index: number) => {
    const { path, token } = postedPart(context, messageId, index);
    try {
      await rest("DELETE", path, { token });
    } catch (error) {
      if (discordCode(error) !== DISCORD_ERRORS.unknownMessage) throw error;
    }
  };

  const sendPart = async (context: OutboundContext, part: string, index: number) => {
    const route = readDiscordRoute(context.message.route);
    const sent = route.via === "interaction" ? await answerInteraction(context, route, part, index) : await replyToMessage(context, route, part, index);
    return { messageId: sent.id };
  };

  return {
    startTyping(context) {
      const { route } = context.message;
      const secrets = readDiscordSecrets(context.secrets);
      // An interaction's deferred response already shows "… is thinking"; an unusable route fails in sendPart.
      if (!v.is(discordRouteSchema, route) || route.via !== "message" || !secrets) return () => undefined;
      const ping = () =>
        rest("POST", `/channels/${route.channelId}/typing`, { token: secrets.bot_token }).catch((error: unknown) => {
          logger.warn("typing indicator failed", { integration_id: context.integration.id, code: error instanceof PlatformCallError ? error.code : "INTERNAL" });
        });
      void ping();
      const timer = setInterval(ping, TYPING_REFRESH_MS);
      timer.unref();
      return () => clearInterval(timer);
    },

    split: (answer) => splitText(answer, DISCORD_TEXT_LIMIT),

    // Discord has no /start: a person's first DM gets the welcome message with its answer.
    greetsFirstDirectMessage: true,

    sendPart,

    streaming: {
      updateIntervalMs: () => STREAM_UPDATE_MS,
      postPart: sendPart,
      editPart: (context, messageId, part, index) => editPart(context, messageId, part, index),
      removePart: (context, messageId, index) => removePart(context, messageId, index),
    },

    async finish(context, messageIds) {
      const first = messageIds[0];
      // An interaction has no message of the person's to start the thread from: it starts from the answer.
      // Threads start in guild channels only: not inside a thread, not in a DM.
      if (!threadedFromMessage(context) || readDiscordRoute(context.message.route).via !== "interaction" || !first) return;
      await startThread(context, context.message.chatId, first);
    },
  };
}
