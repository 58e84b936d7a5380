/** Shapes of the credentials Patchbay handles: Telegram bot tokens, Slack tokens, bearer and API keys. */
const SECRET_PATTERNS = [
  /\b\d{5,}:[A-Za-z0-9_-]{30,}\b/g,
  /\bx(?:ox[abposr]|app)-[A-Za-z0-9-]{8,}/g,
  /\b(?:sk|pk|key|api)[-_][A-Za-z0-9_-]{6,}/gi,
  /\bBearer\s+\S+/gi,
];

/** Masks anything token-shaped in a message headed for a log line or the activity log. */
export function redactSecrets(text: string): string {
  return SECRET_PATTERNS.reduce((masked, pattern) => masked.replace(pattern, "[redacted]"), text);
}
