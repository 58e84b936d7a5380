import type { Context } from "hono";

/** A page of ours (/docs, /console): only what its policy allows, never sniffed, never framed, no referrer out. */
export function securePage(c: Context, contentSecurityPolicy: string): void {
  c.header("Content-Security-Policy", contentSecurityPolicy);
  c.header("X-Content-Type-Options", "nosniff");
  c.header("Referrer-Policy", "no-referrer");
}
