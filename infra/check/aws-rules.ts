/**
 * AWS's own rules that Pulumi's mocks do not enforce (AWS would reject the deploy, or accept a
 * setup that misbehaves), checked against the values SST emits. Each returns what breaks it.
 */
import type { Deployment } from "./deployment.ts";
import type { RecordedResource } from "./report.ts";

/** Name limits per resource type; a type with a `name` that is not listed here is reported. */
const NAMES: Record<string, { max: number; pattern: RegExp }> = {
  "aws:lambda/function:Function": { max: 64, pattern: /^[A-Za-z0-9_-]+$/ },
  "aws:iam/role:Role": { max: 64, pattern: /^[\w+=,.@-]+$/ },
  "aws:sqs/queue:Queue": { max: 80, pattern: /^[A-Za-z0-9_-]+(\.fifo)?$/ },
  "aws:dynamodb/table:Table": { max: 255, pattern: /^[A-Za-z0-9_.-]{3,}$/ },
  "aws:cloudwatch/logGroup:LogGroup": { max: 512, pattern: /^[\w#/.-]+$/ },
  "aws:scheduler/schedule:Schedule": { max: 64, pattern: /^[0-9A-Za-z_.-]+$/ },
  "aws:apigatewayv2/api:Api": { max: 128, pattern: /^.+$/ },
  "aws:apigatewayv2/stage:Stage": { max: 128, pattern: /^[\w$-]+$/ },
  "aws:sns/topic:Topic": { max: 256, pattern: /^[A-Za-z0-9_-]+(\.fifo)?$/ },
  "aws:cloudwatch/metricAlarm:MetricAlarm": { max: 255, pattern: /^[\x20-\x7e]+$/ },
};

/** HTTP APIs give up on an integration after 30 s; a function needs to finish before that. */
const HTTP_API_FUNCTION_TIMEOUT_SECONDS = 29;
const FIFO_MAX_BATCH = 10;
/** AWS's advice for Lambda consumers of SQS: visibility timeout ≥ 6 × the function timeout. */
const VISIBILITY_PER_TIMEOUT = 6;

export function awsRuleViolations(deployment: Deployment): string[] {
  return [...names(deployment), ...functionLimits(deployment), ...queues(deployment), ...queueConsumers(deployment), ...httpApi(deployment), ...schedules(deployment)];
}

function names(d: Deployment): string[] {
  return d.resources.flatMap((r) => {
    if (!r.custom || typeof r.inputs.name !== "string") return [];
    const rule = NAMES[r.type];
    if (!rule) return [`${r.type} ${r.name}: no name rule in infra/check/aws-rules.ts for this resource type`];
    const name = r.inputs.name;
    if (name.length > rule.max) return [`${r.type} ${r.name}: name "${name}" is ${name.length} characters, AWS allows ${rule.max}`];
    if (!rule.pattern.test(name)) return [`${r.type} ${r.name}: name "${name}" has characters AWS rejects`];
    return [];
  });
}

function functionLimits(d: Deployment): string[] {
  return d.functions().flatMap((fn) => [
    ...(fn.timeoutSeconds < 1 || fn.timeoutSeconds > 900 ? [`${fn.component}: timeout ${fn.timeoutSeconds} s is outside Lambda's 1–900 s`] : []),
    ...(fn.memoryMb < 128 || fn.memoryMb > 10240 ? [`${fn.component}: memory ${fn.memoryMb} MB is outside Lambda's 128–10240 MB`] : []),
    ...(/^bundle\.[A-Za-z_$][\w$]*$/.test(String(fn.resource.inputs.handler)) ? [] : [`${fn.component}: Lambda handler ${String(fn.resource.inputs.handler)} is not bundle.<export>`]),
  ]);
}

function queues(d: Deployment): string[] {
  return d.ofType("aws:sqs/queue:Queue").flatMap((q) => {
    const problems: string[] = [];
    const fifo = q.inputs.fifoQueue === true;
    const visibility = Number(q.inputs.visibilityTimeoutSeconds ?? 30);
    const retention = Number(q.inputs.messageRetentionSeconds ?? 345600);
    if (fifo !== String(q.inputs.name).endsWith(".fifo")) problems.push(`${q.name}: a FIFO queue's name ends in .fifo, and only a FIFO queue's`);
    if (visibility < 0 || visibility > 43200) problems.push(`${q.name}: visibility timeout ${visibility} s is outside SQS's 0–43200 s`);
    if (retention < 60 || retention > 1209600) problems.push(`${q.name}: retention ${retention} s is outside SQS's 60–1209600 s`);
    if (typeof q.inputs.redrivePolicy === "string") {
      const redrive = JSON.parse(q.inputs.redrivePolicy) as { deadLetterTargetArn: string; maxReceiveCount: number };
      const dlq = d.byArn(redrive.deadLetterTargetArn);
      if (!dlq) problems.push(`${q.name}: dead-letter queue ${redrive.deadLetterTargetArn} is not part of the app`);
      else if ((dlq.inputs.fifoQueue === true) !== fifo) problems.push(`${q.name}: its dead-letter queue ${dlq.name} must be ${fifo ? "" : "non-"}FIFO like it`);
      if (redrive.maxReceiveCount < 1 || redrive.maxReceiveCount > 1000) problems.push(`${q.name}: maxReceiveCount ${redrive.maxReceiveCount} is outside 1–1000`);
    }
    return problems;
  });
}

function queueConsumers(d: Deployment): string[] {
  return d.ofType("aws:lambda/eventSourceMapping:EventSourceMapping").flatMap((m) => {
    const queue = d.byArn(m.inputs.eventSourceArn);
    if (queue?.type !== "aws:sqs/queue:Queue") return [];
    const fn = d.functionByArn(m.inputs.functionName);
    const problems: string[] = [];
    const batch = Number(m.inputs.batchSize ?? 10);
    const window = Number(m.inputs.maximumBatchingWindowInSeconds ?? 0);
    if (queue.inputs.fifoQueue === true) {
      if (batch > FIFO_MAX_BATCH) problems.push(`${m.name}: batch size ${batch} on FIFO queue ${queue.name}, AWS allows ${FIFO_MAX_BATCH}`);
      if (window !== 0) problems.push(`${m.name}: batching window ${window} s on FIFO queue ${queue.name}, AWS supports none`);
    } else if (batch > 10 && window < 1) problems.push(`${m.name}: batch size ${batch} needs a batching window of at least 1 s`);
    if (!fn) problems.push(`${m.name}: function ${String(m.inputs.functionName)} is not part of the app`);
    else {
      const visibility = Number(queue.inputs.visibilityTimeoutSeconds ?? 30);
      if (visibility < VISIBILITY_PER_TIMEOUT * fn.timeoutSeconds) {
        problems.push(`${queue.name}: visibility timeout ${visibility} s < ${VISIBILITY_PER_TIMEOUT} × ${fn.component}'s timeout ${fn.timeoutSeconds} s`);
      }
    }
    return problems;
  });
}

function httpApi(d: Deployment): string[] {
  return d.ofType("aws:apigatewayv2/integration:Integration").flatMap((integration) => {
    const problems: string[] = [];
    const timeoutMs = integration.inputs.timeoutMilliseconds;
    if (typeof timeoutMs === "number" && timeoutMs > 30000) problems.push(`${integration.name}: integration timeout ${timeoutMs} ms, HTTP APIs allow 30000`);
    const fn = integration.inputs.integrationType === "AWS_PROXY" ? d.functionByArn(integration.inputs.integrationUri) : undefined;
    if (fn && fn.timeoutSeconds > HTTP_API_FUNCTION_TIMEOUT_SECONDS) {
      problems.push(`${integration.name}: ${fn.component} may run ${fn.timeoutSeconds} s, the HTTP API gives up after 30 s (keep it ≤ ${HTTP_API_FUNCTION_TIMEOUT_SECONDS} s)`);
    }
    return problems;
  });
}

function schedules(d: Deployment): string[] {
  return d.ofType("aws:scheduler/schedule:Schedule").flatMap((s: RecordedResource) => {
    const expression = String(s.inputs.scheduleExpression);
    const rate = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression);
    const valid = rate ? (rate[1] === "1") === !rate[2]!.endsWith("s") : /^(cron\(.+\)|at\(.+\))$/.test(expression);
    return valid ? [] : [`${s.name}: "${expression}" is not a schedule expression EventBridge accepts`];
  });
}
