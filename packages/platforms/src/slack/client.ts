import type { Logger, OutboundContext, PlatformClient } from "@patchbay/core";
import { splitText } from "../shared/split-text.ts";
import { markdownToMrkdwn } from "./mrkdwn.ts";
import { createSlackWebClient, slackCall } from "./web-client.ts";

/** Slack advises keeping `text` under 4000 characters; escaping can lengthen a part, so parts stay shorter. */
const SLACK_PART_LIMIT = 3500;

/** The responder's Slack side: a "thinking" status, then mrkdwn replies in the question's thread. */
export function createSlackClient(apiUrl: string, logger: Logger): PlatformClient {
  const web = (context: OutboundContext) => createSlackWebClient(context.secrets.bot_token!, apiUrl);

  return {
    startTyping(context) {
      const { message } = context;
      if (!message.threadId) return () => undefined;
      // Shown only where the app may set assistant statuses; otherwise silently nothing.
      web(context)
        .assistant.threads.setStatus({ channel_id: message.chatId, thread_ts: message.threadId, status: "is thinking…" })
        .catch((error: unknown) => {
          logger.info("slack thinking status unavailable", {
            integration_id: context.integration.id,
            reason: (error as { data?: { error?: string } }).data?.error ?? "request failed",
          });
        });
      return () => undefined;
    },

    split: (answer) => splitText(answer, SLACK_PART_LIMIT),

    async sendPart(context, part) {
      const { message } = context;
      const result = await slackCall("chat.postMessage", () =>
        web(context).chat.postMessage({
          channel: message.chatId,
          text: markdownToMrkdwn(part),
          mrkdwn: true,
          unfurl_links: false,
          ...(message.threadId ? { thread_ts: message.threadId } : {}),
        }),
      );
      return { messageId: String(result.ts) };
    },
  };
}
