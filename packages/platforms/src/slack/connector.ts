import { PlatformCallError, ValidationError, isPublicHttpsUrl } from "@patchbay/core";
import type { Integration, PlatformConnector, SecretBundle, SeenChannel } from "@patchbay/core";
import { PICTURE_SLACK_SCOPES, REQUIRED_SLACK_SCOPES, SCOPE_ALL_SLACK_SCOPES } from "./scopes.ts";
import { openSocketModeUrl } from "./socket-mode.ts";
import { createSlackWebClient, slackCall } from "./web-client.ts";


const CHANNEL_PAGE_SIZE = 200;

interface AuthTest {
  team_id?: string;
  team?: string;
  user_id?: string;
  user?: string;
  bot_id?: string;
  app_id?: string;
  response_metadata?: { scopes?: string[] };
}

/**
 * The Slack control plane: auth.test, scope checks, channel listing, test posts. The Request URL is pasted by
 * hand; an app with Socket Mode on is connected with its app-level token too, checked with apps.connections.open.
 */
export function createSlackConnector(apiUrl: string): PlatformConnector {
  const authTest = async (token: string): Promise<AuthTest> =>
    (await slackCall("auth.test", () => createSlackWebClient(token, apiUrl).auth.test())) as AuthTest;

  const checkScopes = (auth: AuthTest, wantsAll: boolean) => {
    const granted = new Set(auth.response_metadata?.scopes ?? []);
    const needed = [...REQUIRED_SLACK_SCOPES, ...(wantsAll ? SCOPE_ALL_SLACK_SCOPES : [])];
    const missing = needed.filter((s) => !granted.has(s));
    if (missing.length > 0) {
      throw new PlatformCallError(
        "INSUFFICIENT_PERMISSIONS",
        `The Slack app lacks the scopes ${missing.join(", ")}: add them under OAuth & Permissions and reinstall the app.`,
        { required_scopes: needed, missing_scopes: missing },
      );
    }
  };

  /** Optional scopes the app lacks, as warnings: the integration works, with less. */
  const scopeWarnings = (auth: AuthTest): string[] => {
    const granted = new Set(auth.response_metadata?.scopes ?? []);
    const missing = PICTURE_SLACK_SCOPES.filter((s) => !granted.has(s));
    return missing.length > 0
      ? [`Without the ${missing.join(", ")} scope, pictures people share are not read (the model gets the text): add it under OAuth & Permissions and reinstall the app.`]
      : [];
  };

  return {
    platform: "slack",

    async connect({ botToken, scope, options }) {
      const signingSecret = options.signing_secret;
      if (typeof signingSecret !== "string" || signingSecret.length === 0) {
        throw new ValidationError([{ field: "signing_secret", message: "is required" }]);
      }
      const auth = await authTest(botToken);
      if (!auth.bot_id || !auth.user_id) {
        throw new PlatformCallError("INVALID_CREDENTIALS", "This is not a bot token: use the app's Bot User OAuth Token (xoxb-…).");
      }
      const expected = options.workspace_id;
      if (typeof expected === "string" && expected !== auth.team_id) {
        throw new PlatformCallError(
          "INVALID_CREDENTIALS",
          `The token belongs to workspace ${auth.team_id}, not ${expected}; check workspace_id or the token.`,
          { workspace_id: auth.team_id },
        );
      }
      checkScopes(auth, scope === "all");
      const appToken = typeof options.app_token === "string" ? options.app_token : undefined;
      if (appToken !== undefined) {
        const socket = await openSocketModeUrl(appToken, apiUrl);
        if (socket.appId && auth.app_id && socket.appId !== auth.app_id) {
          throw new PlatformCallError(
            "INVALID_CREDENTIALS",
            `app_token belongs to another Slack app (${socket.appId}) than bot_token (${auth.app_id}): copy both from the same app.`,
          );
        }
      }
      return {
        bot: { id: auth.bot_id, username: auth.user ?? auth.user_id, user_id: auth.user_id, ...(auth.app_id ? { app_id: auth.app_id } : {}) },
        secrets: { bot_token: botToken, signing_secret: signingSecret, ...(appToken !== undefined ? { app_token: appToken } : {}) },
        fields: { workspaceId: auth.team_id ?? null, workspaceName: auth.team ?? null },
        warnings: scopeWarnings(auth),
      };
    },

    // Slack offers no API to set a custom app's Request URL: it is pasted in the app settings (see README).
    async register() {},

    // Slack cannot tell which Request URL a custom app has; only the token can be checked.
    async isRegistered(_integration, secrets) {
      await authTest(secrets.bot_token!);
      return true;
    },

    async validate(integration, secrets, webhookUrl) {
      const auth = await authTest(secrets.bot_token!);
      if (auth.bot_id !== integration.bot.id) {
        throw new PlatformCallError("INVALID_CREDENTIALS", "The stored token now belongs to a different Slack app; rotate bot_token.");
      }
      checkScopes(auth, integration.scope === "all");
      const optional = scopeWarnings(auth);
      if (integration.delivery === "socket") {
        await openSocketModeUrl(secrets.app_token!, apiUrl);
        return {
          warnings: integration.lastMessageAt
            ? optional
            : [
                ...optional,
                "No event has reached Patchbay yet: check that Socket Mode is on in the app settings and that Event Subscriptions subscribe to app_mention and message.im.",
              ],
        };
      }
      if (integration.lastMessageAt) return { warnings: optional };
      return {
        warnings: [
          ...optional,
          isPublicHttpsUrl(webhookUrl)
            ? "No event has reached Patchbay yet: paste webhook_url as the Request URL under Event Subscriptions."
            : `No event has reached Patchbay yet, and none can: Slack only calls a public HTTPS Request URL and webhook_url (${webhookUrl}) is not one. ` +
              "Set PUBLIC_URL to a public HTTPS URL (a tunnel's) and paste webhook_url as the Request URL, or turn on Socket Mode and connect with app_token (xapp-…).",
        ],
      };
    },

    async sendTest(_integration, secrets, channelId, text) {
      if (!channelId) throw new ValidationError([{ field: "channel_id", message: "is required for Slack (see /channels)" }]);
      const result = await slackCall("chat.postMessage", () =>
        createSlackWebClient(secrets.bot_token!, apiUrl).chat.postMessage({ channel: channelId, text }),
      );
      return { messageId: String(result.ts) };
    },

    async listChannels(_integration: Integration, secrets: SecretBundle) {
      const web = createSlackWebClient(secrets.bot_token!, apiUrl);
      const channels: SeenChannel[] = [];
      const at = new Date().toISOString();
      let cursor: string | undefined;
      do {
        const page = await slackCall("conversations.list", () =>
          web.conversations.list({ types: "public_channel,private_channel", exclude_archived: true, limit: CHANNEL_PAGE_SIZE, ...(cursor ? { cursor } : {}) }),
        );
        for (const channel of page.channels ?? []) {
          if (!channel.is_member || !channel.id) continue;
          channels.push({
            id: channel.id,
            name: `#${channel.name ?? channel.id}`,
            isPrivate: channel.is_private === true,
            memberCount: channel.num_members,
            lastSeenAt: at,
          });
        }
        cursor = page.response_metadata?.next_cursor || undefined;
      } while (cursor);
      return channels;
    },

    // Nothing to undo at Slack: the Request URL answers 404 once the integration is gone.
    async unregister() {},
  };
}
