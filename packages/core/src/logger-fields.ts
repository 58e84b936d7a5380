import type { Logger } from "./ports.ts";

/** A logger that adds `fields` to every line (e.g. the integration a session belongs to, when one process holds many). */
export function withLogFields(logger: Logger, fields: Record<string, unknown>): Logger {
  return {
    info: (message, more) => logger.info(message, { ...fields, ...more }),
    warn: (message, more) => logger.warn(message, { ...fields, ...more }),
    error: (message, more) => logger.error(message, { ...fields, ...more }),
  };
}
