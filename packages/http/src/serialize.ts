import { integrationStatus } from "@patchbay/core";
import type { ActivityEvent, ChannelView, ImageReport, Integration, Replica } from "@patchbay/core";

/** Domain records to the API's snake_case JSON. Secrets never reach this layer. */

export function replicaJson(replica: Replica) {
  return {
    id: replica.id,
    name: replica.name,
    instructions: replica.instructions,
    model: replica.model,
    greeting: replica.greeting,
    stream: replica.stream,
    temperature: replica.temperature,
    max_output_tokens: replica.maxOutputTokens,
    created_at: replica.createdAt,
    updated_at: replica.updatedAt,
  };
}

/** A replica body of the API as the replica service's input (`max_output_tokens` → `maxOutputTokens`). */
export function replicaInput<T extends { max_output_tokens?: number | null | undefined }>({ max_output_tokens, ...rest }: T) {
  return { ...rest, ...(max_output_tokens !== undefined ? { maxOutputTokens: max_output_tokens } : {}) };
}

export function integrationJson(integration: Integration, webhookUrl: string) {
  return {
    id: integration.id,
    platform: integration.platform,
    replica_id: integration.replicaId,
    name: integration.name,
    active: integration.active,
    status: integrationStatus(integration),
    bot: integration.bot,
    webhook_url: webhookUrl,
    delivery: integration.delivery,
    channel_ids: integration.channelIds,
    channels: integration.channels,
    guild_id: integration.guildId,
    guild_name: integration.guildName,
    workspace_id: integration.workspaceId,
    workspace_name: integration.workspaceName,
    mention: integration.mention,
    scope: integration.scope,
    auto_respond: integration.scope === "all",
    thread_auto_create: integration.threadAutoCreate,
    welcome_message: integration.welcomeMessage,
    bot_token: `****${integration.tokenLast4}`,
    token_masked: true as const,
    message_count: integration.messageCount ?? 0,
    connected_at: integration.connectedAt,
    last_message_at: integration.lastMessageAt,
    last_error: integration.lastError,
    validated_at: integration.validatedAt,
    created_at: integration.createdAt,
    updated_at: integration.updatedAt,
  };
}

export function channelJson(channel: ChannelView) {
  return {
    id: channel.id,
    name: channel.name,
    is_private: channel.isPrivate,
    ...(channel.memberCount !== undefined ? { member_count: channel.memberCount } : {}),
    sync_enabled: channel.syncEnabled,
  };
}

export function eventJson(event: ActivityEvent) {
  const base = {
    id: event.id,
    type: event.type,
    at: event.at,
    chat_id: event.chatId,
    user_id: event.userId,
    text: event.text,
    ...(event.images ? { images: imagesJson(event.images) } : {}),
  };
  switch (event.type) {
    case "replied":
      return { ...base, latency_ms: event.latencyMs, message_ids: event.messageIds };
    case "ignored":
      return { ...base, reason: event.reason, ...(event.detail ? { detail: event.detail } : {}) };
    case "failed":
      return { ...base, error: event.error };
    default:
      return base;
  }
}

function imagesJson(report: ImageReport) {
  return { received: report.received, passed: report.passed, not_passed: report.notPassed.map(({ name, reason, message }) => ({ name, reason, message })) };
}
