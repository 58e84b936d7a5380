import type { Logger } from "@patchbay/core";

const SECRET_FIELD = /token|secret|authorization|password|api_?key/i;

/** JSON lines on stdout. Fields whose names look secret are masked as a last line of defence. */
export function createJsonLogger(write: (line: string) => void = (line) => process.stdout.write(`${line}\n`)): Logger {
  const log = (level: string) => (message: string, fields: Record<string, unknown> = {}) => {
    const safe: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(fields)) safe[key] = SECRET_FIELD.test(key) ? "[redacted]" : value;
    write(JSON.stringify({ time: new Date().toISOString(), level, msg: message, ...safe }));
  };
  return { info: log("info"), warn: log("warn"), error: log("error") };
}
