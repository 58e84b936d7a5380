import { PICTURE_SLACK_SCOPES, REQUIRED_SLACK_SCOPES, SCOPE_ALL_SLACK_SCOPES } from "@patchbay/platforms/setup";

/** Slack caps an app's display name at 35 characters. */
const SLACK_NAME_MAX = 35;

/**
 * A Slack app manifest (JSON, which Slack's "From a manifest" takes as well as YAML) with the scopes Patchbay
 * checks and the events it answers. `requestUrl`: Events arrive at this integration's webhook_url; absent,
 * the app uses Socket Mode, or gets its Request URL once the integration exists.
 */
export function slackManifest(name: string, delivery: { socketMode: true } | { socketMode: false; requestUrl?: string }): string {
  const appName = name.slice(0, SLACK_NAME_MAX) || "Patchbay replica";
  const events = { bot_events: ["app_mention", "message.im", "message.channels", "message.groups"] };
  const eventSubscriptions = delivery.socketMode ? events : delivery.requestUrl ? { request_url: delivery.requestUrl, ...events } : undefined;
  const manifest = {
    display_information: { name: appName },
    features: {
      app_home: { messages_tab_enabled: true, messages_tab_read_only_enabled: false },
      bot_user: { display_name: appName, always_online: true },
    },
    oauth_config: { scopes: { bot: [...REQUIRED_SLACK_SCOPES, ...SCOPE_ALL_SLACK_SCOPES, ...PICTURE_SLACK_SCOPES] } },
    settings: {
      ...(eventSubscriptions ? { event_subscriptions: eventSubscriptions } : {}),
      org_deploy_enabled: false,
      socket_mode_enabled: delivery.socketMode,
      token_rotation_enabled: false,
    },
  };
  return JSON.stringify(manifest, null, 2);
}
