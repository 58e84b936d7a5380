export { contentTypeOf, readConsoleFiles } from "./files.ts";
export type { ConsoleFile, ConsoleFiles } from "./files.ts";
