import { PlatformCallError, ValidationError, isPublicHttpsUrl, randomString } from "@patchbay/core";
import type { ChannelRef, Integration, PlatformConnector, SeenChannel } from "@patchbay/core";
import { intentWarnings } from "./application-flags.ts";
import { inviteUrl, replicaCommands } from "./commands.ts";
import { DISCORD_ERRORS, discordCode } from "./rest.ts";
import type { DiscordRest } from "./rest.ts";

interface Application {
  id: string;
  name: string;
  verify_key: string;
  bot?: { id: string; username: string };
  interactions_endpoint_url?: string | null;
  flags?: number;
}

interface Guild {
  id: string;
  name: string;
  /** A bot's managed role carries `tags.bot_id` (permissions.mdx "Role Tags"). */
  roles?: { id: string; tags?: { bot_id?: string } }[];
}

interface Channel {
  id: string;
  name?: string;
  type: number;
  permission_overwrites?: { id: string; type: number; deny: string }[];
}

/** Guild text (0) and announcement (5) channels: where the commands can be used. */
const TEXT_CHANNEL_TYPES = new Set([0, 5]);
const VIEW_CHANNEL = 1n << 10n;

/**
 * The Discord control plane: the application behind the bot token, the guild and its text channels, the
 * guild commands, and the interactions endpoint URL (which Discord verifies on the spot with signed PINGs).
 * Connect and validate warn while the application's Message Content intent is off.
 */
export function createDiscordConnector(rest: DiscordRest): PlatformConnector {
  const application = (token: string) => rest<Application>("GET", "/applications/@me", { token });

  const guild = async (token: string, guildId: string, applicationId: string) => {
    try {
      return await rest<Guild>("GET", `/guilds/${guildId}`, { token });
    } catch (error) {
      const code = discordCode(error);
      if (code === DISCORD_ERRORS.unknownGuild || code === DISCORD_ERRORS.missingAccess) {
        throw new PlatformCallError(
          "INSUFFICIENT_PERMISSIONS",
          `The bot is not in guild ${guildId}: invite it with ${inviteUrl(applicationId)}`,
          { required_scopes: ["bot", "applications.commands"], invite_url: inviteUrl(applicationId) },
        );
      }
      throw error;
    }
  };

  const textChannels = async (token: string, guildId: string): Promise<SeenChannel[]> => {
    const channels = await rest<Channel[]>("GET", `/guilds/${guildId}/channels`, { token });
    const at = new Date().toISOString();
    return channels
      .filter((c) => TEXT_CHANNEL_TYPES.has(c.type))
      .map((c) => ({
        id: c.id,
        name: `#${c.name ?? c.id}`,
        // Hidden from @everyone (whose role id is the guild id) means private.
        isPrivate: (c.permission_overwrites ?? []).some((o) => o.id === guildId && (BigInt(o.deny) & VIEW_CHANNEL) !== 0n),
        lastSeenAt: at,
      }));
  };

  const commandsPath = (integration: Integration) => `/applications/${integration.bot.id}/guilds/${integration.guildId}/commands`;

  /**
   * Interactions come over the Gateway when the application has no Interactions Endpoint URL: so it is
   * left empty where a Gateway listener runs and Discord could not reach PUBLIC_URL anyway (a laptop).
   */
  const interactionsOverGateway = (integration: Integration, webhookUrl: string) => integration.delivery === "gateway" && !isPublicHttpsUrl(webhookUrl);

  return {
    platform: "discord",

    async connect({ botToken, options }) {
      const guildId = options.guild_id;
      if (typeof guildId !== "string") throw new ValidationError([{ field: "guild_id", message: "is required" }]);
      const app = await application(botToken);
      const found = await guild(botToken, guildId, app.id);
      const channels = await textChannels(botToken, guildId);
      // A mention of the bot's managed role addresses it too (parse-message.ts).
      const roleId = found.roles?.find((role) => role.tags?.bot_id === (app.bot?.id ?? app.id))?.id;
      return {
        bot: {
          id: app.id,
          username: app.bot?.username ?? app.name,
          bot_user_id: app.bot?.id ?? null,
          public_key: app.verify_key,
          ...(roleId ? { role_id: roleId } : {}),
        },
        secrets: { bot_token: botToken },
        fields: { guildId: found.id, guildName: found.name, channels: channels.map(({ id, name }): ChannelRef => ({ id, name })) },
        warnings: intentWarnings(app.flags),
      };
    },

    async register(integration, secrets, webhookUrl, replica) {
      const token = secrets.bot_token!;
      await rest("PUT", commandsPath(integration), { token, body: replicaCommands(replica.name) });
      if (interactionsOverGateway(integration, webhookUrl)) {
        if ((await application(token)).interactions_endpoint_url) await rest("PATCH", "/applications/@me", { token, body: { interactions_endpoint_url: "" } });
        return;
      }
      try {
        // Discord PINGs the URL (signed, then deliberately badly signed) before it accepts it.
        await rest("PATCH", "/applications/@me", { token, body: { interactions_endpoint_url: webhookUrl } });
      } catch (error) {
        await rest("PUT", commandsPath(integration), { token, body: [] }).catch(() => undefined);
        if (error instanceof PlatformCallError && discordCode(error) === DISCORD_ERRORS.invalidFormBody) {
          throw new PlatformCallError(
            "PLATFORM_ERROR",
            `Discord refused the interactions endpoint URL ${webhookUrl}: ${endpointReason(error)} It must be reachable from the internet over HTTPS (set PUBLIC_URL).`,
            { ...error.details },
          );
        }
        throw error;
      }
    },

    async isRegistered(integration, secrets, webhookUrl) {
      const endpoint = (await application(secrets.bot_token!)).interactions_endpoint_url;
      return interactionsOverGateway(integration, webhookUrl) ? !endpoint : endpoint === webhookUrl;
    },

    async validate(integration, secrets, webhookUrl) {
      const app = await application(secrets.bot_token!);
      if (app.id !== integration.bot.id) {
        throw new PlatformCallError("INVALID_CREDENTIALS", "The stored token now belongs to a different Discord application; rotate bot_token.");
      }
      await guild(secrets.bot_token!, integration.guildId!, app.id);
      if (interactionsOverGateway(integration, webhookUrl)) {
        if (app.interactions_endpoint_url) {
          throw new PlatformCallError(
            "PLATFORM_ERROR",
            "The application has an Interactions Endpoint URL, so Discord sends /ask there instead of over the Gateway; Patchbay clears it on its next check.",
            { interactions_endpoint_url: app.interactions_endpoint_url },
          );
        }
      } else if (app.interactions_endpoint_url !== webhookUrl) {
        throw new PlatformCallError(
          "PLATFORM_ERROR",
          "The application's Interactions Endpoint URL is not Patchbay's; Patchbay sets it again on its next check.",
          { interactions_endpoint_url: app.interactions_endpoint_url ?? null },
        );
      }
      return { warnings: intentWarnings(app.flags) };
    },

    async sendTest(integration, secrets, channelId, text) {
      const channel = channelId ?? integration.channelIds[0] ?? integration.channels[0]?.id;
      if (!channel) throw new ValidationError([{ field: "channel_id", message: "is required: the guild has no text channel to post in" }]);
      const sent = await rest<{ id: string }>("POST", `/channels/${channel}/messages`, {
        token: secrets.bot_token!,
        body: { content: text, nonce: randomString(20), enforce_nonce: true, allowed_mentions: { parse: [] } },
      });
      return { messageId: sent.id };
    },

    listChannels: (integration, secrets) => textChannels(secrets.bot_token!, integration.guildId!),

    async unregister(integration, secrets) {
      const token = secrets.bot_token!;
      await rest("PUT", commandsPath(integration), { token, body: [] });
      const app = await application(token);
      // Only clear the endpoint if it is still ours; someone may have pointed the app elsewhere since.
      if (app.interactions_endpoint_url?.endsWith(`/webhooks/discord/${integration.id}`)) {
        await rest("PATCH", "/applications/@me", { token, body: { interactions_endpoint_url: "" } });
      }
    },
  };
}

function endpointReason(error: PlatformCallError): string {
  const errors = error.details.errors as { interactions_endpoint_url?: { _errors?: { message?: string }[] } } | undefined;
  return errors?.interactions_endpoint_url?._errors?.[0]?.message ?? String(error.details.platform_error);
}
