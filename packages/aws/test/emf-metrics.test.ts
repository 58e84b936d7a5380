import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import type { MetricEvent } from "@patchbay/core";
import { createEmfMetrics } from "../src/emf-metrics.ts";

/** The EMF lines written to stdout while `record` runs, parsed. */
let lines: Record<string, unknown>[];
beforeEach(() => {
  lines = [];
  const write = process.stdout.write.bind(process.stdout);
  vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const text = String(chunk);
    if (text.includes('"_aws"')) {
      for (const line of text.trim().split("\n")) lines.push(JSON.parse(line) as Record<string, unknown>);
      return true;
    }
    return write(chunk, ...(rest as []));
  });
});
afterEach(() => vi.restoreAllMocks());

const DIMENSIONS = [["service", "platform"], ["service"]];

function emitted(event: MetricEvent) {
  createEmfMetrics("patchbay-prod").record(event);
  expect(lines).toHaveLength(1);
  const { _aws, ...fields } = lines[0]! as { _aws: { Timestamp: number; CloudWatchMetrics: unknown[] } } & Record<string, unknown>;
  expect(Math.abs(_aws.Timestamp - Date.now())).toBeLessThan(60_000);
  return { directives: _aws.CloudWatchMetrics, fields };
}

describe("metrics in CloudWatch's embedded metric format", () => {
  test("a message queued for an answer counts as Received, per platform and for the stage", () => {
    expect(emitted({ name: "received", platform: "telegram", ignored: null })).toEqual({
      directives: [{ Namespace: "Patchbay", Dimensions: DIMENSIONS, Metrics: [{ Name: "Received", Unit: "Count" }] }],
      fields: { service: "patchbay-prod", platform: "telegram", Received: 1 },
    });
  });

  test("a message the rules ignore counts as Received and Ignored, with the reason beside it (not a dimension)", () => {
    expect(emitted({ name: "received", platform: "slack", ignored: "not_addressed" })).toEqual({
      directives: [{ Namespace: "Patchbay", Dimensions: DIMENSIONS, Metrics: [{ Name: "Received", Unit: "Count" }, { Name: "Ignored", Unit: "Count" }] }],
      fields: { service: "patchbay-prod", platform: "slack", Received: 1, Ignored: 1, reason: "not_addressed" },
    });
  });

  test("a queued message the responder ignores counts as Ignored only", () => {
    expect(emitted({ name: "ignored", platform: "discord", reason: "integration_inactive" })).toEqual({
      directives: [{ Namespace: "Patchbay", Dimensions: DIMENSIONS, Metrics: [{ Name: "Ignored", Unit: "Count" }] }],
      fields: { service: "patchbay-prod", platform: "discord", Ignored: 1, reason: "integration_inactive" },
    });
  });

  test("an answer counts as Answered with its latency and the model's, in milliseconds", () => {
    expect(emitted({ name: "answered", platform: "telegram", answerLatencyMs: 2150, modelLatencyMs: 1980 })).toEqual({
      directives: [
        {
          Namespace: "Patchbay",
          Dimensions: DIMENSIONS,
          Metrics: [
            { Name: "Answered", Unit: "Count" },
            { Name: "AnswerLatency", Unit: "Milliseconds" },
            { Name: "ModelLatency", Unit: "Milliseconds" },
          ],
        },
      ],
      fields: { service: "patchbay-prod", platform: "telegram", Answered: 1, AnswerLatency: 2150, ModelLatency: 1980 },
    });
  });

  test("an answer no model wrote (a greeting) has no ModelLatency", () => {
    const { fields } = emitted({ name: "answered", platform: "slack", answerLatencyMs: 40, modelLatencyMs: null });
    expect(fields).toEqual({ service: "patchbay-prod", platform: "slack", Answered: 1, AnswerLatency: 40 });
  });

  test("a failed attempt counts as FailedAttempts; the last one, sent to the dead letters, also as Failed", () => {
    const retried = emitted({ name: "failed", platform: "telegram", code: "MODEL_ERROR", final: false });
    expect(retried).toEqual({
      directives: [{ Namespace: "Patchbay", Dimensions: DIMENSIONS, Metrics: [{ Name: "FailedAttempts", Unit: "Count" }] }],
      fields: { service: "patchbay-prod", platform: "telegram", FailedAttempts: 1, code: "MODEL_ERROR" },
    });
    lines = [];
    const final = emitted({ name: "failed", platform: "telegram", code: "PLATFORM_ERROR", final: true });
    expect(final.fields).toEqual({ service: "patchbay-prod", platform: "telegram", FailedAttempts: 1, Failed: 1, code: "PLATFORM_ERROR" });
  });

  test("outcomes recorded one after another are separate lines: nothing carries over", () => {
    const metrics = createEmfMetrics("patchbay-dev");
    metrics.record({ name: "received", platform: "telegram", ignored: "bot_message" });
    metrics.record({ name: "received", platform: "discord", ignored: null });
    expect(lines.map(({ _aws, ...fields }) => fields)).toEqual([
      { service: "patchbay-dev", platform: "telegram", Received: 1, Ignored: 1, reason: "bot_message" },
      { service: "patchbay-dev", platform: "discord", Received: 1 },
    ]);
  });
});
