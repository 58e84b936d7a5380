import type { SQSRecord } from "aws-lambda";
import { describe, expect, test } from "vitest";
import { processBatch } from "../src/sqs-batch.ts";

const record = (id: string, group: string) => ({ messageId: id, body: id, attributes: { MessageGroupId: group } }) as unknown as SQSRecord;

describe("partial batch processing", () => {
  test("groups run concurrently, a group's records in order", async () => {
    const log: string[] = [];
    let running = 0;
    let peak = 0;
    const response = await processBatch(
      [record("a1", "A"), record("b1", "B"), record("a2", "A"), record("c1", "C")],
      async (r) => {
        running++;
        peak = Math.max(peak, running);
        log.push(`start ${r.messageId}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
        log.push(`end ${r.messageId}`);
        running--;
      },
      async () => undefined,
      2,
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
      async (r) => {
        handled.push(r.messageId);
        if (r.messageId === "a2") throw new Error("model down");
      },
      async (r) => {
        failures.push(r.messageId);
      },
      4,
    );
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: "a2" }]);
    expect(handled.filter((id) => id.startsWith("a"))).toEqual(["a1", "a2", "a3"]);
    expect(handled).toContain("b1");
    expect(failures).toEqual(["a2"]);
  });
});
