/**
 * The root `sst-env.d.ts` SST 4.17 would write after a deploy (pkg/types/typescript), from the
 * app's link references: one entry per linkable component, its properties typed from their values.
 */
import type { Json } from "./report.ts";
import type { Deployment } from "./deployment.ts";

/** Link name → the properties `Resource.<name>` holds, `type` included. */
export function linkedComponents(deployment: Deployment): Record<string, Record<string, Json>> {
  const top = new Map(deployment.resources.filter((r) => r.parent?.includes("::pulumi:pulumi:Stack::")).map((r) => [r.name, r]));
  return Object.fromEntries(
    deployment.ofType("sst:sst:LinkRef").map((ref) => {
      const target = ref.name.replace(/LinkRef$/, "");
      const component = top.get(target);
      if (!component) throw new Error(`${ref.name}: no top-level component ${target}`);
      const properties = (ref.inputs.properties ?? {}) as Record<string, Json>;
      return [target, { type: component.type.replaceAll(":", "."), ...properties }];
    }),
  );
}

/** The `declare module "sst"` block and footer, exactly as SST renders them. */
export function renderResourceDeclarations(links: Record<string, Record<string, Json>>): string {
  return `declare module "sst" {\n  export interface Resource ${infer(links, "  ")}\n}\n\nimport "sst"\nexport {}`;
}

function infer(input: Record<string, Json>, indent: string): string {
  const lines = Object.keys(input)
    .sort()
    .map((key) => {
      const value = input[key];
      // SST writes every `type` as its literal value, at any depth.
      const rendered = key === "type" ? `"${String(value)}"` : typeOf(value, indent);
      return `${indent}  "${key}": ${rendered}`;
    });
  return `{\n${lines.join("\n")}\n${indent}}`;
}

function typeOf(value: Json | undefined, indent: string): string {
  if (typeof value === "string") return "string";
  if (typeof value === "number") return "number";
  if (typeof value === "boolean") return "boolean";
  if (value && typeof value === "object" && !Array.isArray(value)) return infer(value, `${indent}  `);
  return "any";
}
