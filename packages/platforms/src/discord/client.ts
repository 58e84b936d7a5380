import { createHash } from "node:crypto";
import type { Clock, Logger, OutboundContext, PlatformClient } from "@patchbay/core";
import { splitText } from "../shared/split-text.ts";
import type { InteractionReply } from "./parse-interaction.ts";
import { DISCORD_ERRORS, discordCode } from "./rest.ts";
import type { DiscordRest } from "./rest.ts";

/** Discord's message content limit. */
const DISCORD_TEXT_LIMIT = 2000;
/** Interaction tokens live 15 minutes; past this, answers go to the channel with the bot token instead. */
const INTERACTION_TOKEN_BUDGET_MS = 14 * 60 * 1000;
/** Right after the deferred response, Discord may not know the interaction's webhook yet. */
const EARLY_WEBHOOK_WINDOW_MS = 10_000;
const EARLY_WEBHOOK_RETRY_MS = 250;
/** A replica's answer must never ping @everyone, roles or users. */
const NO_MENTIONS = { parse: [] as string[] };

interface SentMessage {
  id: string;
}

/**
 * The responder's Discord side: the deferred response is edited with the first part, later parts are
 * follow-ups; with an expired token the answer goes to the channel with the bot token and a nonce.
 */
export function createDiscordClient(rest: DiscordRest, clock: Clock, logger: Logger): PlatformClient {
  const replyOf = (context: OutboundContext) => context.message.reply as unknown as InteractionReply;

  const viaInteraction = async (context: OutboundContext, part: string, index: number): Promise<SentMessage> => {
    const { applicationId, interactionToken, createdAtMs } = replyOf(context);
    const base = `/webhooks/${applicationId}/${interactionToken}`;
    const body = { content: part, allowed_mentions: NO_MENTIONS };
    for (;;) {
      try {
        return index === 0
          ? await rest<SentMessage>("PATCH", `${base}/messages/@original`, { body })
          : await rest<SentMessage>("POST", `${base}?wait=true`, { body });
      } catch (error) {
        const early = clock.now() - createdAtMs < EARLY_WEBHOOK_WINDOW_MS;
        if (!early || discordCode(error) !== DISCORD_ERRORS.unknownWebhook) throw error;
        await clock.sleep(EARLY_WEBHOOK_RETRY_MS);
      }
    }
  };

  const viaChannel = async (context: OutboundContext, part: string, index: number): Promise<SentMessage> => {
    const { message } = context;
    // The nonce makes a retried post return the message already created instead of a second one.
    const nonce = createHash("sha256").update(`${context.integration.id}:${message.key}:${index}`).digest("base64url").slice(0, 25);
    return rest<SentMessage>("POST", `/channels/${message.threadId ?? message.chatId}/messages`, {
      token: context.secrets.bot_token,
      body: { content: part, nonce, enforce_nonce: true, allowed_mentions: NO_MENTIONS },
    });
  };

  return {
    // The deferred response already shows "… is thinking".
    startTyping: () => () => undefined,

    split: (answer) => splitText(answer, DISCORD_TEXT_LIMIT),

    async sendPart(context, part, index) {
      const expired = clock.now() - replyOf(context).createdAtMs > INTERACTION_TOKEN_BUDGET_MS;
      if (!expired) {
        try {
          return { messageId: (await viaInteraction(context, part, index)).id };
        } catch (error) {
          const code = discordCode(error);
          if (code !== DISCORD_ERRORS.invalidWebhookToken && code !== DISCORD_ERRORS.unknownWebhook) throw error;
          logger.warn("interaction token no longer valid, answering in the channel", { integration_id: context.integration.id });
        }
      }
      return { messageId: (await viaChannel(context, part, index)).id };
    },

    async finish(context, messageIds) {
      const { integration, message } = context;
      const first = messageIds[0];
      if (!integration.threadAutoCreate || message.threadId || !first) return;
      try {
        await rest("POST", `/channels/${message.chatId}/messages/${first}/threads`, {
          token: context.secrets.bot_token,
          body: { name: message.text.slice(0, 100) || "Conversation", auto_archive_duration: 1440 },
        });
      } catch (error) {
        if (discordCode(error) !== DISCORD_ERRORS.threadAlreadyCreated) throw error;
      }
    },
  };
}
