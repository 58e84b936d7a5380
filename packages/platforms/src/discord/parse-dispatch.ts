import * as v from "valibot";
import type { Integration, LoggedMessage, PlatformEvent } from "@patchbay/core";
import { deleteKey, editKey, messageKey } from "./delivery-key.ts";
import { discordBotOf } from "./integration-views.ts";
import { issueDetail } from "../shared/issue-detail.ts";
import { cutText, displayName } from "./message-text.ts";
import { parseInteraction } from "./parse-interaction.ts";
import { parseCreatedMessage } from "./parse-message.ts";
import type { DiscordRoute } from "./route.ts";
import { createdMessageSchema, deletedMessageSchema, gatewayPayloadSchema, updatedMessageSchema } from "./schemas.ts";
import { unsupported } from "./unsupported.ts";
import { outsideGuild } from "./guild-check.ts";

type DiscordEvent = PlatformEvent<DiscordRoute>;

/** Dispatch names as Discord spells them; anything else is not named back in the log. */
const DISPATCH_NAME = /^[A-Z][A-Z0-9_]{0,63}$/;
const DISPATCH = 0;

/**
 * With thread_auto_create the answer to a guild channel message opens a thread from it, whose id is the
 * message's: that thread is its conversation from the start, so the thread's history holds the first exchange.
 */
function inItsOwnThread(event: DiscordEvent, integration: Integration): DiscordEvent {
  if (event.kind !== "message" || !integration.threadAutoCreate || event.message.threadId !== null || event.message.isDirect) return event;
  return { ...event, message: { ...event.message, conversationId: event.message.messageId } };
}

/**
 * A Gateway payload the Discord transport received (`{op, t, s, d}`), normalised: MESSAGE_CREATE goes
 * through the answering rules, edits and deletions are logged, INTERACTION_CREATE (what Discord sends over
 * the Gateway when the application has no Interactions Endpoint URL) is read like a webhook interaction,
 * everything else is unsupported.
 */
export function parseDispatch(body: Record<string, unknown>, integration: Integration, receivedAt: string): DiscordEvent {
  const payload = v.safeParse(gatewayPayloadSchema, body, { abortEarly: true });
  if (!payload.success) return unsupported("unexpected_payload", issueDetail("", payload.issues[0]), body, receivedAt);
  const { op, t, d, patchbay_parent_id: parentId } = payload.output;
  if (op !== DISPATCH) return unsupported("unsupported_event", `a Gateway payload with op ${op}: not a dispatch`, body, receivedAt);

  switch (t) {
    case "MESSAGE_CREATE": {
      const message = v.safeParse(createdMessageSchema, d, { abortEarly: true });
      if (!message.success) return unsupported("unexpected_payload", issueDetail("d", message.issues[0]), d, receivedAt, messageKey);
      const bot = discordBotOf(integration);
      // Without the bot's id its own messages cannot be told apart: answering could loop.
      if (!bot) return unsupported("unexpected_payload", "integration bot: no usable Discord id to tell its own messages", d, receivedAt, messageKey);
      // The bot's Gateway carries every server it is in.
      const foreignGuild = outsideGuild(message.output.guild_id, integration);
      if (foreignGuild) return unsupported("guild_not_allowed", foreignGuild, d, receivedAt, messageKey);
      return inItsOwnThread(parseCreatedMessage(message.output, bot, parentId), integration);
    }
    case "MESSAGE_UPDATE": {
      const message = v.safeParse(updatedMessageSchema, d, { abortEarly: true });
      if (!message.success) return unsupported("unexpected_payload", issueDetail("d", message.issues[0]), d, receivedAt, (id) => editKey(id, null));
      const { id, channel_id: channelId, author, content, edited_timestamp: editedAt } = message.output;
      const logged: LoggedMessage = {
        key: editKey(id, editedAt),
        conversationId: channelId,
        chatId: parentId ?? channelId,
        userId: author?.id ?? "",
        userName: displayName(author),
        text: cutText(content ?? ""),
        sentAt: editedAt ? new Date(editedAt).toISOString() : receivedAt,
      };
      return { kind: "activity", activity: "edit", logged };
    }
    case "MESSAGE_DELETE": {
      const message = v.safeParse(deletedMessageSchema, d, { abortEarly: true });
      if (!message.success) return unsupported("unexpected_payload", issueDetail("d", message.issues[0]), d, receivedAt, deleteKey);
      const { id, channel_id: channelId } = message.output;
      const logged: LoggedMessage = { key: deleteKey(id), conversationId: channelId, chatId: parentId ?? channelId, userId: "", userName: "", text: "", sentAt: receivedAt };
      return { kind: "activity", activity: "delete", logged };
    }
    case "INTERACTION_CREATE":
      if (typeof d !== "object" || d === null || Array.isArray(d)) return unsupported("unexpected_payload", "d: expected an interaction object", body, receivedAt);
      return parseInteraction(d as Record<string, unknown>, integration, receivedAt);
    default: {
      const detail = t && DISPATCH_NAME.test(t) ? `a ${t} dispatch: not handled` : "a dispatch of an unknown type: not handled";
      return unsupported("unsupported_event", detail, body, receivedAt);
    }
  }
}
