/**
 * A temporary copy of the repository's sst.config.ts and infra/ with edits applied, everything
 * else they need (packages, node_modules, .sst…) linked, for evaluating a changed config.
 */
import { cp, mkdtemp, readFile, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "./evaluate.ts";

export interface Edit {
  file: string;
  from: string;
  to: string;
}

export async function seededCopy(edits: Edit[]): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), "patchbay-seeded-"));
  // Real copies (dereferenced): an edit must never write through a link into the repository.
  await cp(join(REPO_ROOT, "sst.config.ts"), join(root, "sst.config.ts"), { dereference: true });
  await cp(join(REPO_ROOT, "infra"), join(root, "infra"), { recursive: true, dereference: true });
  for (const shared of ["node_modules", "packages", ".sst", "package.json", "sst-env.d.ts"]) await symlink(join(REPO_ROOT, shared), join(root, shared));
  for (const { file, from, to } of edits) {
    const source = await readFile(join(root, file), "utf8");
    // An edit that no longer applies would prove nothing: the file changed, update the edit.
    if (source.split(from).length !== 2) throw new Error(`${file} does not contain exactly one ${JSON.stringify(from)}`);
    await writeFile(join(root, file), source.replace(from, () => to));
  }
  return root;
}
