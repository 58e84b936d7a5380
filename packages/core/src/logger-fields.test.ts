import { expect, test } from "vitest";
import { withLogFields } from "./logger-fields.ts";

test("every line carries the added fields; a line's own fields are kept and win", () => {
  const lines: unknown[] = [];
  const base = {
    info: (message: string, fields?: Record<string, unknown>) => lines.push(["info", message, fields]),
    warn: (message: string, fields?: Record<string, unknown>) => lines.push(["warn", message, fields]),
    error: (message: string, fields?: Record<string, unknown>) => lines.push(["error", message, fields]),
  };
  const logger = withLogFields(base, { integration_id: "int_1", platform: "discord" });
  logger.info("connected");
  logger.warn("closed", { close_code: 4200 });
  logger.error("odd", { platform: "other" });
  expect(lines).toEqual([
    ["info", "connected", { integration_id: "int_1", platform: "discord" }],
    ["warn", "closed", { integration_id: "int_1", platform: "discord", close_code: 4200 }],
    ["error", "odd", { integration_id: "int_1", platform: "other" }],
  ]);
});
