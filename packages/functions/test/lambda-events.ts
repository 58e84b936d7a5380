import type { APIGatewayProxyEventV2, SQSEvent, SQSRecord } from "aws-lambda";

/** An API Gateway HTTP API (payload 2.0) event as Lambda receives it. */
export function httpApiEvent(options: {
  method: string;
  path: string;
  routeKey: string;
  headers?: Record<string, string>;
  body?: string;
  base64?: boolean;
  pathParameters?: Record<string, string>;
  query?: string;
}): APIGatewayProxyEventV2 {
  const now = Date.now();
  return {
    version: "2.0",
    routeKey: options.routeKey,
    rawPath: options.path,
    rawQueryString: options.query ?? "",
    headers: {
      Host: "abc123.execute-api.eu-west-1.amazonaws.com",
      "X-Forwarded-For": "203.0.113.7",
      "X-Forwarded-Proto": "https",
      ...options.headers,
    },
    requestContext: {
      accountId: "123456789012",
      apiId: "abc123",
      domainName: "abc123.execute-api.eu-west-1.amazonaws.com",
      domainPrefix: "abc123",
      http: { method: options.method, path: options.path, protocol: "HTTP/1.1", sourceIp: "203.0.113.7", userAgent: "test" },
      requestId: `req-${now}`,
      routeKey: options.routeKey,
      stage: "$default",
      time: new Date(now).toUTCString(),
      timeEpoch: now,
    },
    ...(options.pathParameters ? { pathParameters: options.pathParameters } : {}),
    ...(options.body !== undefined
      ? { body: options.base64 ? Buffer.from(options.body).toString("base64") : options.body, isBase64Encoded: options.base64 === true }
      : { isBase64Encoded: false }),
  };
}

/** An SQS FIFO batch as the event source mapping delivers it. */
export function sqsEvent(messages: { id: string; body: string; groupId: string; receiveCount?: number }[]): SQSEvent {
  return {
    Records: messages.map(
      (m): SQSRecord => ({
        messageId: m.id,
        receiptHandle: `rh-${m.id}`,
        body: m.body,
        attributes: {
          ApproximateReceiveCount: String(m.receiveCount ?? 1),
          SentTimestamp: String(Date.now()),
          SenderId: "AIDAEXAMPLE",
          ApproximateFirstReceiveTimestamp: String(Date.now()),
          MessageGroupId: m.groupId,
          MessageDeduplicationId: `d-${m.id}`,
          SequenceNumber: "1",
        },
        messageAttributes: {},
        md5OfBody: "",
        eventSource: "aws:sqs",
        eventSourceARN: "arn:aws:sqs:eu-west-1:123456789012:patchbay-test-ResponderQueue.fifo",
        awsRegion: "eu-west-1",
      }),
    ),
  };
}
