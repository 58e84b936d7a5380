/** Scopes Patchbay needs for every Slack integration. */
export const REQUIRED_SLACK_SCOPES = ["app_mentions:read", "chat:write", "im:history", "channels:read", "groups:read"];
/** Extra scopes when `scope: all` answers every channel message. */
export const SCOPE_ALL_SLACK_SCOPES = ["channels:history", "groups:history"];
