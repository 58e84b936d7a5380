import { createHmac } from "node:crypto";
import { secretsEqual } from "../shared/constant-time.ts";

/** Slack rejects replays older than five minutes; so do we, in both directions of clock skew. */
export const MAX_SKEW_SECONDS = 300;

/** Checks `X-Slack-Signature` (`v0=` HMAC-SHA256 of `v0:{timestamp}:{raw body}`) and the timestamp's age. */
export function verifySlackSignature(
  signingSecret: string,
  rawBody: string,
  timestamp: string | null,
  signature: string | null,
  nowMs: number,
): boolean {
  if (!timestamp || !signature || !/^\d+$/.test(timestamp)) return false;
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > MAX_SKEW_SECONDS) return false;
  const expected = `v0=${createHmac("sha256", signingSecret).update(`v0:${timestamp}:${rawBody}`, "utf8").digest("hex")}`;
  return secretsEqual(signature, expected);
}
