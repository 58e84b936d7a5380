import type { IgnoreReason, InboundMessage, Integration, ReplyJob } from "./model.ts";
import type { Clock, Logger, MessageQueue, Store } from "./ports.ts";

/** How a platform message relates to the bot, as the platform parser sees it. */
export interface Addressing {
  /** Mentions the bot, replies to it, or is a command for it. */
  addressed: boolean;
  /** Asks for the greeting (welcome message) instead of a model answer, e.g. Telegram's /start. */
  greeting?: boolean | undefined;
}

export type Decision = { answer: true } | { answer: false; reason: IgnoreReason };

/** The answering rules of design.md §3, the same for every platform. */
export function decide(integration: Integration, message: InboundMessage, addressing: Addressing): Decision {
  if (!integration.active) return { answer: false, reason: "integration_inactive" };
  if (integration.scope === "none") return { answer: false, reason: "scope_none" };
  if (message.isDirect) return { answer: true };
  if (integration.channelIds.length > 0 && !integration.channelIds.includes(message.chatId)) {
    return { answer: false, reason: "channel_not_allowed" };
  }
  if (integration.scope === "all" || addressing.addressed) return { answer: true };
  return { answer: false, reason: "not_addressed" };
}

export interface InboundDeps {
  store: Store;
  queue: MessageQueue;
  clock: Clock;
  logger: Logger;
}

export type InboundHandler = ReturnType<typeof createInboundHandler>;

/** Applies the rules, then either logs the message as ignored or durably enqueues it for the responder. */
export function createInboundHandler({ store, queue, clock, logger }: InboundDeps) {
  return {
    async accept(integration: Integration, message: InboundMessage, addressing: Addressing): Promise<Decision> {
      const decision = decide(integration, message, addressing);
      const at = new Date(clock.now()).toISOString();
      if (!decision.answer) {
        await store.recordIgnored(integration.id, message, decision.reason, at);
        logger.info("message ignored", { integration_id: integration.id, key: message.key, reason: decision.reason });
        return decision;
      }
      const job: ReplyJob = {
        integrationId: integration.id,
        platform: integration.platform,
        message,
        receivedAt: at,
        ...(addressing.greeting ? { greeting: true } : {}),
      };
      await queue.enqueue(job, {
        groupId: `${integration.id}:${message.conversationId}`,
        dedupeId: `${integration.id}:${message.key}`,
      });
      return decision;
    },
  };
}
