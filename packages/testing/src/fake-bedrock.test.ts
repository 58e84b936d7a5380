import { connect } from "node:http2";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { startFakeBedrock } from "./fake-bedrock.ts";
import type { FakeBedrock } from "./fake-bedrock.ts";

/** One raw HTTP/2 request, unsigned: what the fake says before any SDK is involved (signed traffic is tested through the SDK in @patchbay/models). */
async function raw(fake: FakeBedrock, path: string, body: unknown, headers: Record<string, string> = {}) {
  const session = connect(fake.endpoint);
  try {
    return await new Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }>((resolve, reject) => {
      const request = session.request({ ":method": "POST", ":path": path, "content-type": "application/json", ...headers });
      let status = 0;
      let responseHeaders: Record<string, unknown> = {};
      const chunks: Buffer[] = [];
      request.on("response", (h) => {
        status = Number(h[":status"]);
        responseHeaders = h;
      });
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () => resolve({ status, headers: responseHeaders, body: Buffer.concat(chunks) }));
      request.on("error", reject);
      request.end(JSON.stringify(body));
    });
  } finally {
    session.close();
  }
}

describe("fake Bedrock", () => {
  let bedrock: FakeBedrock;
  beforeAll(async () => {
    bedrock = await startFakeBedrock();
  });
  afterEach(() => bedrock.reset());
  afterAll(() => bedrock.close());

  test("an unsigned request is refused the AWS way and recorded as unsigned", async () => {
    const answer = await raw(bedrock, "/model/m/converse", { messages: [] });
    expect(answer.status).toBe(403);
    expect(answer.headers["x-amzn-errortype"]).toMatch(/^MissingAuthenticationTokenException:/);
    expect(JSON.parse(answer.body.toString())).toEqual({ message: "Missing Authentication Token" });
    expect(bedrock.requests[0]).toMatchObject({ operation: "converse", modelId: "m", signature: "missing", status: 403 });
  });

  test("a forged signature with the right access key is InvalidSignatureException", async () => {
    const authorization = `AWS4-HMAC-SHA256 Credential=${bedrock.credentials.accessKeyId}/20261202/us-east-1/bedrock/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=${"0".repeat(64)}`;
    const answer = await raw(bedrock, "/model/a%3A0/converse-stream", { messages: [] }, { authorization, "x-amz-date": "20261202T100000Z" });
    expect(answer.headers["x-amzn-errortype"]).toMatch(/^InvalidSignatureException:/);
    expect(bedrock.requests[0]).toMatchObject({ operation: "converse-stream", modelId: "a:0", signature: "invalid", scope: { region: "us-east-1", service: "bedrock" } });
  });
});
