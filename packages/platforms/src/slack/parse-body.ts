import * as v from "valibot";
import type { Integration, PlatformEvent } from "@patchbay/core";
import { slackBotOf } from "./integration-views.ts";
import { parseMemberEvent } from "./parse-member.ts";
import { parseMessageEvent } from "./parse-message.ts";
import { issueDetail } from "../shared/issue-detail.ts";
import type { SlackRoute } from "./route.ts";
import { envelopeSchema, eventCallbackSchema, memberEventSchema, messageEventSchema, urlVerificationSchema } from "./schemas.ts";
import { unsupportedEvent } from "./unsupported.ts";
import type { UnsupportedReason } from "./unsupported.ts";

/**
 * Validates a verified Events API body and normalises it: the url_verification handshake, the message-like
 * events Patchbay answers, membership changes, and everything else as unsupported with what it was.
 * Never throws, whatever the JSON.
 */
export function parseSlackBody(body: unknown, integration: Integration, receivedAt: string): PlatformEvent<SlackRoute> {
  const unsupported = (reason: UnsupportedReason, detail: string) => unsupportedEvent(body, receivedAt, reason, detail);
  const unexpected = (root: string, issues: [v.BaseIssue<unknown>, ...v.BaseIssue<unknown>[]]) =>
    unsupported("unexpected_payload", issueDetail(root, issues[0]));

  const envelope = v.safeParse(envelopeSchema, body);
  if (!envelope.success) return unexpected("", envelope.issues);
  switch (envelope.output.type) {
    case "url_verification": {
      const handshake = v.safeParse(urlVerificationSchema, body);
      if (!handshake.success) return unexpected("", handshake.issues);
      return { kind: "handshake", body: { challenge: handshake.output.challenge } };
    }
    case "event_callback":
      break;
    case "app_rate_limited":
      return unsupported("unsupported_event", "app_rate_limited: Slack holds back this app's events for a while (over 30,000 an hour from one workspace)");
    default:
      return unsupported("unsupported_event", `envelope type ${envelope.output.type} is not handled`);
  }

  const callback = v.safeParse(eventCallbackSchema, body);
  if (!callback.success) return unexpected("", callback.issues);
  const { event } = callback.output;
  switch (event.type) {
    case "message":
    case "app_mention": {
      const message = v.safeParse(messageEventSchema, event);
      if (!message.success) return unexpected("event", message.issues);
      const bot = slackBotOf(integration);
      if (!bot) return unsupported("unexpected_payload", "integration.bot: expected the Slack bot's id, username and user_id; reconnect the integration");
      return parseMessageEvent(message.output, bot, unsupported);
    }
    case "member_joined_channel":
    case "member_left_channel": {
      const member = v.safeParse(memberEventSchema, event);
      if (!member.success) return unexpected("event", member.issues);
      return parseMemberEvent(member.output);
    }
    default:
      return unsupported("unsupported_event", `event ${event.type} is not handled`);
  }
}
