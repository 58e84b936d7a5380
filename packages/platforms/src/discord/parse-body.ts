import type { Integration, PlatformEvent } from "@patchbay/core";
import { parseDispatch } from "./parse-dispatch.ts";
import { parseInteraction } from "./parse-interaction.ts";
import type { DiscordRoute } from "./route.ts";
import { unsupported } from "./unsupported.ts";

/**
 * Validates a verified Discord body and normalises it for one integration's bot. Every Discord transport
 * feeds this one parse: interactions from the Interactions Endpoint URL, and Gateway payloads (they alone
 * have `op`). Never throws: what Patchbay cannot read is `unexpected_payload`, what it does not act on
 * `unsupported_event`.
 */
export function parseDiscordBody(body: unknown, integration: Integration, receivedAt: string): PlatformEvent<DiscordRoute> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return unsupported("unexpected_payload", "body: expected an object", body, receivedAt);
  }
  const record = body as Record<string, unknown>;
  return Object.hasOwn(record, "op") ? parseDispatch(record, integration, receivedAt) : parseInteraction(record, integration, receivedAt);
}
