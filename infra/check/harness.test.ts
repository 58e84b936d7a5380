/**
 * The evaluation's own promise: when SST or Pulumi starts relying on something the stand-ins do
 * not provide (after an upgrade, say), the check fails and names it instead of guessing.
 */
import { rm } from "node:fs/promises";
import { request } from "node:http";
import { expect, test } from "vitest";
import { startCliServer } from "./cli-rpc.ts";
import { evaluate } from "./evaluate.ts";
import { renderPolicyDocument } from "./policy-document.ts";
import { seededCopy } from "./seeded-copy.ts";

function post(url: string, body: unknown): Promise<{ result?: unknown; error?: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/rpc`, { method: "POST" }, (res) => {
      let data = "";
      res.on("data", (chunk: Buffer) => (data += chunk.toString()));
      res.on("end", () => resolve(JSON.parse(data) as { result?: unknown; error?: string }));
    });
    req.on("error", reject);
    req.end(JSON.stringify(body));
  });
}

test("an RPC method the CLI stand-in does not implement is answered with an error and reported", async () => {
  const unknown: string[] = [];
  const url = await startCliServer({ "Runtime.Build": async () => ({ handler: "bundle.handler" }) }, (method) => unknown.push(method));
  const reply = await post(url, { jsonrpc: "1.0", method: "Runtime.AddTarget", params: [{}] });
  // Not "rpc: can't find…", which SST's callers may take for "nothing to do".
  expect(reply.error).toMatch(/does not implement RPC method Runtime\.AddTarget/);
  expect(unknown).toEqual(["Runtime.AddTarget"]);
  expect(await post(url, { jsonrpc: "1.0", method: "Runtime.Build", params: [{}] })).toEqual({ result: { handler: "bundle.handler" } });
});

test("a provider function the mocks do not answer fails the evaluation, naming it", { timeout: 120_000 }, async () => {
  const root = await seededCopy([
    { file: "infra/secrets.ts", from: "  const region = aws.getRegionOutput().region;", to: "  const region = aws.getRegionOutput().region;\n  aws.getAvailabilityZonesOutput();" },
  ]);
  try {
    const { errors } = await evaluate({ stage: "dev" }, { root });
    expect(errors).toContain("provider function aws:index/getAvailabilityZones:getAvailabilityZones is not mocked by the check (infra/check/pulumi-mocks.ts)");
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test("a policy statement field the renderer does not know is an error, not dropped", () => {
  expect(() => renderPolicyDocument({ statements: [{ actions: ["s3:GetObject"], resources: ["*"], principal: "x" }] })).toThrow(/principal not rendered/);
  expect(() => renderPolicyDocument({ statements: [], overridePolicyDocuments: [] })).toThrow(/overridePolicyDocuments not rendered/);
});
