import { MetricUnit, Metrics as Powertools } from "@aws-lambda-powertools/metrics";
import type { MetricEvent, Metrics } from "@patchbay/core";
import { METRIC, METRICS_NAMESPACE } from "./metric-names.ts";

/**
 * Metrics as CloudWatch embedded metric format lines on stdout (Powertools Metrics): CloudWatch extracts them
 * from the function's logs, so counting costs no API call. One line per outcome, each under two dimension
 * sets — per platform and the stage's total — so alarms read one series. `service` names the stage
 * (`patchbay-<stage>`).
 */
export function createEmfMetrics(service: string): Metrics {
  // Built on the first outcome, not at import: a cold start that has counted nothing pays nothing for it.
  let emf: Powertools | undefined;
  return {
    record(event: MetricEvent) {
      emf ??= new Powertools({ namespace: METRICS_NAMESPACE, serviceName: service });
      // The same line also counts toward the stage's total (the default `service` dimension alone).
      emf.addDimensions({ platform: event.platform });
      emf.addDimensions({});
      addEvent(emf, event);
      // Published at once, synchronously: records answered concurrently never share a line.
      emf.publishStoredMetrics();
    },
  };
}

function addEvent(emf: Powertools, event: MetricEvent): void {
  switch (event.name) {
    case "received":
      emf.addMetric(METRIC.received, MetricUnit.Count, 1);
      if (event.ignored) {
        emf.addMetric(METRIC.ignored, MetricUnit.Count, 1);
        emf.addMetadata("reason", event.ignored);
      }
      return;
    case "ignored":
      emf.addMetric(METRIC.ignored, MetricUnit.Count, 1);
      emf.addMetadata("reason", event.reason);
      return;
    case "answered":
      emf.addMetric(METRIC.answered, MetricUnit.Count, 1);
      emf.addMetric(METRIC.answerLatency, MetricUnit.Milliseconds, event.answerLatencyMs);
      if (event.modelLatencyMs !== null) emf.addMetric(METRIC.modelLatency, MetricUnit.Milliseconds, event.modelLatencyMs);
      return;
    case "failed":
      emf.addMetric(METRIC.failedAttempts, MetricUnit.Count, 1);
      if (event.final) emf.addMetric(METRIC.failed, MetricUnit.Count, 1);
      emf.addMetadata("code", event.code);
      return;
  }
}
