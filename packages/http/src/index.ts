export * from "./app.ts";
export * from "./context.ts";
export * from "./webhook-app.ts";
export { CONSOLE_CSP, consoleRoutes } from "./console-routes.ts";
export type { ConsoleAsset, ConsoleAssets } from "./console-routes.ts";
