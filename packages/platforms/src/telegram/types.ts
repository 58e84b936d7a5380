/** The Bot API answers Patchbay reads (https://core.telegram.org/bots/api#available-types); updates are in schemas.ts. */

export interface TelegramBotUser {
  id: number;
  is_bot: boolean;
  first_name: string;
  username?: string;
  can_read_all_group_messages?: boolean;
}

export interface TelegramSentMessage {
  message_id: number;
}

export interface TelegramWebhookInfo {
  url: string;
  pending_update_count: number;
  last_error_date?: number;
  last_error_message?: string;
  allowed_updates?: string[];
}

/** Update types Patchbay asks Telegram for. */
export const ALLOWED_UPDATES = ["message", "my_chat_member"];
