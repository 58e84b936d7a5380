import type { Integration, Platform } from "../model.ts";
import type { SecretBundle } from "../ports.ts";
import type { Decision } from "./decide.ts";
import type { PlatformEvent } from "./platform-event.ts";

/** A webhook as it arrived: the raw bytes (signatures cover them) and the headers. */
export interface WebhookRequest {
  body: string;
  headers: Headers;
}

/** What a driver may use to check a webhook's authenticity. */
export interface VerifyContext<Secrets> {
  integration: Integration;
  /** The integration's secrets, read from the vault only when the driver asks (Discord needs none). */
  secrets(): Promise<Secrets | null>;
  nowMs: number;
}

/**
 * A platform's part of the webhook pipeline: pure pieces, no store, no vault, no queue. The pipeline in
 * core owns every other step (lookup, status codes, answering rules, logging, enqueueing).
 */
export interface WebhookDriver<Secrets = unknown, Route = unknown> {
  readonly platform: Platform;
  /** The largest body the platform really sends; reading stops there. */
  readonly maxBodyBytes: number;
  /** The typed view of the vault's bundle this driver verifies with, or null when it lacks what is needed. */
  readSecrets(bundle: SecretBundle): Secrets | null;
  /** Checks the raw bytes' secret or signature; false → 401, nothing else happens. */
  verify(request: WebhookRequest, context: VerifyContext<Secrets>): boolean | Promise<boolean>;
  /** Validates a verified JSON body and normalises it; never throws for any JSON value. */
  parse(body: unknown, integration: Integration, receivedAt: string): PlatformEvent<Route>;
  /** The answer the platform expects for this event and decision (PONG, a deferred answer, a refusal, 200). */
  acknowledge(event: PlatformEvent<Route>, decision: Decision | null): Response;
}
