/**
 * The application `flags` (GET /applications/@me, READY `application.flags`) that say whether the Message
 * Content intent is switched on: GATEWAY_MESSAGE_CONTENT once Discord approved it (100+ servers), or
 * GATEWAY_MESSAGE_CONTENT_LIMITED from the Developer Portal toggle (fewer servers).
 */
const GATEWAY_MESSAGE_CONTENT = 1 << 18;
const GATEWAY_MESSAGE_CONTENT_LIMITED = 1 << 19;

/** Whether an IDENTIFY asking for MESSAGE_CONTENT is accepted (else Discord closes with 4014). */
export function allowsMessageContent(flags: number | undefined): boolean {
  return ((flags ?? 0) & (GATEWAY_MESSAGE_CONTENT | GATEWAY_MESSAGE_CONTENT_LIMITED)) !== 0;
}

/** What the owner is told at connect and validate while the intent is off; the bot still works without it. */
export const MESSAGE_CONTENT_OFF =
  "The Message Content intent is off for this Discord application, so Discord sends messages that do not mention the bot without their text: " +
  "/ask, the message command, mentions and DMs are answered, but scope \"all\" and replies that do not ping the bot are not. " +
  "Turn it on in the Discord Developer Portal → your application → Bot → Privileged Gateway Intents → Message Content Intent " +
  "(a bot in 100 or more servers needs Discord's approval first), then validate this integration.";

/** The connect and validate warnings that follow from the application's flags. */
export function intentWarnings(flags: number | undefined): string[] {
  return allowsMessageContent(flags) ? [] : [MESSAGE_CONTENT_OFF];
}
