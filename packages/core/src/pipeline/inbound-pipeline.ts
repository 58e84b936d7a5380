import { NotFoundError, PatchbayError, UnauthorizedError } from "../errors.ts";
import type { Integration, Platform, ReplyJob } from "../model.ts";
import type { Metrics } from "../metrics.ts";
import { noMetrics } from "../metrics.ts";
import type { Clock, Logger, MessageQueue, SeenChannel, Store, TokenVault } from "../ports.ts";
import { decide } from "./decide.ts";
import { createIntegrationCache } from "./integration-cache.ts";
import type { Decision } from "./decide.ts";
import type { LoggedMessage, PlatformEvent } from "./platform-event.ts";
import { readBodyCapped } from "./read-body.ts";
import type { WebhookDriver } from "./webhook-driver.ts";

/** How often a chat the bot is active in is re-recorded for the channel listing. */
const SEEN_CHAT_REFRESH_MS = 60 * 60 * 1000;
/** Bound on the per-process memory of recently recorded chats. */
const SEEN_CHAT_MEMORY = 10_000;

type Ignored = Extract<Decision, { answer: false }>;

/** A driver whose secret and route types are its own business: the registry holds drivers of different types. */
export type AnyWebhookDriver = WebhookDriver<any, any>;

export interface InboundPipelineDeps {
  store: Store;
  vault: TokenVault;
  queue: MessageQueue;
  clock: Clock;
  logger: Logger;
  drivers: Partial<Record<Platform, AnyWebhookDriver>>;
  metrics?: Metrics;
  /** How long webhooks are answered from a copy of their integration (default INTEGRATION_CACHE_TTL_MS). */
  integrationCacheTtlMs?: number;
}

export interface WebhookTarget {
  platform: string;
  integrationId: string;
  /** For the log lines of refused webhooks. */
  requestId: string;
}

/** The outcome of one delivery, whichever transport carried it. */
export interface Ingested {
  event: PlatformEvent;
  /** Null for handshakes, which are answered and never logged. */
  decision: Decision | null;
}

export type InboundPipeline = ReturnType<typeof createInboundPipeline>;

/**
 * The one webhook pipeline: look up the integration, verify, read JSON, let the platform's driver validate
 * and normalise, decide, record or enqueue, acknowledge. Long polling, Socket Mode and the Discord Gateway
 * enter at `ingest` with an event they carried; webhooks enter at `handleWebhook` with the raw request.
 */
export function createInboundPipeline({ store, vault, queue, clock, logger, drivers, metrics = noMetrics, integrationCacheTtlMs }: InboundPipelineDeps) {
  const seenChats = new Map<string, number>();
  const integrations = createIntegrationCache({ store, vault, clock, ttlMs: integrationCacheTtlMs });

  const remember = async (integrationId: string, chat: SeenChannel) => {
    const key = `${integrationId}:${chat.id}`;
    const now = clock.now();
    if (now - (seenChats.get(key) ?? 0) < SEEN_CHAT_REFRESH_MS) return;
    await store.rememberChannel(integrationId, chat);
    if (seenChats.size >= SEEN_CHAT_MEMORY) seenChats.clear();
    seenChats.set(key, now);
  };

  const refuse = (error: PatchbayError, target: WebhookTarget): never => {
    logger.warn("webhook refused", {
      request_id: target.requestId,
      integration_id: target.integrationId,
      platform: target.platform,
      code: error.code,
    });
    throw error;
  };

  /** Logs a delivery that is not answered (in the integration's events unless a handshake), and why. */
  const ignore = async (integration: Integration, logged: LoggedMessage | null, decision: Ignored, at: string): Promise<Decision> => {
    if (logged) {
      await store.recordIgnored(integration.id, logged, decision.reason, at, decision.detail);
      metrics.record({ name: "received", platform: integration.platform, ignored: decision.reason });
    }
    logger.info("message ignored", { integration_id: integration.id, reason: decision.reason, ...(decision.detail ? { detail: decision.detail } : {}) });
    return decision;
  };

  /** Records or enqueues one normalised event for an integration; the decision says which. */
  const ingest = async (integration: Integration, event: PlatformEvent): Promise<Decision | null> => {
    const decision = decide(integration, event);
    if ("chat" in event && event.chat) await remember(integration.id, event.chat);
    if (decision === null) return null;
    const at = new Date(clock.now()).toISOString();
    if (!decision.answer) return ignore(integration, event.kind === "handshake" ? null : event.kind === "message" ? event.message : event.logged, decision, at);
    if (event.kind !== "message") return decision;
    const job: ReplyJob = {
      integrationId: integration.id,
      platform: integration.platform,
      message: event.message,
      receivedAt: at,
      ...(event.greeting ? { greeting: true } : {}),
    };
    await queue.enqueue(job, {
      groupId: `${integration.id}:${event.message.conversationId}`,
      dedupeId: `${integration.id}:${event.message.key}`,
    });
    metrics.record({ name: "received", platform: integration.platform, ignored: null });
    return decision;
  };

  /** Parses a body some transport already authenticated (a verified webhook, a poll result, a socket frame). */
  const ingestBody = async (integration: Integration, body: unknown): Promise<Ingested> => {
    const driver = drivers[integration.platform];
    if (!driver) throw new PatchbayError("PLATFORM_ERROR", `${integration.platform} is not available in this deployment.`);
    const event: PlatformEvent = driver.parse(body, integration, new Date(clock.now()).toISOString());
    return { event, decision: await ingest(integration, event) };
  };

  return {
    ingest,
    ingestBody,
    /** Forgets the cached copy of an integration written in this process (see `forgettingWrites`). */
    forget: integrations.forget,

    /** Answers a platform's POST; throws the PatchbayError the HTTP layer turns into 401, 404, 400 or 413. */
    async handleWebhook(request: Request, target: WebhookTarget): Promise<Response> {
      const driver = drivers[target.platform as Platform];
      if (!driver) return refuse(new NotFoundError("webhook platform", target.platform), target);
      const cached = await integrations.get(target.integrationId);
      if (!cached || cached.integration.platform !== driver.platform) {
        return refuse(new NotFoundError("integration", target.integrationId), target);
      }
      const { integration } = cached;
      const body = await readBodyCapped(request, driver.maxBodyBytes);
      const verified = await driver.verify(
        { body, headers: request.headers },
        {
          integration,
          secrets: async () => {
            const bundle = await cached.secrets();
            return bundle ? driver.readSecrets(bundle) : null;
          },
          nowMs: clock.now(),
        },
      );
      if (!verified) return refuse(new UnauthorizedError("The webhook request's secret or signature does not verify."), target);

      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        throw new PatchbayError("INVALID_JSON", "The webhook body is not JSON.");
      }
      const { event, decision } = await ingestBody(integration, json);
      return driver.acknowledge(event, decision);
    },
  };
}
