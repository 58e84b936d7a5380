import { PlatformCallError } from "@patchbay/core";
import type { Integration } from "@patchbay/core";
import { BOT_API_TIMEOUT_MS, createTelegramBotApi, getTelegramUpdates } from "@patchbay/platforms/telegram";
import type { OffsetStore } from "./offset-store.ts";
import { DEFAULT_BACKOFF, backoffMs, codeOf, createProblemReporter, pause } from "./transport.ts";
import type { Backoff, Transport, TransportDeps } from "./transport.ts";

export interface TelegramPollingOptions {
  /** Bot API base (TELEGRAM_API_URL). */
  apiUrl: string;
  offsets: OffsetStore;
  /** How long each getUpdates waits for an update to arrive (Telegram allows up to 50 s). */
  pollTimeoutSeconds?: number;
  backoff?: Backoff;
}

/** Long enough to make one request a minute or two, short enough that a stop never waits on Telegram. */
const POLL_TIMEOUT_S = 25;

/**
 * Telegram by long polling, for one integration: getUpdates from the kept offset, each update handed to the
 * pipeline like a webhook delivery (answering rules, dedupe, activity log, enqueue), then the offset moved
 * past it on disk. The offset is written only after the pipeline took the update, so a crash in between
 * fetches it again, and the pipeline's dedupe (the queue's dedupe id, the delivery record) answers it once.
 * Problems the owner must fix (another consumer, a webhook set elsewhere, a revoked token) go to `last_error`.
 */
export function startTelegramPolling(deps: TransportDeps, integration: Integration, options: TelegramPollingOptions): Transport {
  const { store, vault, pipeline, logger } = deps;
  const id = integration.id;
  const api = createTelegramBotApi({ apiUrl: options.apiUrl, timeoutMs: BOT_API_TIMEOUT_MS });
  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  const problems = createProblemReporter(deps, id);
  const stopping = new AbortController();
  const { signal } = stopping;

  const run = async () => {
    let offset = await options.offsets.read(id).catch((error: unknown) => {
      // Telegram still holds every update it was not told we have: from its oldest one, dedupe answers each once.
      logger.error("telegram polling offset unreadable; polling from Telegram's oldest pending update", { integration_id: id, error: String(error) });
      return undefined;
    });
    let failures = 0;
    while (!signal.aborted) {
      try {
        const token = (await vault.get(id))?.bot_token;
        if (!token) return; // no secrets: the integration is being deleted
        const updates = await getTelegramUpdates(api, token, { offset, timeoutSeconds: options.pollTimeoutSeconds ?? POLL_TIMEOUT_S, signal });
        if (failures > 0) await problems.clear();
        failures = 0;
        for (const update of updates) {
          if (signal.aborted) return;
          // Read fresh for each update: the answering rules are the ones in force when it arrives.
          const current = await store.getIntegration(id);
          if (!current) return;
          await pipeline.ingestBody(current, update.body);
          // Memory follows the disk: an offset that could not be written is not used to confirm either.
          await options.offsets.write(id, update.updateId + 1);
          offset = update.updateId + 1;
        }
      } catch (error) {
        if (signal.aborted) return;
        failures++;
        const wait = error instanceof PlatformCallError && error.retryAfterMs !== undefined ? error.retryAfterMs : backoffMs(backoff, failures);
        if (error instanceof PlatformCallError && (error.details.conflict !== undefined || !error.retryable)) {
          await problems.report(error).catch(() => undefined);
        }
        logger.warn("telegram polling failed", { integration_id: id, code: codeOf(error), retry_in_ms: wait, ...conflictOf(error) });
        await pause(wait, signal);
      }
    }
  };

  const running = run().catch((error: unknown) => {
    logger.error("telegram polling stopped", { integration_id: id, error: String(error) });
  });
  logger.info("telegram polling started", { integration_id: id });

  return {
    async stop() {
      stopping.abort();
      await running;
    },
  };
}

function conflictOf(error: unknown): { conflict?: unknown } {
  return error instanceof PlatformCallError && error.details.conflict !== undefined ? { conflict: error.details.conflict } : {};
}
