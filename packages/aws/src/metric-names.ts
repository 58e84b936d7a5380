/** The CloudWatch namespace of every Patchbay metric; each stage's are told apart by the `service` dimension. */
export const METRICS_NAMESPACE = "Patchbay";

/** Metric names as they appear in CloudWatch: emitted by emf-metrics.ts, alarmed on and charted by infra/monitoring.ts. */
export const METRIC = {
  received: "Received",
  ignored: "Ignored",
  answered: "Answered",
  failedAttempts: "FailedAttempts",
  failed: "Failed",
  answerLatency: "AnswerLatency",
  modelLatency: "ModelLatency",
} as const;

/** The `service` dimension of a stage's metrics: `<app>-<stage>`. */
export const metricsService = (app: string, stage: string) => `${app}-${stage}`;
