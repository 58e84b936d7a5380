import * as v from "valibot";
import type { Integration, LoggedMessage, PlatformEvent } from "@patchbay/core";
import { bodyKey } from "../shared/body-key.ts";
import { updateKey } from "./delivery-key.ts";
import { telegramBotOf } from "./integration-views.ts";
import { issueDetail } from "../shared/issue-detail.ts";
import { parseMemberUpdate } from "./parse-membership.ts";
import { parseEditedMessage, parseNewMessage } from "./parse-message.ts";
import type { TelegramRoute } from "./route.ts";
import { memberUpdateSchema, messageSchema, updateIdSchema } from "./schemas.ts";

type TelegramEvent = PlatformEvent<TelegramRoute>;
type Unsupported = Extract<TelegramEvent, { kind: "unsupported" }>;

/** Update type names as the Bot API spells them; anything else is not named back in the log. */
const UPDATE_TYPE_NAME = /^[a-z][a-z_]{0,63}$/;
const READ_TYPES = new Set(["message", "edited_message", "my_chat_member", "chat_member", "channel_post", "edited_channel_post"]);

function unsupported(reason: Unsupported["reason"], detail: string, key: string, receivedAt: string): Unsupported {
  const logged: LoggedMessage = { key, conversationId: "", chatId: "", userId: "", userName: "", text: "", sentAt: receivedAt };
  return { kind: "unsupported", reason, detail, logged };
}

/**
 * Validates a verified Update and normalises it for one integration's bot. Never throws: what is not an
 * Update Patchbay can read becomes `unexpected_payload`, an update type it does not act on `unsupported_event`.
 */
export function parseUpdate(body: unknown, integration: Integration, receivedAt: string): TelegramEvent {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return unsupported("unexpected_payload", "update: expected an object", bodyKey(body), receivedAt);
  }
  const updateId = v.safeParse(updateIdSchema, (body as { update_id?: unknown }).update_id);
  if (!updateId.success) return unsupported("unexpected_payload", issueDetail("update_id", updateId.issues[0]), bodyKey(body), receivedAt);
  const key = updateKey(updateId.output);

  // An Update carries one optional field besides update_id, named after its type; one Patchbay reads wins.
  const fields = Object.keys(body).filter((field) => field !== "update_id");
  const type = fields.find((field) => READ_TYPES.has(field)) ?? fields[0];
  if (type === undefined) return unsupported("unexpected_payload", "update: no update type besides update_id", key, receivedAt);
  const payload: unknown = (body as Record<string, unknown>)[type];

  switch (type) {
    case "message":
    case "edited_message": {
      const message = v.safeParse(messageSchema, payload, { abortEarly: true });
      if (!message.success) return unsupported("unexpected_payload", issueDetail(type, message.issues[0]), key, receivedAt);
      if (message.output.chat.type === "channel") {
        return unsupported("unsupported_event", `${type} in a channel: Patchbay does not answer channels`, key, receivedAt);
      }
      return type === "message"
        ? parseNewMessage(message.output, key, telegramBotOf(integration), receivedAt)
        : parseEditedMessage(message.output, key);
    }
    case "my_chat_member":
    case "chat_member": {
      const member = v.safeParse(memberUpdateSchema, payload, { abortEarly: true });
      if (!member.success) return unsupported("unexpected_payload", issueDetail(type, member.issues[0]), key, receivedAt);
      return parseMemberUpdate(member.output, key, receivedAt);
    }
    case "channel_post":
    case "edited_channel_post":
      return unsupported("unsupported_event", `${type}: Patchbay does not answer channels`, key, receivedAt);
    default: {
      const detail = UPDATE_TYPE_NAME.test(type) ? `${type} update: not handled` : "an update of an unknown type: not handled";
      return unsupported("unsupported_event", detail, key, receivedAt);
    }
  }
}
