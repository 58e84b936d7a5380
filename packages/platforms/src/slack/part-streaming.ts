import type { WebClient } from "@slack/web-api";
import { PlatformCallError } from "@patchbay/core";
import type { Logger, OutboundContext, PartStreaming, SentPart } from "@patchbay/core";
import { requireSlackRoute } from "./route.ts";
import { slackCall } from "./web-client.ts";

/** chat.appendStream is Tier 4 (100+ a minute per workspace): one append a second per answer. */
const NATIVE_UPDATE_MS = 1000;
/** chat.update is Tier 3 (50+ a minute per workspace, shared by every answer written there at once). */
const UPDATE_MS = 2000;

export interface SlackPartStreamingDeps {
  web(context: OutboundContext): WebClient;
  /** Posts a part as a plain answer (the same as `sendPart`). */
  post(context: OutboundContext, part: string, index: number): Promise<SentPart>;
  /** The message body that shows a part exactly as `sendPart` formats it (its `markdown_text` is also what a stream shows). */
  partBody(part: string): { markdown_text: string };
  logger: Logger;
}

/**
 * Slack shows an answer being written through its native streams (chat.startStream, appendStream, stopStream)
 * where a stream may go — a reply in a thread, with the person it answers as recipient — and otherwise posts
 * the first words and edits them with chat.update. A stream only grows, so a part whose text changed in any
 * other way, and every part's final text, is written with chat.update in the format of a plain answer.
 */
export function createSlackPartStreaming(deps: SlackPartStreamingDeps): PartStreaming {
  // What each stream this process opened shows so far (its markdown_text); forgotten once the stream is stopped.
  const open = new Map<string, string>();
  // Integrations whose app Slack refused a stream: for as long as this process runs, their answers post and edit
  // at chat.update's pace instead of asking again each time.
  const refused = new Set<string>();

  /** Where a native stream may go: a thread reply in a known workspace, for an app Slack has not refused one. */
  const streamable = (context: OutboundContext) => {
    const route = requireSlackRoute(context.message.route);
    const team = context.integration.workspaceId;
    return route.threadTs && team && !refused.has(context.integration.id) ? { ...route, threadTs: route.threadTs, team } : null;
  };

  const stop = async (context: OutboundContext, ts: string) => {
    open.delete(ts);
    const route = requireSlackRoute(context.message.route);
    await slackCall("chat.stopStream", () => deps.web(context).chat.stopStream({ channel: route.channel, ts }));
  };

  const update = async (context: OutboundContext, ts: string, part: string) => {
    const route = requireSlackRoute(context.message.route);
    await slackCall("chat.update", () => deps.web(context).chat.update({ channel: route.channel, ts, ...deps.partBody(part) }));
  };

  return {
    updateIntervalMs: (context) => (streamable(context) ? NATIVE_UPDATE_MS : UPDATE_MS),

    async postPart(context, part, index) {
      const target = streamable(context);
      if (!target) return deps.post(context, part, index);
      try {
        const started = await slackCall("chat.startStream", () =>
          deps.web(context).chat.startStream({
            channel: target.channel,
            thread_ts: target.threadTs,
            markdown_text: deps.partBody(part).markdown_text,
            recipient_user_id: context.message.userId,
            recipient_team_id: target.team,
          }),
        );
        const ts = String(started.ts);
        open.set(ts, deps.partBody(part).markdown_text);
        return { messageId: ts };
      } catch (error) {
        // Waiting helps a rate limit or an outage; a refusal (an app Slack does not let stream) falls back to a post.
        if (!(error instanceof PlatformCallError) || error.code === "RATE_LIMITED" || error.code === "NETWORK_ERROR") throw error;
        deps.logger.info("slack stream refused, posting and editing instead", { integration_id: context.integration.id, reason: error.details.platform_error });
        refused.add(context.integration.id);
        return deps.post(context, part, index);
      }
    },

    async editPart(context, messageId, part, _index, final) {
      const shown = open.get(messageId);
      const markdown = deps.partBody(part).markdown_text;
      if (shown !== undefined && markdown.startsWith(shown)) {
        const more = markdown.slice(shown.length);
        if (more !== "") {
          const route = requireSlackRoute(context.message.route);
          await slackCall("chat.appendStream", () => deps.web(context).chat.appendStream({ channel: route.channel, ts: messageId, markdown_text: more }));
          open.set(messageId, markdown);
        }
        if (!final) return;
      }
      if (shown !== undefined) await stop(context, messageId);
      await update(context, messageId, part);
    },

    async removePart(context, messageId) {
      open.delete(messageId);
      const route = requireSlackRoute(context.message.route);
      try {
        await slackCall("chat.delete", () => deps.web(context).chat.delete({ channel: route.channel, ts: messageId }));
      } catch (error) {
        // Already deleted (by someone, or by an attempt that crashed right after).
        if (!(error instanceof PlatformCallError) || error.details.platform_error !== "message_not_found") throw error;
      }
    },
  };
}
