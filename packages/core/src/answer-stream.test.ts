import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { PlatformCallError } from "./errors.ts";
import { DRAFT_REFRESH_MS, createUpdateThrottle, streamAnswer } from "./answer-stream.ts";
import type { StreamedAnswerOptions } from "./answer-stream.ts";
import { systemClock } from "./clock.ts";
import type { OutboundContext, PartStreaming, PlatformClient } from "./ports.ts";

const INTERVAL = 1000;
const FIRST = 200;
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const context = { integration: { id: "int_1" }, secrets: {}, message: {} } as unknown as OutboundContext;

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** Model output the test writes word by word; the stream ends when the test says. */
function modelOutput() {
  const queue: string[] = [];
  let wake: () => void = () => undefined;
  let ended = false;
  let failure: Error | null = null;
  async function* deltas() {
    for (;;) {
      while (queue.length > 0) yield queue.shift()!;
      if (failure) throw failure;
      if (ended) return;
      await new Promise<void>((resolve) => (wake = resolve));
    }
  }
  return {
    deltas: deltas(),
    write: (text: string) => {
      queue.push(text);
      wake();
    },
    end: () => {
      ended = true;
      wake();
    },
    fail: (error: Error) => {
      failure = error;
      wake();
    },
  };
}

/** A platform keeping its messages in memory: parts of at most `limit` characters, split at spaces. */
function memoryPlatform(options: { drafts?: boolean; limit?: number } = {}) {
  const limit = options.limit ?? 1000;
  const messages = new Map<string, string>();
  const calls: string[] = [];
  const drafts: string[] = [];
  let next = 1;
  let failNext: Error | null = null;
  const failing = () => {
    const error = failNext;
    failNext = null;
    if (error) throw error;
  };
  const post = async (part: string) => {
    failing();
    const id = `m${next++}`;
    messages.set(id, part);
    return { messageId: id };
  };
  const streaming: PartStreaming = {
    updateIntervalMs: () => INTERVAL,
    drafts: () => options.drafts ?? false,
    async showDraft(_context, part) {
      failing();
      calls.push(`draft ${part}`);
      drafts.push(part);
    },
    async postPart(_context, part, index) {
      calls.push(`post#${index} ${part}`);
      return post(part);
    },
    async editPart(_context, messageId, part, index, final) {
      calls.push(`edit#${index}${final ? " final" : ""} ${part}`);
      failing();
      messages.set(messageId, part);
    },
    async removePart(_context, messageId, index) {
      calls.push(`remove#${index}`);
      messages.delete(messageId);
    },
  };
  const client: PlatformClient = {
    startTyping: () => () => undefined,
    split(answer) {
      const parts: string[] = [];
      let rest = answer.trim();
      while (rest.length > limit) {
        const cut = rest.lastIndexOf(" ", limit) > 0 ? rest.lastIndexOf(" ", limit) : limit;
        parts.push(rest.slice(0, cut).trim());
        rest = rest.slice(cut).trim();
      }
      if (rest) parts.push(rest);
      return parts;
    },
    async sendPart(_context, part, index) {
      calls.push(`send#${index} ${part}`);
      return post(part);
    },
    streaming,
  };
  return {
    client,
    streaming,
    messages,
    calls,
    drafts,
    failNextWith(error: Error) {
      failNext = error;
    },
  };
}

function options(platform: ReturnType<typeof memoryPlatform>, posted: string[] = [], recorded: string[] = []): StreamedAnswerOptions {
  return {
    clock: systemClock,
    logger: quiet,
    client: platform.client,
    streaming: platform.streaming,
    context,
    posted,
    record: async (id) => {
      recorded.push(id);
    },
    firstDelayMs: FIRST,
  };
}

describe("update throttle", () => {
  test("the first update gathers what arrives in the first moments; later ones come at most once per interval, the last with the newest text", async () => {
    let text = "";
    const seen: string[] = [];
    const throttle = createUpdateThrottle({ clock: systemClock, intervalMs: INTERVAL, firstDelayMs: FIRST }, async () => {
      seen.push(text);
    });
    text = "a";
    throttle.request();
    await vi.advanceTimersByTimeAsync(100);
    text = "a b";
    throttle.request();
    expect(seen).toEqual([]);
    await vi.advanceTimersByTimeAsync(100);
    expect(seen).toEqual(["a b"]);
    for (const word of ["c", "d", "e"]) {
      text += ` ${word}`;
      throttle.request();
      await vi.advanceTimersByTimeAsync(300);
    }
    expect(seen).toEqual(["a b"]);
    await vi.advanceTimersByTimeAsync(100);
    expect(seen).toEqual(["a b", "a b c d e"]);
    await vi.advanceTimersByTimeAsync(5000);
    expect(seen).toEqual(["a b", "a b c d e"]);
    await throttle.stop();
  });

  test("a rate limit slows the updates down instead of failing: the platform's wait, then a doubled interval", async () => {
    const at: number[] = [];
    const start = Date.now();
    let limited = 1;
    const slowed: number[] = [];
    const throttle = createUpdateThrottle(
      { clock: systemClock, intervalMs: INTERVAL, firstDelayMs: 0, onRateLimited: (wait, interval) => slowed.push(wait, interval) },
      async () => {
        at.push(Date.now() - start);
        if (limited-- > 0) throw new PlatformCallError("RATE_LIMITED", "slow down", { retryAfterMs: 3000 });
      },
    );
    throttle.request();
    await vi.advanceTimersByTimeAsync(0);
    expect(at).toEqual([0]);
    await vi.advanceTimersByTimeAsync(2999);
    expect(at).toEqual([0]);
    await vi.advanceTimersByTimeAsync(1);
    expect(at).toEqual([0, 3000]);
    expect(slowed).toEqual([3000, 2 * INTERVAL]);
    throttle.request();
    await vi.advanceTimersByTimeAsync(INTERVAL);
    expect(at).toEqual([0, 3000]);
    await vi.advanceTimersByTimeAsync(INTERVAL);
    expect(at).toEqual([0, 3000, 3000 + 2 * INTERVAL]);
    expect(throttle.failure).toBeUndefined();
    await throttle.stop();
  });

  test("any other failure stops the updates and is kept for the stream to throw", async () => {
    let runs = 0;
    const refused = new PlatformCallError("PLATFORM_ERROR", "bot was kicked");
    const throttle = createUpdateThrottle({ clock: systemClock, intervalMs: INTERVAL, firstDelayMs: 0 }, async () => {
      runs++;
      throw refused;
    });
    throttle.request();
    await vi.advanceTimersByTimeAsync(0);
    throttle.request();
    await vi.advanceTimersByTimeAsync(5 * INTERVAL);
    expect(runs).toBe(1);
    expect(throttle.failure).toBe(refused);
    await throttle.stop();
  });

  test("stopping waits for an update in flight but not for a pending wait", async () => {
    let finishUpdate: () => void = () => undefined;
    let runs = 0;
    const throttle = createUpdateThrottle({ clock: systemClock, intervalMs: 60_000, firstDelayMs: 0 }, async () => {
      runs++;
      await new Promise<void>((resolve) => (finishUpdate = resolve));
    });
    throttle.request();
    await vi.advanceTimersByTimeAsync(0);
    let stopped = false;
    void throttle.stop().then(() => (stopped = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(false);
    finishUpdate();
    await vi.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(true);

    const waiting = createUpdateThrottle({ clock: systemClock, intervalMs: 60_000, firstDelayMs: 0 }, async () => {
      runs++;
    });
    waiting.request();
    await vi.advanceTimersByTimeAsync(0);
    waiting.request();
    let done = false;
    void waiting.stop().then(() => (done = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(done).toBe(true);
    expect(runs).toBe(2);
  });
});

describe("streamAnswer", () => {
  test("posts the first words, edits the part as it grows, and returns the whole text", async () => {
    const platform = memoryPlatform();
    const model = modelOutput();
    const recorded: string[] = [];
    const posted: string[] = [];
    const result = streamAnswer(model.deltas, options(platform, posted, recorded));
    model.write("Hello");
    model.write(" there");
    await vi.advanceTimersByTimeAsync(FIRST);
    expect(platform.calls).toEqual(["post#0 Hello there"]);
    expect(recorded).toEqual(["m1"]);
    model.write(", friend.");
    await vi.advanceTimersByTimeAsync(INTERVAL);
    model.write(" Bye.");
    model.end();
    const streamed = await result;
    expect(streamed.text).toBe("Hello there, friend. Bye.");
    expect(platform.calls).toEqual(["post#0 Hello there", "edit#0 Hello there, friend."]);
    expect(posted).toEqual(["m1"]);
    // The last part's final edit is the responder's: streaming leaves it unfinished.
    expect(streamed.finalized.size).toBe(0);
  });

  test("an answer that finishes before the first update posts nothing: it goes out whole afterwards", async () => {
    const platform = memoryPlatform();
    const model = modelOutput();
    const result = streamAnswer(model.deltas, options(platform));
    model.write("Quick");
    model.write(" answer.");
    model.end();
    expect((await result).text).toBe("Quick answer.");
    expect(platform.calls).toEqual([]);
  });

  test("a text that outgrows a part finishes that part and continues in a new one", async () => {
    const platform = memoryPlatform({ limit: 12 });
    const model = modelOutput();
    const posted: string[] = [];
    const result = streamAnswer(model.deltas, options(platform, posted));
    model.write("one two");
    await vi.advanceTimersByTimeAsync(FIRST);
    model.write(" three four five");
    await vi.advanceTimersByTimeAsync(INTERVAL);
    model.end();
    const streamed = await result;
    expect(platform.calls).toEqual(["post#0 one two", "edit#0 final one two", "send#1 three four", "post#2 five"]);
    expect(posted).toEqual(["m1", "m2", "m3"]);
    expect(streamed.finalized).toEqual(
      new Map([
        [0, "one two"],
        [1, "three four"],
      ]),
    );
  });

  test("in a chat with drafts the growing part is a draft; complete parts are sent as messages", async () => {
    const platform = memoryPlatform({ drafts: true, limit: 12 });
    const model = modelOutput();
    const posted: string[] = [];
    const result = streamAnswer(model.deltas, options(platform, posted));
    model.write("one two");
    await vi.advanceTimersByTimeAsync(FIRST);
    model.write(" three");
    await vi.advanceTimersByTimeAsync(INTERVAL);
    model.write(" four five");
    await vi.advanceTimersByTimeAsync(INTERVAL);
    model.end();
    await result;
    expect(platform.calls).toEqual(["draft one two", "send#0 one two", "draft three", "send#1 three four", "draft five"]);
    expect(posted).toEqual(["m1", "m2"]);
  });

  test("a draft is shown again while the model pauses, before it would fade; the same text is not re-sent sooner", async () => {
    const platform = memoryPlatform({ drafts: true });
    const model = modelOutput();
    const result = streamAnswer(model.deltas, options(platform));
    model.write("Thinking about it");
    await vi.advanceTimersByTimeAsync(FIRST);
    expect(platform.drafts).toEqual(["Thinking about it"]);
    await vi.advanceTimersByTimeAsync(DRAFT_REFRESH_MS - FIRST - 1);
    expect(platform.drafts).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(2 * DRAFT_REFRESH_MS);
    expect(platform.drafts).toEqual(["Thinking about it", "Thinking about it", "Thinking about it"]);
    model.write(", done.");
    model.end();
    await result;
    expect(platform.calls.filter((call) => call.startsWith("post") || call.startsWith("send"))).toEqual([]);
  });

  test("a stream resumed after a crash edits the parts already posted and posts nothing again", async () => {
    const platform = memoryPlatform();
    platform.messages.set("m0", "What the first attempt showed");
    const model = modelOutput();
    const posted = ["m0"];
    const recorded: string[] = [];
    const result = streamAnswer(model.deltas, options(platform, posted, recorded));
    model.write("A different");
    await vi.advanceTimersByTimeAsync(FIRST);
    model.write(" answer");
    model.end();
    await result;
    expect(platform.calls).toEqual(["edit#0 A different"]);
    expect(posted).toEqual(["m0"]);
    expect(recorded).toEqual([]);
  });

  test("a rate limit mid-stream is waited out and the newest text shown after it", async () => {
    const platform = memoryPlatform();
    const model = modelOutput();
    const result = streamAnswer(model.deltas, options(platform));
    model.write("first");
    await vi.advanceTimersByTimeAsync(FIRST);
    platform.failNextWith(new PlatformCallError("RATE_LIMITED", "retry after 2", { retryAfterMs: 2000 }));
    model.write(" second");
    await vi.advanceTimersByTimeAsync(INTERVAL);
    model.write(" third");
    await vi.advanceTimersByTimeAsync(INTERVAL);
    expect(platform.messages.get("m1")).toBe("first");
    await vi.advanceTimersByTimeAsync(INTERVAL);
    expect(platform.messages.get("m1")).toBe("first second third");
    model.end();
    await result;
  });

  test("an update the worker may no longer make (its lease was taken over) ends the stream before anything reaches the platform", async () => {
    const platform = memoryPlatform();
    const model = modelOutput();
    const lost = new Error("lease lost");
    const result = streamAnswer(model.deltas, {
      ...options(platform),
      beforeUpdate: async () => {
        throw lost;
      },
    });
    model.write("words");
    await vi.advanceTimersByTimeAsync(FIRST);
    model.write(" more");
    await expect(result).rejects.toBe(lost);
    expect(platform.calls).toEqual([]);
  });

  test("a platform refusal mid-stream ends the stream with that error; a model failure ends it with the model's", async () => {
    const platform = memoryPlatform();
    const model = modelOutput();
    const result = streamAnswer(model.deltas, options(platform));
    const refused = new PlatformCallError("PLATFORM_ERROR", "Forbidden: bot was kicked");
    platform.failNextWith(refused);
    model.write("first");
    await vi.advanceTimersByTimeAsync(FIRST);
    model.write(" second");
    await expect(result).rejects.toBe(refused);

    const again = modelOutput();
    const cut = new Error("stream cut");
    const second = streamAnswer(again.deltas, options(memoryPlatform()));
    again.write("words");
    again.fail(cut);
    await expect(second).rejects.toBe(cut);
  });
});
