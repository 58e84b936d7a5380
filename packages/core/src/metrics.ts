import type { IgnoreReason, Platform } from "./model.ts";

/** One outcome worth counting on a deployed stage's dashboard and alarms. */
export type MetricEvent =
  /** A message reached the pipeline: queued for an answer, or ignored by the answering rules (`ignored` says why). */
  | { name: "received"; platform: Platform; ignored: IgnoreReason | null }
  /** A queued message the responder did not answer (its integration was paused meanwhile). */
  | { name: "ignored"; platform: Platform; reason: IgnoreReason }
  /** The answer's last part is out: from the message's receipt, and the model's share (null when no model ran: a greeting, a resumed answer). */
  | { name: "answered"; platform: Platform; answerLatencyMs: number; modelLatencyMs: number | null }
  /** An attempt to answer failed; `final` when no retry follows (the message goes to the dead letters). */
  | { name: "failed"; platform: Platform; code: string; final: boolean };

/** Where outcomes are counted (CloudWatch's embedded metric format on AWS; nowhere locally). Never throws, never waits. */
export interface Metrics {
  record(event: MetricEvent): void;
}

/** For runtimes that keep no metrics (the local stack, tests that do not look at them). */
export const noMetrics: Metrics = { record: () => undefined };
