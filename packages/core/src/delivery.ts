import type { Platform } from "./model.ts";

/** How messages reach an integration: platform webhooks, or a transport the runtime holds open itself. */
export type Delivery = "webhook" | "polling" | "socket" | "gateway";
export const DELIVERIES: readonly Delivery[] = ["webhook", "polling", "socket", "gateway"];

/**
 * A transport a runtime runs besides serving webhooks: `npm start` long-polls Telegram and holds Slack's
 * Socket Mode and Discord's Gateway connections.
 */
export type Listener = Exclude<Delivery, "webhook">;

export interface DeliveryInputs {
  platform: Platform;
  /** The base URL platforms would call back (`PUBLIC_URL`). */
  publicUrl: string;
  /** The integration has a Slack app-level token (`app_token`, `xapp-…`). */
  hasAppToken: boolean;
  /** The listeners this runtime runs. */
  listeners: readonly Listener[];
}

/**
 * Whether a platform on the internet can call this URL back: HTTPS, and a host that is not this machine or a
 * private network. Telegram, Slack and Discord all refuse anything else.
 */
export function isPublicHttpsUrl(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol !== "https:") return false;
  const host = parsed.hostname.toLowerCase().replace(/^\[|\]$/g, "");
  if (host === "localhost" || host.endsWith(".localhost") || host.endsWith(".local") || host.endsWith(".internal")) return false;
  if (!host.includes(".") && !host.includes(":")) return false; // a bare machine name
  const v4 = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(host);
  if (v4) {
    const [a, b] = [Number(v4[1]), Number(v4[2])];
    return !(a === 0 || a === 10 || a === 127 || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127));
  }
  if (host.includes(":")) return !(host === "::1" || host === "::" || /^f[cd]/.test(host) || host.startsWith("fe80:"));
  return true;
}

/**
 * How an integration receives, from plain facts: a Slack app with an app-level token has Socket Mode turned
 * on (Slack then sends nothing to a Request URL), Discord's messages come over the Gateway wherever a
 * listener runs, and Telegram long-polls only when no public HTTPS URL can take its webhook.
 */
export function chooseDelivery({ platform, publicUrl, hasAppToken, listeners }: DeliveryInputs): Delivery {
  switch (platform) {
    case "slack":
      return hasAppToken && listeners.includes("socket") ? "socket" : "webhook";
    case "discord":
      return listeners.includes("gateway") ? "gateway" : "webhook";
    case "telegram":
      return !isPublicHttpsUrl(publicUrl) && listeners.includes("polling") ? "polling" : "webhook";
  }
}

/**
 * What to tell the person connecting a bot whose messages cannot arrive yet, or null. Telegram and Discord
 * refuse a webhook URL they cannot reach when it is registered, and say so in that error; Slack's Request URL
 * is pasted by hand, so nothing fails until messages silently do not come.
 */
export function deliveryWarning(platform: Platform, delivery: Delivery, publicUrl: string): string | null {
  if (platform !== "slack" || delivery !== "webhook" || isPublicHttpsUrl(publicUrl)) return null;
  return (
    `Slack cannot deliver to this integration yet: PUBLIC_URL (${publicUrl}) is not a public HTTPS URL, so Slack cannot call webhook_url. ` +
    "Either set PUBLIC_URL to a public HTTPS URL (a tunnel's) and paste webhook_url as the Request URL under Event Subscriptions, " +
    "or turn on Socket Mode in the Slack app and connect again with its app-level token as app_token (xapp-…): npm start then receives without a public URL."
  );
}

/** One line for people reading `npm start`'s output: how a platform's messages arrive here. */
export function describeDelivery(platform: Platform, inputs: Omit<DeliveryInputs, "platform" | "hasAppToken">): string {
  const why = isPublicHttpsUrl(inputs.publicUrl) ? "PUBLIC_URL is public HTTPS" : "PUBLIC_URL is not public HTTPS";
  switch (platform) {
    case "telegram":
      return chooseDelivery({ ...inputs, platform, hasAppToken: false }) === "polling"
        ? `long polling (${why})`
        : `webhooks at ${inputs.publicUrl}/webhooks/telegram/… (${why}${isPublicHttpsUrl(inputs.publicUrl) ? "" : ": Telegram will refuse it"})`;
    case "slack": {
      const socket = chooseDelivery({ ...inputs, platform, hasAppToken: true }) === "socket";
      const webhook = `webhooks at ${inputs.publicUrl}/webhooks/slack/… (${why}${isPublicHttpsUrl(inputs.publicUrl) ? "" : ": Slack cannot reach it"})`;
      return socket ? `Socket Mode for integrations with an app_token, else ${webhook}` : webhook;
    }
    case "discord":
      if (chooseDelivery({ ...inputs, platform, hasAppToken: false }) === "gateway") {
        // Without an Interactions Endpoint URL Discord sends interactions over the Gateway too.
        return isPublicHttpsUrl(inputs.publicUrl)
          ? `the Gateway for messages, interactions webhooks at ${inputs.publicUrl}/webhooks/discord/… for /ask (${why})`
          : `the Gateway, /ask included (${why})`;
      }
      return `interactions webhooks at ${inputs.publicUrl}/webhooks/discord/… (${why}${isPublicHttpsUrl(inputs.publicUrl) ? "" : ": Discord will refuse it"})`;
  }
}
