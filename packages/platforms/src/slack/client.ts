import { PlatformCallError } from "@patchbay/core";
import type { Logger, OutboundContext, PlatformClient } from "@patchbay/core";
import { splitForSlack, toSlackMarkdown, toSlackPlainText } from "./slack-markdown.ts";
import { createSlackPartStreaming } from "./part-streaming.ts";
import { readSlackRoute, requireSlackRoute } from "./route.ts";
import { createSlackWebClient, slackCall } from "./web-client.ts";

/** How a part reads in Slack, the same whether it is posted or a streamed message gets its final text. */
const partBody = (part: string) => ({ markdown_text: toSlackMarkdown(part) });

/** The responder's Slack side: a "thinking" status, then Markdown replies (Slack renders them) in the question's thread, streamed as they are written. */
export function createSlackClient(apiUrl: string, logger: Logger): PlatformClient {
  const web = (context: OutboundContext) => createSlackWebClient(context.secrets.bot_token!, apiUrl);

  const sendPart = async (context: OutboundContext, part: string) => {
    const route = requireSlackRoute(context.message.route);
    const post = (body: { markdown_text: string } | { text: string; mrkdwn: false }) =>
      slackCall("chat.postMessage", () =>
        web(context).chat.postMessage({
          channel: route.channel,
          ...body,
          unfurl_links: false,
          ...(route.threadTs ? { thread_ts: route.threadTs } : {}),
        }),
      );
    try {
      return { messageId: String((await post(partBody(part))).ts) };
    } catch (error) {
      if (!refusedAsBlocks(error)) throw error;
      // Slack turns markdown_text into blocks and has refused some below its documented limits: the words still go.
      logger.warn("slack refused the answer's markdown, sending plain text", { integration_id: context.integration.id });
      return { messageId: String((await post({ text: toSlackPlainText(part), mrkdwn: false })).ts) };
    }
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

    split: (answer) => splitForSlack(answer),

    sendPart,

    streaming: createSlackPartStreaming({ web, post: sendPart, partBody, logger }),
  };
}

const BLOCK_REFUSALS = new Set(["msg_blocks_too_long", "invalid_blocks"]);

function refusedAsBlocks(error: unknown): boolean {
  return error instanceof PlatformCallError && BLOCK_REFUSALS.has(String(error.details.platform_error));
}
