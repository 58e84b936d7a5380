import { verifyKey } from "discord-interactions";
import type { VerifyContext, WebhookRequest } from "@patchbay/core";
import { discordBotOf } from "./integration-views.ts";
import type { DiscordSecrets } from "./integration-views.ts";

/** Replays older (or newer) than this are refused, as Slack does: Discord documents no window of its own. */
const SIGNATURE_MAX_SKEW_MS = 5 * 60 * 1000;
const UNIX_SECONDS = /^[0-9]{1,12}$/;

/**
 * Ed25519 over `X-Signature-Timestamp + raw body` with the application's public key, checked before the
 * body is even parsed: Discord probes with bad signatures and removes endpoints that accept them. The
 * key is public, so no secret is read.
 */
export async function verifyInteractionSignature(request: WebhookRequest, context: VerifyContext<DiscordSecrets>): Promise<boolean> {
  const signature = request.headers.get("x-signature-ed25519");
  const timestamp = request.headers.get("x-signature-timestamp");
  const publicKey = discordBotOf(context.integration)?.publicKey;
  if (!signature || !timestamp || !publicKey || !UNIX_SECONDS.test(timestamp)) return false;
  if (Math.abs(context.nowMs - Number(timestamp) * 1000) > SIGNATURE_MAX_SKEW_MS) return false;
  return verifyKey(request.body, signature, timestamp, publicKey);
}
