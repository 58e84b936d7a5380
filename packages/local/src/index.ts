export * from "./config.ts";
export * from "./local-stack.ts";
export * from "./file-queue.ts";
export * from "./file-vault.ts";
export * from "./embedded-dynamo.ts";
export * from "./sealing.ts";
export * from "./instance-lock.ts";
