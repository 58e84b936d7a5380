import { NotFoundError, PatchbayError, PlatformCallError } from "./errors.ts";
import { capAnswer } from "./answer-limit.ts";
import { redactSecrets } from "./redact.ts";
import { isPermanentFailure, nextRetry } from "./retry-policy.ts";
import type { RetryPolicy } from "./retry-policy.ts";
import type { Integration, LastError, Platform, Replica, ReplyJob } from "./model.ts";
import type { ModelRouter } from "./model-router.ts";
import { deliveryRef } from "./ports.ts";
import { replicaConversation, samplingSettings, userTurn } from "./prompt.ts";
import type { Clock, DeliveryRef, Logger, OutboundContext, PlatformClient, Store, TokenVault } from "./ports.ts";

export interface ResponderDeps {
  store: Store;
  vault: TokenVault;
  clock: Clock;
  logger: Logger;
  models: ModelRouter;
  platforms: Partial<Record<Platform, PlatformClient>>;
  /** How long one worker holds a message before another may take it over. */
  leaseMs: number;
  /** Longest total wait on platform rate limits within one attempt; longer waits go back to the queue. */
  rateLimitBudgetMs: number;
  /** How many earlier exchanges of the conversation go to the model. */
  historyExchanges: number;
  /** The queue's retry policy: it tells which failed attempt is the last. */
  retry: RetryPolicy;
}

export interface Attempt {
  /** 1 for the first delivery of the job. */
  number: number;
}

/** Thrown when the job should come back later (another worker holds it, or a long rate limit). */
export class RetryLaterError extends PatchbayError {
  readonly retryInMs: number;
  /** Another worker holds the message (as opposed to a long platform rate limit). */
  readonly busy: boolean;

  constructor(message: string, retryInMs: number, busy = false) {
    super("RATE_LIMITED", message);
    this.retryInMs = retryInMs;
    this.busy = busy;
  }
}

export type Responder = ReturnType<typeof createResponder>;

/** Answers one queued message exactly once: claim, generate (or reuse) the answer, send the parts not yet sent. */
export function createResponder(deps: ResponderDeps) {
  const { store, vault, clock, logger } = deps;

  const generate = async (integration: Integration, replica: Replica, job: ReplyJob, context: OutboundContext, client: PlatformClient) => {
    const { provider, model } = deps.models.resolve(replica.model);
    const history = await store.recentTurns(integration.id, job.message.conversationId, deps.historyExchanges, clock.now());
    const messages = replicaConversation(replica, history, userTurn(job.message.text, job.message.userName));
    const stopTyping = client.startTyping(context);
    try {
      return await provider.complete({ model, messages, ...samplingSettings(replica) });
    } finally {
      stopTyping();
    }
  };

  /** Sends one part, waiting out rate limits the platform announces while the attempt's budget lasts. */
  const sendWithRateLimits = async (client: PlatformClient, context: OutboundContext, part: string, index: number, budget: { waitedMs: number }) => {
    for (;;) {
      try {
        return await client.sendPart(context, part, index);
      } catch (error) {
        if (!(error instanceof PlatformCallError) || error.code !== "RATE_LIMITED") throw error;
        const wait = error.retryAfterMs ?? 1000;
        if (budget.waitedMs + wait > deps.rateLimitBudgetMs) throw new RetryLaterError(error.message, wait);
        logger.warn("platform rate limit, waiting", { integration_id: context.integration.id, wait_ms: wait });
        await clock.sleep(wait);
        budget.waitedMs += wait;
      }
    }
  };

  /** A platform's follow-up (a Discord thread) is a courtesy: the answer is out and recorded either way. */
  const finish = async (client: PlatformClient, context: OutboundContext, messageIds: string[]) => {
    try {
      await client.finish?.(context, messageIds);
    } catch (error) {
      logger.warn("platform follow-up failed", {
        integration_id: context.integration.id,
        code: error instanceof PatchbayError ? error.code : "INTERNAL",
      });
    }
  };

  const run = async (job: ReplyJob): Promise<void> => {
    const integration = await store.getIntegration(job.integrationId);
    if (!integration) {
      logger.info("integration gone, dropping job", { integration_id: job.integrationId });
      return;
    }
    // Paused after the message was queued: pausing means no more answers, queued ones included.
    if (!integration.active) {
      await store.recordIgnored(integration.id, job.message, "integration_inactive", new Date(clock.now()).toISOString());
      logger.info("message ignored", { integration_id: integration.id, reason: "integration_inactive" });
      return;
    }
    const claim = await store.claimDelivery(job, clock.now(), deps.leaseMs);
    if (claim.state === "done") return;
    if (claim.state === "busy") throw new RetryLaterError("Another worker is answering this message.", claim.retryInMs, true);
    const ref = deliveryRef(integration.id, job.message);
    // The lease is short so a crashed worker's message is soon taken over; a live worker keeps renewing it.
    const heartbeat = setInterval(() => {
      store.renewLease(ref, clock.now() + deps.leaseMs).catch(() => undefined);
    }, deps.leaseMs / 3);
    try {
      await answer(integration, job, ref, claim);
    } catch (error) {
      await store.releaseDelivery(ref).catch(() => undefined);
      throw error;
    } finally {
      clearInterval(heartbeat);
    }
  };

  const answer = async (
    integration: Integration,
    job: ReplyJob,
    ref: DeliveryRef,
    claim: { answer: string | null; partsSent: number; messageIds: string[] },
  ) => {
    const client = deps.platforms[integration.platform];
    if (!client) throw new PatchbayError("PLATFORM_ERROR", `No ${integration.platform} client in this deployment.`);
    const secrets = await vault.get(integration.id);
    if (!secrets) throw new PatchbayError("INTERNAL", `The secrets of integration "${integration.id}" are missing.`);
    const context: OutboundContext = { integration, secrets, message: job.message };

    let text = claim.answer;
    if (text === null) {
      const replica = await store.getReplica(integration.owner, integration.replicaId);
      if (!replica) throw new NotFoundError("replica", integration.replicaId);
      text = job.greeting
        ? (integration.welcomeMessage ?? replica.greeting ?? `Hi! I'm ${replica.name}. Ask me anything.`)
        : capAnswer(await generate(integration, replica, job, context, client));
    }

    const parts = client.split(text);
    // Only a multi-part answer needs its text kept before sending (a redelivery resumes mid-way with the
    // same text); a one-part answer is recorded with the part, saving a write per message.
    if (claim.answer === null && parts.length > 1) await store.saveAnswer(ref, text);
    const messageIds = [...claim.messageIds];
    const budget = { waitedMs: 0 };
    for (let index = claim.partsSent; index < parts.length; index++) {
      const sent = await sendWithRateLimits(client, context, parts[index]!, index, budget);
      messageIds.push(sent.messageId);
      const last = index === parts.length - 1;
      const latencyMs = clock.now() - Date.parse(job.receivedAt);
      await store.recordPartSent(ref, sent.messageId, last ? { latencyMs, answer: text } : null);
    }
    await store.recordReply(integration.id, new Date(clock.now()).toISOString());
    await finish(client, context, messageIds);
    logger.info("replied", { integration_id: integration.id, key: job.message.key, parts: parts.length });
  };

  return {
    /**
     * Processes a job; throws to have the queue retry it (the queue asks `nextRetry` when). The attempt
     * after which no retry follows is logged as `failed`; a failure the user must fix also becomes the
     * integration's `last_error`.
     */
    async respond(job: ReplyJob, attempt: Attempt): Promise<void> {
      try {
        await run(job);
      } catch (error) {
        const lastError: LastError = {
          code: error instanceof PatchbayError ? error.code : "INTERNAL",
          message: error instanceof PatchbayError ? error.message : "Unexpected failure while answering.",
          at: new Date(clock.now()).toISOString(),
        };
        const fields = { integration_id: job.integrationId, key: job.message.key, attempt: attempt.number, code: lastError.code };
        logger.warn("answer attempt failed", { ...fields, error: redactSecrets(error instanceof Error ? error.message : String(error)) });
        // A message another worker holds is not this attempt's failure to record.
        const busy = error instanceof RetryLaterError && error.busy;
        if (!busy && nextRetry(error, attempt.number, deps.retry).deadLetter) {
          await store.recordFailure(deliveryRef(job.integrationId, job.message), lastError);
          if (isPermanentFailure(error)) await store.recordError(job.integrationId, lastError).catch(() => undefined);
          logger.error("message sent to dead letters", fields);
        }
        throw error;
      }
    },
  };
}
