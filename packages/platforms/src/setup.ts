/**
 * What a person needs to set a bot up, for the web console's guides: imports nothing, so a browser bundle
 * can take it without the platform clients.
 */
export { inviteUrl } from "./discord/commands.ts";
export { PICTURE_SLACK_SCOPES, REQUIRED_SLACK_SCOPES, SCOPE_ALL_SLACK_SCOPES } from "./slack/scopes.ts";
