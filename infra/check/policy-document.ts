/**
 * `aws.iam.getPolicyDocument` rendered to IAM JSON as the provider's data source does, for the
 * statement fields SST uses. Lists keep their order rather than being sorted and single values
 * stay lists: compare statements as sets. A field it does not render is an error.
 */
interface Statement {
  sid?: string;
  effect?: string;
  actions?: string[];
  notActions?: string[];
  resources?: string[];
  notResources?: string[];
  principals?: Principal[];
  notPrincipals?: Principal[];
  conditions?: { test: string; variable: string; values: string[] }[];
}
interface Principal {
  type: string;
  identifiers: string[];
}

const STATEMENT_FIELDS = new Set(["sid", "effect", "actions", "notActions", "resources", "notResources", "principals", "notPrincipals", "conditions"]);

export function renderPolicyDocument(inputs: Record<string, unknown>): string {
  const unsupported = Object.keys(inputs).filter((k) => k !== "statements" && k !== "version");
  if (unsupported.length > 0) throw new Error(`getPolicyDocument: ${unsupported.join(", ")} not rendered by the check`);
  const statements = (inputs.statements ?? []) as Statement[];
  return JSON.stringify({
    Version: (inputs.version as string | undefined) ?? "2012-10-17",
    Statement: statements.map((s) => {
      const extra = Object.keys(s).filter((k) => !STATEMENT_FIELDS.has(k) && s[k as keyof Statement] !== undefined);
      if (extra.length > 0) throw new Error(`getPolicyDocument: statement field ${extra.join(", ")} not rendered by the check`);
      return {
        ...(s.sid ? { Sid: s.sid } : {}),
        Effect: s.effect ?? "Allow",
        ...(s.actions ? { Action: s.actions } : {}),
        ...(s.notActions ? { NotAction: s.notActions } : {}),
        ...(s.resources ? { Resource: s.resources } : {}),
        ...(s.notResources ? { NotResource: s.notResources } : {}),
        ...(s.principals ? { Principal: principals(s.principals) } : {}),
        ...(s.notPrincipals ? { NotPrincipal: principals(s.notPrincipals) } : {}),
        ...(s.conditions ? { Condition: conditions(s.conditions) } : {}),
      };
    }),
  });
}

function principals(list: Principal[]): Record<string, string[]> {
  const result: Record<string, string[]> = {};
  for (const p of list) result[p.type] = [...(result[p.type] ?? []), ...p.identifiers];
  return result;
}

function conditions(list: NonNullable<Statement["conditions"]>): Record<string, Record<string, string[]>> {
  const result: Record<string, Record<string, string[]>> = {};
  for (const c of list) result[c.test] = { ...result[c.test], [c.variable]: c.values };
  return result;
}
