import type { Logger, OutboundContext, PlatformClient } from "@patchbay/core";
import { splitText } from "../shared/split-text.ts";
import { markdownToMrkdwn } from "./mrkdwn.ts";
import { createSlackPartStreaming } from "./part-streaming.ts";
import { readSlackRoute, requireSlackRoute } from "./route.ts";
import { createSlackWebClient, slackCall } from "./web-client.ts";

/** Slack advises keeping `text` under 4000 characters; escaping can lengthen a part, so parts stay shorter. */
const SLACK_PART_LIMIT = 3500;

/** How a part reads in Slack, the same whether it is posted or a streamed message gets its final text. */
const partBody = (part: string) => ({ text: markdownToMrkdwn(part), mrkdwn: true });

/** The responder's Slack side: a "thinking" status, then mrkdwn replies in the question's thread, streamed as they are written. */
export function createSlackClient(apiUrl: string, logger: Logger): PlatformClient {
  const web = (context: OutboundContext) => createSlackWebClient(context.secrets.bot_token!, apiUrl);

  const sendPart = async (context: OutboundContext, part: string) => {
    const route = requireSlackRoute(context.message.route);
    const result = await slackCall("chat.postMessage", () =>
      web(context).chat.postMessage({
        channel: route.channel,
        ...partBody(part),
        unfurl_links: false,
        ...(route.threadTs ? { thread_ts: route.threadTs } : {}),
      }),
    );
    return { messageId: String(result.ts) };
  };

  return {
    startTyping(context) {
      const route = readSlackRoute(context.message.route);
      if (!route?.threadTs) return () => undefined;
      // Shown only where the app may set assistant statuses; otherwise silently nothing.
      web(context)
        .assistant.threads.setStatus({ channel_id: route.channel, thread_ts: route.threadTs, status: "is thinking…" })
        .catch((error: unknown) => {
          logger.info("slack thinking status unavailable", {
            integration_id: context.integration.id,
            reason: (error as { data?: { error?: string } }).data?.error ?? "request failed",
          });
        });
      return () => undefined;
    },

    split: (answer) => splitText(answer, SLACK_PART_LIMIT),

    sendPart,

    streaming: createSlackPartStreaming({ web, post: sendPart, partBody, logger }),
  };
}
