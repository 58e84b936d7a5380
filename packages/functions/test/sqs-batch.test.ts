import type { SQSRecord } from "aws-lambda";
import { describe, expect, test } from "vitest";
import { processBatch } from "../src/sqs-batch.ts";
import type { BatchHandlers } from "../src/sqs-batch.ts";

const record = (id: string, group: string) => ({ messageId: id, body: id, attributes: { MessageGroupId: group } }) as unknown as SQSRecord;

const handlers = (overrides: Partial<BatchHandlers>): BatchHandlers => ({
  handle: async () => undefined,
  onFailure: async () => undefined,
  canStart: () => true,
  handBack: async (untried) => untried.flat(),
  concurrency: 4,
  ...overrides,
});

describe("partial batch processing", () => {
  test("groups run concurrently, a group's records in order", async () => {
    const log: string[] = [];
    let running = 0;
    let peak = 0;
    const response = await processBatch(
      [record("a1", "A"), record("b1", "B"), record("a2", "A"), record("c1", "C")],
      handlers({
        handle: async (r) => {
          running++;
          peak = Math.max(peak, running);
          log.push(`start ${r.messageId}`);
          await new Promise((resolve) => setTimeout(resolve, 20));
          log.push(`end ${r.messageId}`);
          running--;
        },
        concurrency: 2,
      }),
    );
    expect(response).toEqual({ batchItemFailures: [] });
    expect(peak).toBe(2);
    expect(log.indexOf("end a1")).toBeLessThan(log.indexOf("start a2"));
  });

  test("a failure returns that record alone; the rest of its chat still goes on, in order", async () => {
    const handled: string[] = [];
    const failures: string[] = [];
    const response = await processBatch(
      [record("a1", "A"), record("a2", "A"), record("a3", "A"), record("b1", "B")],
      handlers({
        handle: async (r) => {
          handled.push(r.messageId);
          if (r.messageId === "a2") throw new Error("model down");
        },
        onFailure: async (r) => {
          failures.push(r.messageId);
        },
      }),
    );
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: "a2" }]);
    expect(handled.filter((id) => id.startsWith("a"))).toEqual(["a1", "a2", "a3"]);
    expect(handled).toContain("b1");
    expect(failures).toEqual(["a2"]);
  });

  test("once no attempt fits in the time left, nothing more starts: each chat's rest is handed back at once, in order", async () => {
    const handled: string[] = [];
    let timeForMore = true;
    const handedBack: string[][] = [];
    const response = await processBatch(
      [record("a1", "A"), record("a2", "A"), record("b1", "B"), record("a3", "A"), record("c1", "C")],
      handlers({
        handle: async (r) => {
          handled.push(r.messageId);
          timeForMore = false; // the first record took most of the invocation
        },
        canStart: () => timeForMore,
        handBack: async (untried) => {
          handedBack.push(...untried.map((chat) => chat.map((r) => r.messageId)));
          // What the hand-back re-sent as a copy is done here; the rest stays this batch's failure.
          return untried.flat().filter((r) => r.messageId !== "c1");
        },
        concurrency: 1,
      }),
    );
    expect(handled).toEqual(["a1"]);
    expect(handedBack).toEqual([["a2", "a3"], ["b1"], ["c1"]]);
    expect(response.batchItemFailures).toEqual(["a2", "b1", "a3"].map((itemIdentifier) => ({ itemIdentifier })));
  });

  test("a hand-back that fails leaves every untried record failed, never reported done", async () => {
    const response = await processBatch(
      [record("a1", "A"), record("b1", "B")],
      handlers({
        canStart: () => false,
        handBack: async () => {
          throw new Error("SQS unreachable");
        },
      }),
    );
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: "a1" }, { itemIdentifier: "b1" }]);
  });
});
