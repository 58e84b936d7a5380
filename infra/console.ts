import { join } from "node:path";
import { CONSOLE_APP_DIR, CONSOLE_BUILD_DIR, writeConsole } from "../packages/console/src/build";

export { CONSOLE_BUILD_DIR };
/** Where it sits in the API function's package, next to the bundle (packages/functions/src/api.ts reads it there). */
export const CONSOLE_PACKAGE_DIR = "console";

/**
 * Builds the console (esbuild, a fraction of a second) before the API function is defined: SST copies
 * CONSOLE_BUILD_DIR into the function's package, so the function reads it from disk on its first /console
 * request instead of carrying it in the code it loads at cold start.
 */
export async function buildConsole(): Promise<void> {
  await writeConsole(join($cli.paths.root, CONSOLE_BUILD_DIR), join($cli.paths.root, CONSOLE_APP_DIR));
}
