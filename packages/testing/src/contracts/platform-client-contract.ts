import { describe, expect, test } from "vitest";
import { PlatformCallError } from "@patchbay/core";
import type { OutboundContext, PlatformClient } from "@patchbay/core";

export interface PlatformClientUnderTest {
  client: PlatformClient;
  /** Where a reply goes: a chat the fake platform knows. */
  context: OutboundContext;
  /** The platform's length limit for one message. */
  limit: number;
  /** The texts the platform shows for what was sent to that chat, in order. */
  sent(): Promise<string[]>;
  /** The platform answers the next send with a rate limit of `seconds`. */
  rateLimitNext(seconds: number): void;
  /** For a client that streams: what a message shows now, and a rate limit on the next streamed update. */
  streamed?: {
    shown(messageId: string): Promise<string | undefined>;
    rateLimitNextUpdate(seconds: number): void;
  };
}

const paragraph = (i: number) => `Paragraph ${i} ${"lorem ipsum dolor sit amet ".repeat(12).trim()}.`;

/** What every PlatformClient must do; each runs it against its platform's fake on loopback. */
export function describePlatformClientContract(name: string, make: () => Promise<PlatformClientUnderTest>) {
  describe(`PlatformClient contract: ${name}`, () => {
    test("splits a long answer into parts under the limit, in order, losing nothing", async () => {
      const { client, limit } = await make();
      const answer = Array.from({ length: 60 }, (_, i) => paragraph(i)).join("\n\n");
      const parts = client.split(answer);
      expect(parts.length).toBeGreaterThan(1);
      for (const part of parts) expect(part.length).toBeLessThanOrEqual(limit);
      expect(parts.join("\n\n")).toBe(answer);
    });

    test("sends the parts in order; each gets the platform's message id", async () => {
      const { client, context, sent } = await make();
      const ids: string[] = [];
      for (const [index, part] of ["first part", "second part", "third part"].entries()) {
        ids.push((await client.sendPart(context, part, index)).messageId);
      }
      expect(new Set(ids).size).toBe(3);
      expect((await sent()).slice(-3)).toEqual(["first part", "second part", "third part"]);
    });

    test("a rate limit surfaces as RATE_LIMITED with the wait the platform asked for", async () => {
      const { client, context, rateLimitNext } = await make();
      rateLimitNext(2);
      const failure = await client.sendPart(context, "hello", 0).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(PlatformCallError);
      expect(failure).toMatchObject({ code: "RATE_LIMITED", retryAfterMs: 2000 });
    });

    test("a streamed part is posted with its first words and edited in place to its final text; the same text again is no error", async () => {
      const { client, context, streamed } = await make();
      if (!client.streaming || !streamed) return expect(client.streaming).toBeUndefined();
      const { messageId } = await client.streaming.postPart(context, "First words", 0);
      expect(await streamed.shown(messageId)).toBe("First words");
      await client.streaming.editPart(context, messageId, "First words and more", 0, false);
      expect(await streamed.shown(messageId)).toBe("First words and more");
      await client.streaming.editPart(context, messageId, "First words and more, finished.", 0, true);
      await client.streaming.editPart(context, messageId, "First words and more, finished.", 0, true);
      expect(await streamed.shown(messageId)).toBe("First words and more, finished.");
      expect(client.streaming.updateIntervalMs(context)).toBeGreaterThanOrEqual(1000);
    });

    test("a rate limit on a streamed update surfaces as RATE_LIMITED with the platform's wait; the next update goes through", async () => {
      const { client, context, streamed } = await make();
      if (!client.streaming || !streamed) return expect(client.streaming).toBeUndefined();
      const { messageId } = await client.streaming.postPart(context, "Slow", 0);
      streamed.rateLimitNextUpdate(3);
      const failure = await client.streaming.editPart(context, messageId, "Slow down", 0, false).catch((e: unknown) => e);
      expect(failure).toMatchObject({ code: "RATE_LIMITED", retryAfterMs: 3000 });
      await client.streaming.editPart(context, messageId, "Slow down, then finish.", 0, true);
      expect(await streamed.shown(messageId)).toBe("Slow down, then finish.");
    });

    test("a streamed part a shorter final answer no longer needs is deleted; one already gone is no error", async () => {
      const { client, context, streamed } = await make();
      if (!client.streaming || !streamed) return expect(client.streaming).toBeUndefined();
      const first = await client.streaming.postPart(context, "Kept", 0);
      const second = await client.sendPart(context, "No longer needed", 1);
      await client.streaming.removePart(context, second.messageId, 1);
      await client.streaming.removePart(context, second.messageId, 1);
      expect(await streamed.shown(second.messageId)).toBeUndefined();
      expect(await streamed.shown(first.messageId)).toBe("Kept");
    });

    test("the typing signal can be started and stopped without failing", async () => {
      const { client, context } = await make();
      const stop = client.startTyping(context);
      expect(typeof stop).toBe("function");
      stop();
    });
  });
}
