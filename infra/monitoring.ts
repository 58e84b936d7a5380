import { METRIC, METRICS_NAMESPACE, metricsService } from "../packages/aws/src/metric-names.ts";

/** CloudWatch's finest period for standard metrics and alarms on them. */
const PERIOD_SECONDS = 300;
/** A message waiting longer than this is stuck: retries back off to 5 minutes at most, answers take seconds. */
export const OLDEST_MESSAGE_ALARM_SECONDS = 900;
/** Share of answer attempts failing (in percent, over one period) that wakes someone up. */
export const FAILURE_RATE_ALARM_PERCENT = 20;
/** Attempts in a period below which a failure rate says nothing (one failure in two messages is not an outage). */
const FAILURE_RATE_MIN_ATTEMPTS = 5;

export interface MonitoredResources {
  queue: sst.aws.Queue;
  dlq: sst.aws.Queue;
  responder: $util.Output<sst.aws.Function>;
  reconciler: $util.Output<sst.aws.Function>;
}

/**
 * A stage's health: alarms on what needs a person (dead letters, a stuck queue, a responder failing, a
 * reconciler failing), sent to one SNS topic (its ARN is the `alarmTopicArn` output: subscribe an e-mail to
 * it), and a dashboard of the metrics the functions emit in embedded metric format (packages/aws/src/emf-metrics.ts).
 */
export function addMonitoring({ queue, dlq, responder, reconciler }: MonitoredResources) {
  const topic = new sst.aws.SnsTopic("Alarms");
  const service = metricsService($app.name, $app.stage);
  const notify = { alarmActions: [topic.arn], okActions: [topic.arn], treatMissingData: "notBreaching" };
  const queueName = queue.nodes.queue.name;
  const dlqName = dlq.nodes.queue.name;
  const reconcilerName = reconciler.name;
  const stageMetric = (metricName: string) => ({
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensions: { service },
    period: PERIOD_SECONDS,
    stat: "Sum",
  });

  const alarms = [
    new aws.cloudwatch.MetricAlarm("DeadLettersAlarm", {
      name: `${$app.name}-${$app.stage}-dead-letters`,
      alarmDescription: `Messages Patchbay (${$app.stage}) gave up on are in the dead-letter queue: see \`npm run dlq -- list --stage ${$app.stage}\`.`,
      namespace: "AWS/SQS",
      metricName: "ApproximateNumberOfMessagesVisible",
      dimensions: { QueueName: dlqName },
      statistic: "Maximum",
      period: PERIOD_SECONDS,
      evaluationPeriods: 1,
      threshold: 1,
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      ...notify,
    }),
    new aws.cloudwatch.MetricAlarm("OldestMessageAlarm", {
      name: `${$app.name}-${$app.stage}-oldest-message`,
      alarmDescription: `A message has waited over ${OLDEST_MESSAGE_ALARM_SECONDS / 60} minutes on the responder queue (${$app.stage}): the responder is not keeping up or is failing.`,
      namespace: "AWS/SQS",
      metricName: "ApproximateAgeOfOldestMessage",
      dimensions: { QueueName: queueName },
      statistic: "Maximum",
      period: PERIOD_SECONDS,
      evaluationPeriods: 1,
      threshold: OLDEST_MESSAGE_ALARM_SECONDS,
      comparisonOperator: "GreaterThanThreshold",
      ...notify,
    }),
    new aws.cloudwatch.MetricAlarm("ResponderFailureRateAlarm", {
      name: `${$app.name}-${$app.stage}-responder-failure-rate`,
      alarmDescription: `Over ${FAILURE_RATE_ALARM_PERCENT}% of answer attempts failed (${$app.stage}): see the responder's "answer attempt failed" log lines.`,
      metricQueries: [
        { id: "failed", metric: stageMetric(METRIC.failedAttempts), returnData: false },
        { id: "answered", metric: stageMetric(METRIC.answered), returnData: false },
        {
          id: "rate",
          label: "failed attempts (%)",
          expression: `IF(FILL(failed, 0) + FILL(answered, 0) >= ${FAILURE_RATE_MIN_ATTEMPTS}, 100 * FILL(failed, 0) / (FILL(failed, 0) + FILL(answered, 0)), 0)`,
          returnData: true,
        },
      ],
      evaluationPeriods: 1,
      threshold: FAILURE_RATE_ALARM_PERCENT,
      comparisonOperator: "GreaterThanThreshold",
      ...notify,
    }),
    new aws.cloudwatch.MetricAlarm("ReconcilerFailuresAlarm", {
      name: `${$app.name}-${$app.stage}-reconciler-failures`,
      alarmDescription: `The reconciler (${$app.stage}) failed two runs in a row: webhooks are not being repaired; see its log group.`,
      namespace: "AWS/Lambda",
      metricName: "Errors",
      dimensions: { FunctionName: reconcilerName },
      statistic: "Sum",
      period: PERIOD_SECONDS,
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
      threshold: 1,
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      ...notify,
    }),
  ];

  const region = aws.getRegionOutput().name;
  const dashboard = new aws.cloudwatch.Dashboard("Dashboard", {
    dashboardName: `${$app.name}-${$app.stage}`,
    dashboardBody: $resolve([region, queueName, dlqName, responder.name, reconcilerName, ...alarms.map((a) => a.arn)]).apply(
      ([region, queue, dlq, responderName, reconcilerName, ...alarmArns]) =>
        JSON.stringify(dashboardBody({ region, service, queue, dlq, responderName, reconcilerName, alarmArns })),
    ),
  });

  return { topic, alarms, dashboard };
}

interface DashboardNames {
  region: string;
  service: string;
  queue: string;
  dlq: string;
  responderName: string;
  reconcilerName: string;
  alarmArns: string[];
}

/** Widgets: alarms first, then messages by outcome and by platform, latency, the queue, the functions' errors. */
function dashboardBody({ region, service, queue, dlq, responderName, reconcilerName, alarmArns }: DashboardNames) {
  const ns = METRICS_NAMESPACE;
  const sum = { stat: "Sum", period: PERIOD_SECONDS };
  const chart = (title: string, metrics: unknown[], properties: Record<string, unknown> = {}) => ({
    type: "metric",
    width: 12,
    height: 6,
    properties: { title, region, view: "timeSeries", metrics, ...properties },
  });
  const byPlatform = (metric: string) => ({
    expression: `SEARCH('{${ns},service,platform} service="${service}" MetricName="${metric}"', 'Sum', ${PERIOD_SECONDS})`,
    label: `${metric} by platform`,
  });
  return {
    widgets: [
      { type: "alarm", width: 24, height: 3, properties: { title: "Alarms", alarms: alarmArns } },
      chart("Messages", [
        [ns, METRIC.received, "service", service, sum],
        [ns, METRIC.ignored, "service", service, sum],
        [ns, METRIC.answered, "service", service, sum],
        [ns, METRIC.failedAttempts, "service", service, sum],
        [ns, METRIC.failed, "service", service, sum],
      ]),
      chart("Received and answered, by platform", [[byPlatform(METRIC.received)], [byPlatform(METRIC.answered)]]),
      chart("Answer latency (ms, from receipt to the last part sent)", [
        [ns, METRIC.answerLatency, "service", service, { stat: "p50", period: PERIOD_SECONDS }],
        [ns, METRIC.answerLatency, "service", service, { stat: "p99", period: PERIOD_SECONDS }],
      ]),
      chart("Model latency (ms)", [
        [ns, METRIC.modelLatency, "service", service, { stat: "p50", period: PERIOD_SECONDS }],
        [ns, METRIC.modelLatency, "service", service, { stat: "p99", period: PERIOD_SECONDS }],
      ]),
      chart("Responder queue", [
        ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", queue, { stat: "Maximum", period: PERIOD_SECONDS }],
        ["AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName", queue, { stat: "Maximum", period: PERIOD_SECONDS, yAxis: "right" }],
        ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", dlq, { stat: "Maximum", period: PERIOD_SECONDS, label: "dead letters" }],
      ]),
      chart("Function errors", [
        ["AWS/Lambda", "Errors", "FunctionName", responderName, sum],
        ["AWS/Lambda", "Errors", "FunctionName", reconcilerName, sum],
        ["AWS/Lambda", "Throttles", "FunctionName", responderName, sum],
      ]),
    ],
  };
}
