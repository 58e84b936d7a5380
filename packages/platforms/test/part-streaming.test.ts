import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { PlatformCallError } from "@patchbay/core";
import type { InboundMessage, Integration, OutboundContext, PartStreaming } from "@patchbay/core";
import { startFakeSlack, startFakeTelegram } from "@patchbay/testing";
import type { FakeSlack, FakeTelegram } from "@patchbay/testing";
import { createSlackClient } from "../src/slack/client.ts";
import { createTelegramBotApi } from "../src/telegram/bot-api.ts";
import { createTelegramClient } from "../src/telegram/client.ts";

const logger = { info: () => undefined, warn: () => undefined, error: () => undefined };
let telegram: FakeTelegram;
let slack: FakeSlack;

beforeAll(async () => {
  [telegram, slack] = await Promise.all([startFakeTelegram(), startFakeSlack()]);
});
afterAll(async () => {
  await Promise.all([telegram.close(), slack.close()]);
});

function context(message: Partial<InboundMessage>, secrets: Record<string, string>, integration: Partial<Integration> = {}): OutboundContext {
  return {
    integration: { id: "int_stream", threadAutoCreate: false, ...integration } as Integration,
    secrets,
    message: {
      key: "k1",
      conversationId: "c",
      chatId: "c",
      isDirect: true,
      messageId: "1",
      threadId: null,
      userId: "U0ASKER",
      userName: "U",
      text: "question",
      sentAt: new Date().toISOString(),
      route: {},
      ...message,
    },
  };
}

describe("Telegram", () => {
  let bots = 0;
  const setup = () => {
    const token = `${910000 + ++bots}:AAstreaming-client-abcdefghijklmnop`;
    telegram.addBot({ token, username: `streaming${bots}_bot` });
    const client = createTelegramClient(createTelegramBotApi({ apiUrl: telegram.url, timeoutMs: 5000 }), logger);
    return { token, client, streaming: client.streaming as PartStreaming };
  };

  test("a private chat shows drafts (one draft id per question, Telegram HTML) at a message a second; a group has none and is edited every 3 s", async () => {
    const { token, streaming } = setup();
    const inPrivate = context({ chatId: "4301", route: { chatType: "private" } }, { bot_token: token });
    const inGroup = context({ chatId: "-1004301", isDirect: false, route: { chatType: "supergroup" } }, { bot_token: token });
    expect([streaming.drafts?.(inPrivate), streaming.drafts?.(inGroup)]).toEqual([true, false]);
    expect([streaming.updateIntervalMs(inPrivate), streaming.updateIntervalMs(inGroup)]).toEqual([1000, 3000]);
    await streaming.showDraft!(inPrivate, "**Being** written");
    await streaming.showDraft!(inPrivate, "**Being** written, more");
    const drafts = telegram.drafts(token);
    expect(drafts.map((d) => d.text)).toEqual(["Being written", "Being written, more"]);
    expect(drafts[0]!.id).toBe(drafts[1]!.id);
    expect(drafts[0]!.id).toBeGreaterThan(0);
    expect(telegram.callsTo("sendMessageDraft", token)[0]!.params).toMatchObject({ chat_id: 4301, parse_mode: "HTML", text: "<b>Being</b> written" });
    expect(telegram.sentMessages(token)).toEqual([]);
    const otherQuestion = { ...inPrivate, message: { ...inPrivate.message, key: "k2" } };
    await streaming.showDraft!(otherQuestion, "another");
    expect(telegram.drafts(token)[2]!.id).not.toBe(drafts[0]!.id);
  });

  test("an edit Telegram cannot parse is made again as plain text; 'message is not modified' is no error", async () => {
    const { token, client, streaming } = setup();
    const inGroup = context({ chatId: "-1004302", isDirect: false, route: { chatType: "supergroup" } }, { bot_token: token });
    const { messageId } = await streaming.postPart(inGroup, "Start", 0);
    telegram.failNext("editMessageText", { kind: "error", status: 400, description: "Bad Request: can't parse entities: unsupported start tag" });
    await streaming.editPart(inGroup, messageId, "Start **and more**", 0, true);
    const edits = telegram.callsTo("editMessageText", token);
    expect(edits.map((call) => [call.response?.status, call.params.parse_mode])).toEqual([
      [400, "HTML"],
      [200, undefined],
    ]);
    // As Telegram would have shown it, without the Markdown marks.
    expect(edits[1]!.params.text).toBe("Start and more");
    // Formatted this time; then the very same edit again, which Telegram answers "message is not modified".
    await streaming.editPart(inGroup, messageId, "Start **and more**", 0, true);
    await streaming.editPart(inGroup, messageId, "Start **and more**", 0, true);
    expect(telegram.callsTo("editMessageText", token).slice(2).map((call) => call.response?.status)).toEqual([200, 400]);
    expect(telegram.callsTo("editMessageText", token).at(-1)!.response?.body).toMatchObject({ ok: false, description: expect.stringMatching(/not modified/) });
    expect(client.split("Start")).toEqual(["Start"]);
  });
});

describe("Slack", () => {
  let teams = 0;
  const setup = () => {
    const team = slack.addWorkspace({ id: `T0PS${++teams}` });
    const app = slack.addApp({ team_id: team.id });
    const channel = slack.addChannel({ team_id: team.id, members: [app.bot_user_id, "U0ASKER"] }).id;
    const thread = slack.addMessage(channel, { user: "U0ASKER", text: "question" }).ts;
    const client = createSlackClient(slack.url, logger);
    const inThread = context({ chatId: channel, isDirect: false, threadId: thread, route: { channel, threadTs: thread } }, { bot_token: app.token }, { workspaceId: team.id });
    return { team, app, channel, thread, inThread, streaming: client.streaming as PartStreaming };
  };

  test("a thread reply streams to the person who asked: appends while the text grows, then stop and the final text in the answer's format", async () => {
    const { team, channel, thread, inThread, streaming } = setup();
    expect(streaming.updateIntervalMs(inThread)).toBe(1000);
    const { messageId } = await streaming.postPart(inThread, "Hello <!channel>", 0);
    await streaming.editPart(inThread, messageId, "Hello <!channel>, more", 0, false);
    await streaming.editPart(inThread, messageId, "Hello <!channel>, more. Done.", 0, true);
    const [stream] = slack.streams(channel);
    expect(stream).toMatchObject({ ts: messageId, thread_ts: thread, recipient_user_id: "U0ASKER", recipient_team_id: team.id, state: "stopped" });
    // Nothing the model writes pings anyone, while streaming either.
    expect(stream!.chunks.join("")).not.toContain("<!channel>");
    expect(stream!.chunks.slice(1)).toEqual([", more", ". Done."]);
    expect(slack.callsTo("chat.stopStream")).toHaveLength(1);
    const [update] = slack.updates(channel);
    expect(update!.markdown_text).toBe(slack.message(channel, messageId)!.text);
    expect(update!.markdown_text).toMatch(/^Hello <.+channel>, more\. Done\.$/);
    expect(update!.markdown_text).not.toContain("<!channel>");
  });

  test("text that changed other than by growing ends the stream and is replaced with chat.update, as are the edits after it", async () => {
    const { channel, inThread, streaming } = setup();
    const { messageId } = await streaming.postPart(inThread, "A first take", 0);
    await streaming.editPart(inThread, messageId, "A rewritten take", 0, false);
    await streaming.editPart(inThread, messageId, "A rewritten take, longer", 0, false);
    expect(slack.streams(channel)).toEqual([expect.objectContaining({ ts: messageId, chunks: ["A first take"], state: "stopped" })]);
    expect(slack.updates(channel).map((u) => u.markdown_text)).toEqual(["A rewritten take", "A rewritten take, longer"]);
    expect(slack.message(channel, messageId)!.text).toBe("A rewritten take, longer");
  });

  test("a DM (no thread) and a refused stream post the first words and edit them with chat.update; a rate limit on the start is not a refusal", async () => {
    const { app, channel, inThread, streaming } = setup();
    const dm = slack.addChannel({ team_id: app.team_id, type: "im", members: [app.bot_user_id, "U0ASKER"] }).id;
    const inDm = context({ chatId: dm, route: { channel: dm, threadTs: null } }, { bot_token: app.token }, { workspaceId: app.team_id });
    expect(streaming.updateIntervalMs(inDm)).toBe(2000);
    const posted = await streaming.postPart(inDm, "In private", 0);
    await streaming.editPart(inDm, posted.messageId, "In private, finished", 0, true);
    expect([slack.posted(dm).length, slack.streams(dm).length, slack.message(dm, posted.messageId)!.text]).toEqual([1, 0, "In private, finished"]);

    slack.failNext("chat.startStream", { kind: "rate_limit", retryAfter: 2 });
    const limited = await streaming.postPart(inThread, "Wait", 0).catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(PlatformCallError);
    expect(limited).toMatchObject({ code: "RATE_LIMITED", retryAfterMs: 2000 });
    expect(slack.posted(channel)).toEqual([]);

    slack.failNext("chat.startStream", { kind: "error", error: "not_allowed" });
    const fallback = await streaming.postPart(inThread, "Plain post", 0);
    await streaming.editPart(inThread, fallback.messageId, "Plain post, edited", 0, true);
    expect(slack.posted(channel).map((p) => p.ts)).toEqual([fallback.messageId]);
    expect(slack.message(channel, fallback.messageId)!.text).toBe("Plain post, edited");
    // The app is not asked again: its next answers post and edit at chat.update's pace.
    expect(streaming.updateIntervalMs(inThread)).toBe(2000);
    const asked = slack.callsTo("chat.startStream").length;
    const next = await streaming.postPart({ ...inThread, message: { ...inThread.message, key: "k2" } }, "Next answer", 0);
    expect(slack.callsTo("chat.startStream")).toHaveLength(asked);
    expect(slack.posted(channel).map((p) => p.ts)).toEqual([fallback.messageId, next.messageId]);
  });
});
