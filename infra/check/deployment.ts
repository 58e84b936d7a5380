/**
 * A read model over one Evaluation: the AWS resources SST would create, joined up the way AWS
 * joins them (a function with its role, log group, links and bundle; a route with its integration
 * and function), with ARNs of the app's own resources written as `<Component>` so expectations do
 * not depend on the random suffixes of physical names.
 */
import type { Evaluation, FunctionBuild, Json, RecordedResource } from "./report.ts";

export interface Statement {
  effect: string;
  actions: string[];
  resources: string[];
  conditions?: Json;
}

export interface LambdaFunction {
  /** SST's name for the function (its `sst:aws:Function` component). */
  component: string;
  /** As given to SST: `path/file.export`. */
  handler: string;
  resource: RecordedResource;
  name: string;
  arn: string;
  runtime: string;
  architectures: string[];
  memoryMb: number;
  timeoutSeconds: number;
  environment: Record<string, string>;
  /** What the function's `Resource` holds: link name → properties, `type` included. */
  links: Record<string, Record<string, Json>>;
  statements: Statement[];
  managedPolicies: string[];
  assumeRolePolicy: Json;
  logRetentionDays: number | undefined;
  /** Retries of asynchronous invocations, when SST configured them. */
  asyncRetries: number | undefined;
  build: FunctionBuild;
}

export interface Route {
  key: string;
  /** The handler of the function the route invokes. */
  handler: string;
  integration: RecordedResource;
  route: RecordedResource;
}

export class Deployment {
  readonly evaluation: Evaluation;
  readonly resources: RecordedResource[];
  private readonly byUrn: Map<string, RecordedResource>;
  private readonly symbols: [string, string][];

  constructor(evaluation: Evaluation) {
    this.evaluation = evaluation;
    this.resources = evaluation.resources;
    this.byUrn = new Map(this.resources.map((r) => [r.urn, r]));
    this.symbols = this.resources
      .filter((r) => r.custom && typeof r.outputs.arn === "string")
      .map((r): [string, string] => [r.outputs.arn as string, `<${this.owner(r).name}>`])
      .sort(([a], [b]) => b.length - a.length);
  }

  ofType(type: string): RecordedResource[] {
    return this.resources.filter((r) => r.type === type);
  }

  /** The component a raw resource belongs to (itself when it has none). */
  owner(resource: RecordedResource): RecordedResource {
    const parent = resource.parent ? this.byUrn.get(resource.parent) : undefined;
    return parent && !parent.custom && parent.type !== "pulumi:pulumi:Stack" ? parent : resource;
  }

  byArn(arn: Json | undefined): RecordedResource | undefined {
    return this.resources.find((r) => r.custom && r.outputs.arn === arn);
  }

  /** `arn:aws:dynamodb:…:table/patchbay-dev-TableTable-abcd/*` → `<Table>/*`. */
  symbolize(value: string): string {
    for (const [arn, symbol] of this.symbols) value = value.split(arn).join(symbol);
    return value;
  }

  functions(): LambdaFunction[] {
    return this.ofType("aws:lambda/function:Function").map((resource) => this.lambda(resource));
  }

  functionByArn(arn: Json | undefined): LambdaFunction | undefined {
    return this.functions().find((fn) => fn.arn === arn || fn.name === arn);
  }

  routes(): Route[] {
    return this.ofType("aws:apigatewayv2/route:Route").map((route) => {
      const integrationId = String(route.inputs.target).replace(/^integrations\//, "");
      const integration = this.ofType("aws:apigatewayv2/integration:Integration").find((i) => i.outputs.id === integrationId);
      if (!integration) throw new Error(`route ${String(route.inputs.routeKey)}: no integration ${integrationId}`);
      const fn = this.functionByArn(integration.inputs.integrationUri);
      return { key: String(route.inputs.routeKey), handler: fn?.handler ?? `(not a function: ${String(integration.inputs.integrationUri)})`, integration, route };
    });
  }

  /** The resources Pulumi would leave in the account when the stage is removed. */
  retainedOnRemoval(): RecordedResource[] {
    return this.resources.filter((r) => r.custom && r.retainOnDelete === true);
  }

  private lambda(resource: RecordedResource): LambdaFunction {
    const component = this.owner(resource);
    const build = this.evaluation.builds.find((b) => b.functionID === component.name);
    if (!build) throw new Error(`${component.name}: SST built no bundle for it`);
    const role = this.byArn(resource.inputs.role);
    const logGroup = this.ofType("aws:cloudwatch/logGroup:LogGroup").find(
      (g) => g.inputs.name === (resource.inputs.loggingConfig as { logGroup?: string } | undefined)?.logGroup,
    );
    const invokeConfig = this.ofType("aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig").find(
      (c) => c.inputs.functionName === resource.inputs.name,
    );
    const environment = (resource.inputs.environment as { variables?: Record<string, string> } | undefined)?.variables ?? {};
    return {
      component: component.name,
      handler: build.handler,
      resource,
      name: String(resource.inputs.name),
      arn: String(resource.outputs.arn),
      runtime: String(resource.inputs.runtime),
      architectures: (resource.inputs.architectures as string[] | undefined) ?? ["x86_64"],
      memoryMb: Number(resource.inputs.memorySize ?? 128),
      timeoutSeconds: Number(resource.inputs.timeout ?? 3),
      environment,
      links: build.links,
      statements: role ? this.inlineStatements(role) : [],
      managedPolicies: role ? ((role.inputs.managedPolicyArns as string[] | undefined) ?? []) : [],
      assumeRolePolicy: role ? policyJson(role.inputs.assumeRolePolicy) : null,
      logRetentionDays: logGroup ? Number(logGroup.inputs.retentionInDays) : undefined,
      asyncRetries: invokeConfig ? Number(invokeConfig.inputs.maximumRetryAttempts) : undefined,
      build,
    };
  }

  /** A role's inline policies as statements, each with sorted actions and symbolized resources. */
  inlineStatements(role: RecordedResource): Statement[] {
    const policies = (role.inputs.inlinePolicies as { policy?: string }[] | undefined) ?? [];
    return policies.flatMap((p) => {
      const document = policyJson(p.policy ?? "{}") as { Statement?: Record<string, Json>[] };
      return (document.Statement ?? []).map((s) => ({
        effect: String(s.Effect),
        actions: list(s.Action).sort(),
        resources: list(s.Resource).map((r) => this.symbolize(r)).sort(),
        ...(s.Condition ? { conditions: s.Condition } : {}),
      }));
    });
  }
}

function policyJson(value: Json | undefined): Json {
  return typeof value === "string" ? (JSON.parse(value) as Json) : (value ?? null);
}

function list(value: Json | undefined): string[] {
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value]).map(String);
}
