/** Scopes Patchbay needs for every Slack integration. */
export const REQUIRED_SLACK_SCOPES = ["app_mentions:read", "chat:write", "im:history", "channels:read", "groups:read"];
/** Extra scopes when `scope: all` answers every channel message. */
export const SCOPE_ALL_SLACK_SCOPES = ["channels:history", "groups:history"];
/** Scopes for reading the pictures people share (url_private); without them pictures reach the model as a note only. */
export const PICTURE_SLACK_SCOPES = ["files:read"];
