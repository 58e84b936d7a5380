import type { IgnoreReason, Integration } from "../model.ts";
import type { ChatActivity, PlatformEvent, Sender } from "./platform-event.ts";

export type Decision = { answer: true } | { answer: false; reason: IgnoreReason; detail?: string };

const SENDER_REASONS: Record<Exclude<Sender, "person">, IgnoreReason> = {
  self: "own_message",
  bot: "bot_message",
  system: "system_message",
};

const ACTIVITY_REASONS: Record<ChatActivity, IgnoreReason> = {
  edit: "edited_message",
  delete: "deleted_message",
  member: "member_event",
};

/**
 * The answering rules of design.md §3, the same for every platform and every transport: the one place that
 * says why a delivery is not answered. Handshakes have no decision (null).
 */
export function decide(integration: Integration, event: PlatformEvent): Decision | null {
  switch (event.kind) {
    case "handshake":
      return null;
    case "unsupported":
      return { answer: false, reason: event.reason, detail: event.detail };
    case "activity":
      return { answer: false, reason: ACTIVITY_REASONS[event.activity] };
    case "message": {
      if (event.sender !== "person") return { answer: false, reason: SENDER_REASONS[event.sender] };
      const { message } = event;
      // A picture on its own is a question about the picture.
      if (message.text.trim() === "" && !message.images?.length) return { answer: false, reason: "empty_message" };
      if (!integration.active) return { answer: false, reason: "integration_inactive" };
      if (integration.scope === "none") return { answer: false, reason: "scope_none" };
      if (message.isDirect) return { answer: true };
      if (integration.channelIds.length > 0 && !integration.channelIds.includes(message.chatId)) {
        return { answer: false, reason: "channel_not_allowed" };
      }
      if (integration.scope === "all" || event.addressed) return { answer: true };
      return { answer: false, reason: "not_addressed" };
    }
  }
}
