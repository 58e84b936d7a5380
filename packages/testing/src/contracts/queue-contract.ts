import { describe, expect, test } from "vitest";
import type { MessageQueue, ReplyJob } from "@patchbay/core";

export interface QueueUnderTest {
  queue: MessageQueue;
  /** The jobs the queue holds for delivery, in delivery order. */
  received(): Promise<ReplyJob[]>;
}

export function sampleJob(key: string, conversationId = "chat-1"): ReplyJob {
  return {
    integrationId: "int_contract",
    platform: "telegram",
    receivedAt: "2026-01-01T00:00:00.000Z",
    message: {
      key,
      conversationId,
      chatId: conversationId,
      isDirect: true,
      messageId: "1",
      threadId: null,
      userId: "42",
      userName: "Ada",
      text: `hello ${key}`,
      sentAt: "2026-01-01T00:00:00.000Z",
      route: {},
    },
  };
}

/** What every MessageQueue must do; run by each implementation's tests. */
export function describeQueueContract(name: string, makeQueue: () => Promise<QueueUnderTest>) {
  describe(`MessageQueue contract: ${name}`, () => {
    test("an enqueued job is delivered intact", async () => {
      const { queue, received } = await makeQueue();
      const job = sampleJob("u1");
      await queue.enqueue(job, { groupId: "int_contract:chat-1", dedupeId: "int_contract:u1" });
      expect(await received()).toEqual([job]);
    });

    test("jobs of one group keep their order", async () => {
      const { queue, received } = await makeQueue();
      for (const key of ["u1", "u2", "u3"]) {
        await queue.enqueue(sampleJob(key), { groupId: "g", dedupeId: key });
      }
      expect((await received()).map((j) => j.message.key)).toEqual(["u1", "u2", "u3"]);
    });

    test("the same dedupe id is accepted once", async () => {
      const { queue, received } = await makeQueue();
      await queue.enqueue(sampleJob("u1"), { groupId: "g", dedupeId: "same" });
      await queue.enqueue(sampleJob("u1"), { groupId: "g", dedupeId: "same" });
      expect(await received()).toHaveLength(1);
    });

    test("ping resolves when the queue is reachable", async () => {
      const { queue } = await makeQueue();
      await expect(queue.ping()).resolves.toBeUndefined();
    });
  });
}
