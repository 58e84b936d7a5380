export * from "./create-patchbay.ts";
