/**
 * Pulumi's mocks standing in for the engine and AWS, recording what SST registers. Two corrections
 * make SST behave as under the real engine: URNs qualify a child's type with its parent's full
 * chain, without the root stack (SST takes link types from them); and each registration's
 * `retainOnDelete` is kept, which Pulumi's mock API does not pass on.
 * A provider function or resource provider these mocks do not know is an error, never a guess.
 */
import { createRequire } from "node:module";
import { join } from "node:path";
import type { Json, RecordedResource } from "./report.ts";
import { ACCOUNT, PARTITION, REGION } from "./mock-account.ts";
import { renderPolicyDocument } from "./policy-document.ts";

/** The few members of `@pulumi/pulumi` the check uses (the copy under .sst/platform, as SST's). */
interface PulumiSdk {
  runtime: {
    setMocks(mocks: Mocks, project: string, stack: string, preview: boolean): Promise<void>;
    runInPulumiStack(init: () => Promise<unknown>): Promise<Record<string, unknown> | undefined>;
    specialSigKey: string;
    specialSecretSig: string;
    specialResourceSig: string;
    specialAssetSig: string;
    specialArchiveSig: string;
    specialOutputValueSig: string;
    unknownValue: string;
  };
}
interface Mocks {
  call(args: { token: string; inputs: Record<string, unknown> }): Record<string, unknown>;
  newResource(args: { type: string; name: string; inputs: Record<string, unknown>; custom?: boolean }): { id: string | undefined; state: Record<string, unknown> };
}
/** What MockMonitor receives for a registration (a RegisterResourceRequest). */
interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getCustom(): boolean;
  getObject(): { toJavaScript(): Record<string, unknown> } | undefined;
  hasRetainondelete(): boolean;
  getRetainondelete(): boolean;
}
interface MockMonitorPrototype {
  newUrn(parent: string | undefined, type: string, name: string): string;
  registerResource(req: RegisterRequest, callback: unknown): Promise<void>;
}

export interface Recorder {
  resources: RecordedResource[];
  problem(message: string): void;
}

export function loadPulumi(platform: string): { sdk: PulumiSdk; monitor: MockMonitorPrototype } {
  const require = createRequire(join(platform, "package.json"));
  const sdk = require("@pulumi/pulumi") as PulumiSdk;
  const { MockMonitor } = require("@pulumi/pulumi/runtime/mocks") as { MockMonitor?: { prototype: Partial<MockMonitorPrototype> } };
  const prototype = MockMonitor?.prototype;
  if (typeof prototype?.newUrn !== "function" || typeof prototype.registerResource !== "function") {
    throw new Error("@pulumi/pulumi changed: runtime/mocks MockMonitor has no newUrn/registerResource, which the check patches");
  }
  return { sdk, monitor: prototype as MockMonitorPrototype };
}

export async function installMocks(pulumi: ReturnType<typeof loadPulumi>, app: { name: string; stage: string }, recorder: Recorder): Promise<void> {
  const { sdk, monitor } = pulumi;
  /** The registration MockMonitor is about to ask `newResource` about (it asks synchronously). */
  let pending: RecordedResource | undefined;
  const urnOf = (parent: string | undefined, type: string, name: string) => {
    const parentType = parent ? parent.split("::")[2] : undefined;
    const qualified = parentType && parentType !== "pulumi:pulumi:Stack" ? `${parentType}$${type}` : type;
    return `urn:pulumi:${app.stage}::${app.name}::${qualified}::${name}`;
  };
  monitor.newUrn = (parent, type, name) => urnOf(parent, type, name);

  const register = monitor.registerResource;
  monitor.registerResource = function (this: unknown, req, callback) {
    const parent = req.getParent() || undefined;
    const urn = urnOf(parent, req.getType(), req.getName());
    const { value, secrets } = plainInputs(sdk, req.getObject()?.toJavaScript() ?? {});
    pending = {
      urn,
      type: req.getType(),
      name: req.getName(),
      parent,
      custom: req.getCustom(),
      inputs: value,
      secretInputs: secrets,
      outputs: {},
      retainOnDelete: req.hasRetainondelete() ? req.getRetainondelete() : undefined,
    };
    recorder.resources.push(pending);
    return register.call(this, req, callback);
  };

  await sdk.runtime.setMocks(
    {
      call({ token, inputs }) {
        const answer = providerFunction(token, inputs);
        if (!answer) {
          // Pulumi reports a failed call without its message: record it where the check looks.
          recorder.problem(`provider function ${token} is not mocked by the check (infra/check/pulumi-mocks.ts)`);
          throw new Error(`unmocked provider function ${token}`);
        }
        return answer;
      },
      newResource({ type, name, inputs, custom }) {
        const outputs = custom ? resourceOutputs(type, name, inputs) : {};
        if (!outputs) {
          recorder.problem(`resource type ${type} (${name}) is not mocked by the check (infra/check/pulumi-mocks.ts)`);
          throw new Error(`unmocked resource type ${type}`);
        }
        if (pending?.type === type && pending.name === name) pending.outputs = toJson(outputs);
        pending = undefined;
        const id = custom ? String(outputs.id ?? `${name}-id`) : undefined;
        return { id, state: { ...inputs, ...outputs } };
      },
    },
    app.name,
    app.stage,
    false,
  );
}

function providerFunction(token: string, inputs: Record<string, unknown>): Record<string, unknown> | undefined {
  switch (token) {
    case "aws:index/getRegion:getRegion":
      return { id: REGION, region: REGION, name: REGION, endpoint: `ec2.${REGION}.amazonaws.com`, description: "US East (N. Virginia)" };
    case "aws:index/getPartition:getPartition":
      return { id: PARTITION, partition: PARTITION, dnsSuffix: "amazonaws.com", reverseDnsPrefix: "com.amazonaws" };
    case "aws:index/getCallerIdentity:getCallerIdentity":
      return { id: ACCOUNT, accountId: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:user/check`, userId: "AIDACHECK" };
    case "aws:iam/getPolicyDocument:getPolicyDocument": {
      const json = renderPolicyDocument(inputs);
      return { id: "policy", json, minifiedJson: json, statements: inputs.statements };
    }
    default:
      return undefined;
  }
}

/**
 * AWS-looking outputs, named after the physical name SST chose (`name`, or the logical name where
 * the provider would generate one): exact ARN formats for the types this app creates, a generic
 * ARN for other AWS types (infra/expectations.ts lists the types it covers, so a new one is named
 * there). Another provider's resources are not mocked.
 */
function resourceOutputs(type: string, logical: string, inputs: Record<string, unknown>): Record<string, unknown> | undefined {
  const name = typeof inputs.name === "string" ? inputs.name : logical;
  const arn = (service: string, resource: string, region = REGION) => `arn:${PARTITION}:${service}:${region}:${ACCOUNT}:${resource}`;
  switch (type) {
    case "aws:dynamodb/table:Table":
      return { name, arn: arn("dynamodb", `table/${name}`), streamArn: arn("dynamodb", `table/${name}/stream/check`) };
    case "aws:sqs/queue:Queue":
      return { name, arn: arn("sqs", name), url: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${name}` };
    case "aws:lambda/function:Function":
      return { name, arn: arn("lambda", `function:${name}`), invokeArn: `arn:${PARTITION}:apigateway:${REGION}:lambda:path/2015-03-31/functions/${arn("lambda", `function:${name}`)}/invocations`, qualifiedArn: arn("lambda", `function:${name}:$LATEST`), version: "$LATEST" };
    case "aws:iam/role:Role":
      return { name, arn: arn("iam", `role/${name}`, ""), uniqueId: `AROA${logical.toUpperCase()}` };
    case "aws:cloudwatch/logGroup:LogGroup":
      return { name, arn: arn("logs", `log-group:${name}`) };
    case "aws:apigatewayv2/api:Api": {
      const id = logical.toLowerCase().slice(0, 10);
      return { id, arn: `arn:${PARTITION}:apigateway:${REGION}::/apis/${id}`, apiEndpoint: `https://${id}.execute-api.${REGION}.amazonaws.com`, executionArn: arn("execute-api", id) };
    }
    case "aws:apigatewayv2/stage:Stage":
    case "aws:apigatewayv2/integration:Integration":
    case "aws:apigatewayv2/route:Route":
      return { id: `${logical}-id`, arn: `arn:${PARTITION}:apigateway:${REGION}::/${logical}` };
    case "aws:lambda/permission:Permission":
    case "aws:lambda/eventSourceMapping:EventSourceMapping":
    case "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig":
      return { id: `${logical}-id`, arn: arn("lambda", `${logical}`) };
    case "aws:scheduler/schedule:Schedule":
      return { name, arn: arn("scheduler", `schedule/${String(inputs.groupName ?? "default")}/${name}`) };
    case "aws:s3/bucketObjectv2:BucketObjectv2":
      return { arn: `arn:${PARTITION}:s3:::${String(inputs.bucket)}/${String(inputs.key)}`, versionId: "check" };
    case "random:index/randomBytes:RandomBytes": {
      const bytes = Buffer.alloc(Number(inputs.length ?? 32), 7);
      return { base64: bytes.toString("base64"), hex: bytes.toString("hex") };
    }
    default:
      if (!type.startsWith("aws:")) return undefined;
      return { id: `${logical}-id`, name, arn: arn(type.slice(4, type.indexOf("/")), name) };
  }
}

/** A registration's inputs as plain JSON, with the top-level properties Pulumi marked secret. */
function plainInputs(sdk: PulumiSdk, serialized: Record<string, unknown>): { value: Record<string, Json>; secrets: string[] } {
  const secrets: string[] = [];
  const value: Record<string, Json> = {};
  for (const [key, raw] of Object.entries(serialized)) {
    let secret = false;
    value[key] = plain(raw, () => (secret = true));
    if (secret) secrets.push(key);
  }
  return { value, secrets };

  function plain(v: unknown, markSecret: () => void): Json {
    if (v === sdk.runtime.unknownValue) return "<unknown>";
    if (Array.isArray(v)) return v.map((e) => plain(e, markSecret));
    if (v === null || typeof v !== "object") return v as Json;
    const o = v as Record<string, unknown>;
    switch (o[sdk.runtime.specialSigKey]) {
      case undefined:
        return Object.fromEntries(Object.entries(o).map(([k, e]) => [k, plain(e, markSecret)]));
      case sdk.runtime.specialSecretSig:
        markSecret();
        return plain(o.value, markSecret);
      case sdk.runtime.specialResourceSig:
        return { resource: String(o.urn) };
      case sdk.runtime.specialAssetSig:
      case sdk.runtime.specialArchiveSig:
        return { asset: String(o.path ?? o.uri ?? "(inline)") };
      case sdk.runtime.specialOutputValueSig:
        if (o.secret) markSecret();
        return o.value === undefined ? "<unknown>" : plain(o.value, markSecret);
      default:
        throw new Error(`@pulumi/pulumi changed: unknown property signature ${String(o[sdk.runtime.specialSigKey])}`);
    }
  }
}

export function toJson(value: unknown): Record<string, Json> {
  return JSON.parse(JSON.stringify(value ?? {})) as Record<string, Json>;
}
