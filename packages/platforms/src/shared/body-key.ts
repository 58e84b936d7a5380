import { createHash } from "node:crypto";

/**
 * A stable key for a body without a usable id of its own, so its redeliveries are still logged as one.
 * Bodies too deep to serialise share one key: they are logged, never answered.
 */
export function bodyKey(body: unknown): string {
  let serialised: string;
  try {
    serialised = JSON.stringify(body) ?? String(body);
  } catch {
    return "h-unserialisable";
  }
  return `h${createHash("sha256").update(serialised).digest("hex").slice(0, 32)}`;
}
