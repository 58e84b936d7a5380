import { PatchbayError, PlatformCallError } from "./errors.ts";
import { capAnswer } from "./answer-limit.ts";
import type { Clock, Logger, OutboundContext, PartStreaming, PlatformClient } from "./ports.ts";

/** Words that arrive this soon after the first are shown with it: a fast answer then goes out whole, in one call. */
export const FIRST_UPDATE_DELAY_MS = 200;
/** However often a platform says "too many requests", a stream still shows progress this often. */
export const MAX_UPDATE_INTERVAL_MS = 15_000;
/** A draft is a short-lived preview (Telegram's lasts about 30 s): while the model pauses, it is shown again this often. */
export const DRAFT_REFRESH_MS = 20_000;

/** Runs a platform update at most once per interval, never two at once, and once more after the last request. */
export interface UpdateThrottle {
  /** Asks for an update with the newest text (coalesced with any other request before it runs). */
  request(): void;
  /** The first failure that was not a rate limit, if one happened (the stream should stop). */
  readonly failure: unknown;
  /** Stops scheduling: waits for an update in flight, never for a pending wait. */
  stop(): Promise<void>;
}

export interface UpdateThrottleOptions {
  clock: Clock;
  /** Least time between the starts of two updates. */
  intervalMs: number;
  /** How long after the first request the first update runs. */
  firstDelayMs: number;
  /** Told when the platform slowed the stream down. */
  onRateLimited?: (waitMs: number, intervalMs: number) => void;
}

/**
 * A rate limit (429) does not fail the stream: the platform's wait is honoured before the next update, the
 * interval doubles (up to MAX_UPDATE_INTERVAL_MS), and the newest text goes out then.
 */
export function createUpdateThrottle(options: UpdateThrottleOptions, update: () => Promise<void>): UpdateThrottle {
  const { clock } = options;
  let interval = options.intervalMs;
  let nextAt: number | null = null;
  let dirty = false;
  let stopped = false;
  let failure: unknown;
  let running: Promise<void> | null = null;
  let wakeStop: () => void = () => undefined;
  const stopping = new Promise<void>((resolve) => (wakeStop = resolve));

  const loop = async () => {
    while (dirty && !stopped && failure === undefined) {
      const wait = (nextAt ?? clock.now()) - clock.now();
      if (wait > 0) await Promise.race([clock.sleep(wait), stopping]);
      if (stopped) break;
      dirty = false;
      nextAt = clock.now() + interval;
      try {
        await update();
      } catch (error) {
        if (!(error instanceof PlatformCallError) || error.code !== "RATE_LIMITED") {
          failure = error;
          break;
        }
        const waitMs = error.retryAfterMs ?? interval;
        interval = Math.min(interval * 2, MAX_UPDATE_INTERVAL_MS);
        nextAt = clock.now() + Math.max(waitMs, interval);
        dirty = true;
        options.onRateLimited?.(waitMs, interval);
      }
    }
    running = null;
  };

  return {
    request() {
      if (stopped) return;
      dirty = true;
      nextAt ??= clock.now() + options.firstDelayMs;
      running ??= loop();
    },
    get failure() {
      return failure;
    },
    async stop() {
      stopped = true;
      wakeStop();
      await running;
    },
  };
}

export interface StreamedAnswerOptions {
  clock: Clock;
  logger: Logger;
  client: PlatformClient;
  streaming: PartStreaming;
  context: OutboundContext;
  /** Ids of the parts already posted for this message (an earlier attempt's stream); parts posted now are added. */
  posted: string[];
  /** Keeps a newly posted part's id before anything else is shown, so a redelivery edits it instead of posting again. */
  record(messageId: string): Promise<void>;
  /** Asked before each update reaches the platform; throws to stop the stream (a worker overtaken while it stalled). */
  beforeUpdate?: () => Promise<void>;
  /** Told the text written so far as it grows (what is left of it if the stream fails). */
  onText?: (text: string) => void;
  /** Delay before the first update (default FIRST_UPDATE_DELAY_MS; unit tests set it). */
  firstDelayMs?: number;
}

/** What streaming left on the platform: the parts whose finished text is already shown, by index. */
export interface StreamedAnswer {
  text: string;
  finalized: Map<number, string>;
}

/**
 * Shows an answer while the model writes it and returns the whole text. The text so far is split like a
 * finished answer: the last part is a draft (where the chat has drafts) or a posted part that is edited as it
 * grows; parts before it are complete and are posted or edited to their finished text. Parts already posted
 * by an earlier attempt are edited, never posted again.
 */
export async function streamAnswer(deltas: AsyncIterable<string>, options: StreamedAnswerOptions): Promise<StreamedAnswer> {
  const { client, streaming, context, posted } = options;
  const drafts = streaming.drafts?.(context) === true;
  const shown = new Map<number, string>();
  const finalized = new Map<number, string>();
  let draft = "";
  let draftAt = 0;
  let text = "";

  const update = async () => {
    await options.beforeUpdate?.();
    const parts = client.split(capAnswer(text));
    for (const [index, part] of parts.entries()) {
      const last = index === parts.length - 1;
      if (index < posted.length) {
        if (shown.get(index) === part && (last || finalized.get(index) === part)) continue;
        await streaming.editPart(context, posted[index]!, part, index, !last);
      } else if (last && drafts) {
        if (draft !== part || options.clock.now() - draftAt >= DRAFT_REFRESH_MS) {
          await streaming.showDraft?.(context, part);
          draftAt = options.clock.now();
        }
        draft = part;
        continue;
      } else {
        const sent = last ? await streaming.postPart(context, part, index) : await client.sendPart(context, part, index);
        posted.push(sent.messageId);
        await options.record(sent.messageId);
      }
      shown.set(index, part);
      if (!last) finalized.set(index, part);
    }
  };

  const throttle = createUpdateThrottle(
    {
      clock: options.clock,
      intervalMs: streaming.updateIntervalMs(context),
      firstDelayMs: options.firstDelayMs ?? FIRST_UPDATE_DELAY_MS,
      onRateLimited: (waitMs, intervalMs) =>
        options.logger.warn("platform rate limit while streaming, slowing down", { integration_id: context.integration.id, wait_ms: waitMs, interval_ms: intervalMs }),
    },
    update,
  );
  // A draft left alone fades: while no words come, it is shown again before it would.
  let writing = true;
  let wake: () => void = () => undefined;
  const ended = new Promise<void>((resolve) => (wake = resolve));
  const keepDraft = async () => {
    while (writing) {
      const due = draft === "" ? DRAFT_REFRESH_MS : draftAt + DRAFT_REFRESH_MS - options.clock.now();
      // At least a second apart, so a refresh still waiting for its turn is not asked for again and again.
      await Promise.race([options.clock.sleep(Math.max(due, 1000)), ended]);
      if (writing && draft !== "" && options.clock.now() - draftAt >= DRAFT_REFRESH_MS) throttle.request();
    }
  };
  const keeping = drafts ? keepDraft() : Promise.resolve();
  try {
    for await (const delta of deltas) {
      text += delta;
      options.onText?.(text);
      if (throttle.failure !== undefined) break;
      if (text.trim() !== "") throttle.request();
    }
  } finally {
    writing = false;
    wake();
    await keeping;
    await throttle.stop();
  }
  if (throttle.failure !== undefined) throw asError(throttle.failure);
  return { text, finalized };
}

function asError(failure: unknown): Error {
  return failure instanceof Error ? failure : new PatchbayError("INTERNAL", String(failure));
}
