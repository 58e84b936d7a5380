import { LeaseLostError, NotFoundError, PatchbayError, PlatformCallError } from "./errors.ts";
import { holdLease } from "./delivery-lease.ts";
import type { HeldLease } from "./delivery-lease.ts";
import { capAnswer } from "./answer-limit.ts";
import { streamAnswer } from "./answer-stream.ts";
import type { StreamedAnswer } from "./answer-stream.ts";
import { redactSecrets } from "./redact.ts";
import { isPermanentFailure, nextRetry } from "./retry-policy.ts";
import type { RetryPolicy } from "./retry-policy.ts";
import type { ChatMessage, Integration, LastError, Platform, Replica, ReplyJob } from "./model.ts";
import type { ModelRouter } from "./model-router.ts";
import { noMetrics } from "./metrics.ts";
import type { Metrics } from "./metrics.ts";
import { deliveryRef, platformMessageId } from "./ports.ts";
import { replicaConversation, samplingSettings, userTurn } from "./prompt.ts";
import { gatherImages, imageDownloader } from "./images.ts";
import type { Clock, LeasedRef, Logger, OutboundContext, PlatformClient, SentPart, Store, TokenVault } from "./ports.ts";

/** Ends the words a stream had shown when no attempt is left to finish them (Markdown, formatted like the answer). */
const CUT_OFF_NOTE = "_(The answer was cut off. Ask again to get it whole.)_";

/** Another integration's id is not this one's owner's business: the detail does not name it. */
const DELIVERED_BEFORE = "the platform delivered this message before to an earlier integration of the same bot";

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
  /** Answers, failures and their latencies, counted for dashboards and alarms. */
  metrics?: Metrics;
}

export interface Attempt {
  /**
   * The queue's count of deliveries, 1 for the first. Once the message is claimed the responder sets it to
   * Patchbay's own count of attempts (kept with the message), so the caller's retry decision and the
   * responder's use the same number: a delivery nobody started is no attempt.
   */
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
  const { store, vault, clock, logger, metrics = noMetrics } = deps;

  /** The model's answer: streamed onto the platform as it is written when `show` is given, else whole. */
  const generate = async (
    ref: LeasedRef,
    replica: Replica,
    job: ReplyJob,
    context: OutboundContext,
    client: PlatformClient,
    history: ChatMessage[],
    show: ((deltas: AsyncIterable<string>) => Promise<StreamedAnswer>) | null,
  ): Promise<StreamedAnswer> => {
    const { provider, model } = deps.models.resolve(replica.model);
    const stopTyping = client.startTyping(context);
    try {
      const gathered = await gatherImages(job.message.images, { acceptsImages: provider.acceptsImages(model), download: imageDownloader(client, context) });
      if (gathered) await store.recordImages(ref, gathered.report);
      const messages = replicaConversation(replica, history, userTurn(job.message.text, job.message.userName, gathered));
      const request = { model, messages, ...samplingSettings(replica) };
      return show ? await show(provider.stream(request)) : { text: await provider.complete(request), finalized: new Map() };
    } finally {
      stopTyping();
    }
  };

  /** Makes one platform call, waiting out rate limits the platform announces while the attempt's budget lasts. */
  const withRateLimits = async <T>(context: OutboundContext, budget: { waitedMs: number }, call: () => Promise<T>): Promise<T> => {
    for (;;) {
      try {
        return await call();
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

  /** A message another worker holds (or took over) is not this attempt's failure to record. */
  const isBusy = (error: unknown) => (error instanceof RetryLaterError && error.busy) || error instanceof LeaseLostError;

  /** Whether this failure ends the message's attempts (it then goes to dead letters). */
  const givesUp = (error: unknown, attemptNumber: number) => !isBusy(error) && nextRetry(error, attemptNumber, deps.retry).deadLetter;

  /**
   * The last attempt failed mid-stream: the last message on screen keeps this attempt's words, marked as cut off,
   * rather than stopping mid-sentence with no sign that nothing more will come. Best effort; an attempt that
   * wrote nothing for that message leaves it as it is.
   */
  const markCutOff = async (client: PlatformClient, context: OutboundContext, posted: string[], written: string) => {
    const index = posted.length - 1;
    const shown = client.split(capAnswer(written))[index];
    if (!client.streaming || index < 0 || !shown) return;
    const [noted] = client.split(`${shown}…\n\n${CUT_OFF_NOTE}`);
    try {
      await client.streaming.editPart(context, posted[index]!, noted!, index, true);
    } catch (error) {
      logger.warn("could not mark a streamed answer as cut off", { integration_id: context.integration.id, code: error instanceof PatchbayError ? error.code : "INTERNAL" });
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

  /** One attempt; `attempt` learns Patchbay's count of attempts at the message once it is claimed. */
  const run = async (job: ReplyJob, attempt: Attempt, onClaim: (ref: LeasedRef) => void): Promise<void> => {
    const integration = await store.getIntegration(job.integrationId);
    if (!integration) {
      logger.info("integration gone, dropping job", { integration_id: job.integrationId });
      return;
    }
    // Paused after the message was queued: pausing means no more answers, queued ones included.
    if (!integration.active) {
      await store.recordIgnored(integration.id, job.message, "integration_inactive", new Date(clock.now()).toISOString());
      metrics.record({ name: "ignored", platform: integration.platform, reason: "integration_inactive" });
      logger.info("message ignored", { integration_id: integration.id, reason: "integration_inactive" });
      return;
    }
    // The same bot connected again under a new integration (or a replay sent to it) gets a message its earlier
    // integration took: answered once, by the platform's identity. Checked here, off the webhook's ack path.
    const holder = await store.claimPlatformMessage(platformMessageId(integration, job.message.key), integration.id, clock.now());
    if (holder !== null) {
      await store.recordIgnored(integration.id, job.message, "duplicate_delivery", new Date(clock.now()).toISOString(), DELIVERED_BEFORE);
      metrics.record({ name: "ignored", platform: integration.platform, reason: "duplicate_delivery" });
      logger.info("message ignored", { integration_id: integration.id, reason: "duplicate_delivery" });
      return;
    }
    const claim = await store.claimDelivery(job, clock.now(), deps.leaseMs);
    if (claim.state === "done") return;
    if (claim.state === "busy") throw new RetryLaterError("Another worker is answering this message.", claim.retryInMs, true);
    attempt.number = claim.attempt;
    const ref: LeasedRef = { ...deliveryRef(integration.id, job.message), lease: claim.lease };
    onClaim(ref);
    // The lease is short so a crashed worker's message is soon taken over; a live worker keeps renewing it.
    const lease = holdLease(store, clock, ref, deps.leaseMs);
    try {
      await answer(integration, job, ref, claim, lease, attempt);
    } catch (error) {
      // Released only while this claim holds it: never another worker's.
      await store.releaseDelivery(ref).catch(() => undefined);
      throw error;
    } finally {
      lease.stop();
    }
  };

  const answer = async (
    integration: Integration,
    job: ReplyJob,
    ref: LeasedRef,
    claim: { answer: string | null; partsSent: number; messageIds: string[] },
    lease: HeldLease,
    attempt: Attempt,
  ) => {
    const client = deps.platforms[integration.platform];
    if (!client) throw new PatchbayError("PLATFORM_ERROR", `No ${integration.platform} client in this deployment.`);
    const secrets = await vault.get(integration.id);
    if (!secrets) throw new PatchbayError("INTERNAL", `The secrets of integration "${integration.id}" are missing.`);
    const context: OutboundContext = { integration, secrets, message: job.message };

    const { streaming } = client;
    const posted = [...claim.messageIds];
    let text = claim.answer;
    let finalized = new Map<number, string>();
    let modelLatencyMs: number | null = null;
    if (text === null) {
      const replica = await store.getReplica(integration.owner, integration.replicaId);
      if (!replica) throw new NotFoundError("replica", integration.replicaId);
      const welcome = integration.welcomeMessage ?? replica.greeting ?? `Hi! I'm ${replica.name}. Ask me anything.`;
      if (job.greeting) {
        text = welcome;
      } else {
        const history = await store.recentTurns(integration.id, job.message.conversationId, deps.historyExchanges, clock.now());
        // Greeted answers are not streamed: the welcome comes first, in the same message.
        const greet = client.greetsFirstDirectMessage === true && job.message.isDirect && history.length === 0;
        let writtenSoFar = "";
        const show =
          streaming && replica.stream && !greet
            ? (deltas: AsyncIterable<string>) =>
              streamAnswer(deltas, {
                clock,
                logger,
                client,
                streaming,
                context,
                posted,
                record: (messageId) => store.recordPartSent(ref, messageId, null),
                beforeUpdate: () => lease.ensure(),
                onText: (written) => (writtenSoFar = written),
              })
          : null;
        const generating = clock.now();
        const generated = await generate(ref, replica, job, context, client, history, show).catch(async (error: unknown) => {
          if (givesUp(error, attempt.number)) await markCutOff(client, context, posted, writtenSoFar);
          throw error;
        });
        modelLatencyMs = clock.now() - generating;
        text = capAnswer(greet ? `${welcome}\n\n${generated.text}` : generated.text);
        finalized = generated.finalized;
      }
    }

    const parts = client.split(text);
    // The text is kept before it is sent whenever a redelivery could resume mid-way (more than one part, or
    // parts a stream posted that still show unfinished text), so it resumes with the same text; a one-part
    // answer is recorded with the part, saving a write per message.
    if (claim.answer === null && (parts.length > 1 || posted.length > 0)) await store.saveAnswer(ref, text);
    const budget = { waitedMs: 0 };
    const latencyMs = () => clock.now() - Date.parse(job.receivedAt);
    // Parts an earlier attempt streamed beyond this answer's end go first, so a redelivery never leaves one behind
    // (an empty answer, with no part to keep, deletes nothing).
    if (streaming && parts.length > 0 && posted.length > parts.length) {
      await lease.ensure();
      for (const [index, messageId] of posted.entries()) {
        if (index >= parts.length) await withRateLimits(context, budget, () => streaming.removePart(context, messageId, index));
      }
      posted.length = parts.length;
    }
    for (const [index, part] of parts.entries()) {
      const last = index === parts.length - 1;
      // A worker overtaken while it stalled sends nothing more: the message is the other worker's now.
      await lease.ensure();
      if (index < posted.length) {
        // Posted while streaming (maybe by an attempt that crashed): edited to the finished text.
        if (streaming && finalized.get(index) !== part) {
          await withRateLimits(context, budget, () => streaming.editPart(context, posted[index]!, part, index, true));
        }
        if (last) await store.recordAnswered(ref, { latencyMs: latencyMs(), answer: text }, posted);
        continue;
      }
      const sent: SentPart = await withRateLimits(context, budget, () => client.sendPart(context, part, index));
      posted.push(sent.messageId);
      await store.recordPartSent(ref, sent.messageId, last ? { latencyMs: latencyMs(), answer: text } : null);
    }
    await store.recordReply(integration.id, new Date(clock.now()).toISOString());
    await finish(client, context, posted);
    metrics.record({ name: "answered", platform: integration.platform, answerLatencyMs: latencyMs(), modelLatencyMs });
    logger.info("replied", { integration_id: integration.id, key: job.message.key, parts: parts.length });
  };

  return {
    /**
     * Processes a job; throws to have the queue retry it (the queue asks `nextRetry` when). The attempt
     * after which no retry follows is logged as `failed`; a failure the user must fix also becomes the
     * integration's `last_error`.
     */
    async respond(job: ReplyJob, attempt: Attempt): Promise<void> {
      // The attempt's claim, if it got one: a failure is recorded under it, never over another worker's.
      let claimed: LeasedRef | undefined;
      try {
        await run(job, attempt, (ref) => (claimed = ref));
      } catch (error) {
        const lastError: LastError = {
          code: error instanceof PatchbayError ? error.code : "INTERNAL",
          message: error instanceof PatchbayError ? error.message : "Unexpected failure while answering.",
          at: new Date(clock.now()).toISOString(),
        };
        const fields = { integration_id: job.integrationId, key: job.message.key, attempt: attempt.number, code: lastError.code };
        logger.warn("answer attempt failed", { ...fields, error: redactSecrets(error instanceof Error ? error.message : String(error)) });
        const busy = isBusy(error);
        const final = givesUp(error, attempt.number);
        // Coming back later (held elsewhere, a long rate limit) is not a failed attempt.
        if (!(error instanceof RetryLaterError) && !busy) metrics.record({ name: "failed", platform: job.platform, code: lastError.code, final });
        if (final) {
          await store.recordFailure(claimed ?? deliveryRef(job.integrationId, job.message), lastError);
          if (isPermanentFailure(error)) await store.recordError(job.integrationId, lastError).catch(() => undefined);
          logger.error("message sent to dead letters", fields);
        }
        throw error;
      }
    },
  };
}
