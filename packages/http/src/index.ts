export * from "./app.ts";
export * from "./context.ts";
export { MAX_BODY_BYTES } from "./body-guard.ts";
export * from "./webhook-app.ts";
