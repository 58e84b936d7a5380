import { Hono } from "hono";
import type { Context } from "hono";
import type { AppEnv } from "./context.ts";
import { securePage } from "./page-headers.ts";

/** One file of the built web console. */
export interface ConsoleAsset {
  body: Uint8Array;
  contentType: string;
}

/** Loads the built console by file name (index.html, console.js, console.css); called on the first /console request. */
export type ConsoleAssets = () => Promise<ReadonlyMap<string, ConsoleAsset>>;

/**
 * Its own script and stylesheet only, and API calls to this origin only: no inline code, nothing from a CDN,
 * so an injected string could not run even if it ever reached the DOM as markup.
 */
export const CONSOLE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/**
 * GET /console and its files. The files are loaded once, on the first request, so they cost the API function's
 * cold start nothing; a failed load is retried by the next request.
 */
export function consoleRoutes(load: ConsoleAssets) {
  const app = new Hono<AppEnv>();
  let assets: Promise<ReadonlyMap<string, ConsoleAsset>> | undefined;
  const files = () => {
    assets ??= load().catch((error: unknown) => {
      assets = undefined;
      throw error;
    });
    return assets;
  };
  const serve = (name: string) => async (c: Context<AppEnv>) => {
    const file = (await files()).get(name);
    if (!file) return c.notFound();
    securePage(c, CONSOLE_CSP);
    // Small and rebuilt with each deploy: always revalidated rather than cached under a hashed name.
    c.header("Cache-Control", "no-cache");
    return c.body(file.body as Uint8Array<ArrayBuffer>, 200, { "Content-Type": file.contentType });
  };
  app.get("/", serve("index.html"));
  app.get("/console.js", serve("console.js"));
  app.get("/console.css", serve("console.css"));
  return app;
}
