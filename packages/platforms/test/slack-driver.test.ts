import { describe, expect, test } from "vitest";
import { decide } from "@patchbay/core";
import type { Integration, PlatformEvent } from "@patchbay/core";
import { describeWebhookDriverContract } from "@patchbay/testing/contracts";
import { slackWebhookDriver } from "../src/slack/driver.ts";
import type { SlackRoute } from "../src/slack/route.ts";
import { SLACK_TEST_SIGNING_SECRET, signSlack, slackDriverCase, slackFixture, slackFixtures, slackIntegration } from "./cases/slack-case.ts";

const RECEIVED_AT = "2026-12-02T10:00:00.000Z";
const NOW_MS = Date.parse(RECEIVED_AT);

const parse = (body: unknown, integration: Integration = slackIntegration()) => slackWebhookDriver.parse(body, integration, RECEIVED_AT);

/** A fixture with some fields of its inner event replaced. */
function withEvent(name: string, changes: Record<string, unknown>): unknown {
  const body = structuredClone(slackFixture(name)) as { event: Record<string, unknown> };
  Object.assign(body.event, changes);
  return body;
}

function messageOf(event: PlatformEvent<SlackRoute>) {
  if (event.kind !== "message") throw new Error(`expected a message, got ${event.kind}`);
  return event;
}

function detailOf(event: PlatformEvent<SlackRoute>) {
  if (event.kind !== "unsupported") throw new Error(`expected an unsupported event, got ${event.kind}`);
  return { reason: event.reason, detail: event.detail, key: event.logged.key };
}

describeWebhookDriverContract("Slack", slackDriverCase);

describe("what each recorded Slack payload becomes", () => {
  const mentions = slackIntegration();
  const all = slackIntegration({ scope: "all" });
  const outcome = (name: string, integration = mentions) => {
    const event = parse(slackFixture(name), integration);
    return { kind: event.kind, decision: decide(integration, event) };
  };

  test("a mention in a channel is answered in a thread of its own, with the mention readable", () => {
    const event = messageOf(parse(slackFixture("app-mention")));
    expect(event).toMatchObject({ sender: "person", addressed: true });
    expect(event.message).toEqual({
      key: "C123ABC456:1515449522.000016",
      conversationId: "C123ABC456:1515449522.000016",
      chatId: "C123ABC456",
      isDirect: false,
      messageId: "1515449522.000016",
      threadId: "1515449522.000016",
      userId: "U061F7AUR",
      userName: "U061F7AUR",
      text: "@slacklinker is it everything a river should be?",
      sentAt: "2018-01-08T22:12:02.000Z",
      route: { channel: "C123ABC456", threadTs: "1515449522.000016" },
    });
    expect(decide(mentions, event)).toEqual({ answer: true });
  });

  test("one mention delivered as message and as app_mention has one key, so it gets one answer", () => {
    const asMessage = messageOf(parse(slackFixture("mention-as-message")));
    const asMention = messageOf(parse(slackFixture("mention-as-app-mention")));
    expect(asMessage.message).toEqual(asMention.message);
    expect(asMessage.message).toMatchObject({
      key: "C00FAKECHAN1:1773327463.619929",
      text: "@slacklinker Can you see the name of this channel: <#C00FAKECHAN2>?",
    });
    expect([asMessage.addressed, asMention.addressed]).toEqual([true, true]);
  });

  test("a DM is answered without a mention, outside any thread; a file shared in a DM too", () => {
    const dm = messageOf(parse(slackFixture("message-im")));
    expect(dm.message).toMatchObject({
      key: "D0442US94JD:1664408649.009629",
      conversationId: "D0442US94JD",
      chatId: "D0442US94JD",
      isDirect: true,
      threadId: null,
      text: "test",
      route: { channel: "D0442US94JD", threadTs: null },
    });
    expect(decide(mentions, dm)).toEqual({ answer: true });
    const file = messageOf(parse(slackFixture("file-share-dm")));
    expect(file.message).toMatchObject({ isDirect: true, text: "message message message", userId: "U043H11ES4V" });
    expect(decide(mentions, file)).toEqual({ answer: true });
  });

  test("a file shared without a comment is an empty message, never sent to the model, unless it is a picture", () => {
    const event = parse(withEvent("file-share-dm", { text: "" }));
    expect(decide(mentions, event)).toEqual({ answer: false, reason: "empty_message" });
    const picture = parse(withEvent("file-share", { text: "", channel_type: "im" }));
    expect(decide(mentions, picture)).toEqual({ answer: true });
  });

  test("a shared image file is a picture for the model, by its url_private; other files and Slack Connect stubs are not", () => {
    expect(messageOf(parse(slackFixture("file-share"))).message).toMatchObject({
      text: "Hi there!",
      images: [{ ref: "https://files.slack.com/files-pri/T111-F111/file.png", name: "file.png", mediaType: "image/png", size: 92582 }],
    });
    const pdf = structuredClone(slackFixture("file-share")) as { event: { files: Record<string, unknown>[] } };
    pdf.event.files[0]!.mimetype = "application/pdf";
    expect(messageOf(parse(pdf)).message).not.toHaveProperty("images");
    expect(messageOf(parse(slackFixture("file-share-dm"))).message).not.toHaveProperty("images");
  });

  test("a thread reply belongs to its parent's thread; answered when it mentions the bot or with scope all", () => {
    const reply = messageOf(parse(slackFixture("thread-reply")));
    expect(reply.message).toMatchObject({
      key: "C00FAKECHAN1:1767224901.701849",
      conversationId: "C00FAKECHAN1:1767224888.280449",
      threadId: "1767224888.280449",
      route: { channel: "C00FAKECHAN1", threadTs: "1767224888.280449" },
      text: "Hi",
    });
    expect(decide(mentions, reply)).toEqual({ answer: false, reason: "not_addressed" });
    expect(decide(all, reply)).toEqual({ answer: true });
    const mentioned = messageOf(parse(withEvent("thread-reply", { text: "<@U0442US8QGH> and you?" })));
    expect(mentioned).toMatchObject({ addressed: true, message: { text: "@slacklinker and you?", threadId: "1767224888.280449" } });
  });

  test("plain channel chatter, a shared file and a thread broadcast are people talking, answered with scope all", () => {
    for (const name of ["channel-message", "file-share", "thread-broadcast"]) {
      expect(outcome(name)).toEqual({ kind: "message", decision: { answer: false, reason: "not_addressed" } });
      expect(outcome(name, all)).toEqual({ kind: "message", decision: { answer: true } });
    }
    expect(messageOf(parse(slackFixture("thread-broadcast"))).message).toMatchObject({
      threadId: "1633663824.000500",
      conversationId: "C111:1633663824.000500",
    });
  });

  test("Enterprise Grid and Slack Connect envelopes parse like any other", () => {
    expect(outcome("enterprise-grid-mention")).toEqual({ kind: "message", decision: { answer: true } });
    const orgWide = messageOf(parse(slackFixture("enterprise-org-install-message")));
    expect(orgWide).toMatchObject({ addressed: true, message: { userId: "W111", text: "@slacklinker" } });
    const connect = messageOf(parse(slackFixture("slack-connect-thread-reply")));
    expect(connect).toMatchObject({
      sender: "person",
      message: {
        key: "C08UHAM34QM:1755205729.376419",
        conversationId: "C08UHAM34QM:1755203357.658399",
        userId: "U08S4NPGX7X",
        text: "slack connect channel test message",
      },
    });
    expect(decide(all, connect)).toEqual({ answer: true });
  });

  test("only people are answered: the bot's own post, another app's and Slackbot's notices each have a reason", () => {
    expect(outcome("own-message", all)).toEqual({ kind: "message", decision: { answer: false, reason: "own_message" } });
    expect(outcome("bot-message", all)).toEqual({ kind: "message", decision: { answer: false, reason: "bot_message" } });
    const notice = messageOf(parse(slackFixture("slackbot-dm-notice")));
    expect(notice).toMatchObject({ sender: "system", message: { isDirect: true, userId: "USLACKBOT" } });
    expect(decide(all, notice)).toEqual({ answer: false, reason: "system_message" });
    // The bot's own post without a subtype, told apart by its bot_id alone.
    expect(messageOf(parse(withEvent("own-message", { user: "U0OTHERUSER" }))).sender).toBe("self");
    expect(messageOf(parse(withEvent("channel-message", { subtype: "channel_topic" }))).sender).toBe("system");
  });

  test("edits, deletions, joins and membership changes are activity, keyed by their own event", () => {
    const edit = parse(slackFixture("message-changed"));
    expect(edit).toEqual({
      kind: "activity",
      activity: "edit",
      logged: {
        key: "C043YJGBY49:1663969334.001500",
        conversationId: "C043YJGBY49",
        chatId: "C043YJGBY49",
        userId: "U043H11ES4V",
        userName: "U043H11ES4V",
        text: "<https://jadeapptesting.slack.com/archives/C043YJGBY49/p1663966292304369>",
        sentAt: "2022-09-23T21:42:14.001Z",
      },
    });
    expect(decide(all, edit)).toEqual({ answer: false, reason: "edited_message" });
    const deletion = parse(slackFixture("message-deleted"));
    expect(deletion).toMatchObject({ kind: "activity", activity: "delete", logged: { key: "C043YJGBY49:1663969383.001500", text: "" } });
    expect(decide(all, deletion)).toEqual({ answer: false, reason: "deleted_message" });
    expect(parse(slackFixture("channel-join"))).toMatchObject({
      kind: "activity",
      activity: "member",
      logged: { userId: "U0442US8QGH", text: "@slacklinker has joined the channel" },
    });
    const joined = parse(slackFixture("member-joined-channel-grid"));
    expect(joined).toMatchObject({
      kind: "activity",
      activity: "member",
      logged: { key: "C00FAKECHAN1:member:U00FAKEBOT01:1772518352.000200", sentAt: "2026-03-03T06:12:32.000Z" },
    });
    expect(decide(all, joined)).toEqual({ answer: false, reason: "member_event" });
  });

  test("events Patchbay does not act on are unsupported_event, named, under Slack's event id", () => {
    expect(detailOf(parse(slackFixture("app-home-opened")))).toEqual({
      reason: "unsupported_event",
      detail: "event app_home_opened is not handled",
      key: "Ev08EUG3TZ0S",
    });
    const home = parse(slackFixture("app-home-opened"));
    expect(home.kind === "unsupported" && home.logged).toMatchObject({ chatId: "D0442US94JD", userId: "U043H11ES4V", sentAt: "2025-02-24T20:52:08.000Z" });
    expect(detailOf(parse(slackFixture("message-replied")))).toMatchObject({ reason: "unsupported_event", detail: expect.stringMatching(/^message_replied/) });
    // Slack's docs warn message_replied may come without its subtype.
    const bare = structuredClone(slackFixture("message-replied")) as { event: Record<string, unknown> };
    delete bare.event.subtype;
    expect(detailOf(parse(bare)).detail).toMatch(/^message_replied/);
    expect(detailOf(parse(withEvent("channel-message", { subtype: "canvas_shared" })))).toMatchObject({
      reason: "unsupported_event",
      detail: "message subtype canvas_shared is not handled",
    });
    expect(detailOf(parse({ type: "team_access_granted_envelope" })).detail).toBe("envelope type team_access_granted_envelope is not handled");
  });

  test("app_rate_limited has no event id: its key is a hash of the body, the same on every delivery", () => {
    const first = parse(slackFixture("app-rate-limited"));
    const again = parse(slackFixture("app-rate-limited"));
    expect(detailOf(first)).toMatchObject({ reason: "unsupported_event", detail: expect.stringMatching(/^app_rate_limited/) });
    expect(detailOf(first).key).toMatch(/^h[0-9a-f]{32}$/);
    expect(detailOf(again).key).toBe(detailOf(first).key);
    expect(first.kind === "unsupported" && first.logged.sentAt).toBe(RECEIVED_AT);
  });

  test("url_verification is the handshake, answered with its challenge", () => {
    const event = parse(slackFixture("url-verification"));
    expect(event).toEqual({ kind: "handshake", body: { challenge: "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" } });
    expect(decide(mentions, event)).toBeNull();
  });

  test("every fixture parses to what its name promises: none is an unexpected payload", () => {
    const unexpected = slackFixtures().filter(({ body }) => {
      const event = parse(body);
      return event.kind === "unsupported" && event.reason === "unexpected_payload";
    });
    expect(unexpected.map((f) => f.name)).toEqual([]);
  });
});

describe("a body whose fields Patchbay reads are of another shape is an unexpected payload, named", () => {
  const cases: [string, unknown, string][] = [
    ["not an object", null, "body: expected an object"],
    ["no type", {}, "type: is missing"],
    ["a type that is no name", { type: "x".repeat(500) }, "type: expected a Slack type name"],
    ["no event", { type: "event_callback" }, "event: is missing"],
    ["an event of another type", { type: "event_callback", event: "message" }, "event: expected an object"],
    ["a channel that is an object", withEvent("app-mention", { channel: { id: "C1" } }), "event.channel: expected a string"],
    ["a channel that is no Slack id", withEvent("app-mention", { channel: "#general" }), "event.channel: expected a Slack channel id"],
    ["a ts that is a number", withEvent("app-mention", { ts: 1e308 }), "event.ts: expected a string"],
    ["a ts that is no Slack ts", withEvent("app-mention", { ts: "9999999999999.1" }), "event.ts: expected a Slack timestamp such as 1515449522.000016"],
    ["no ts", withEvent("app-mention", { ts: undefined }), "event.ts: is missing"],
    ["a user id of 70 characters", withEvent("app-mention", { user: "U".repeat(70) }), "event.user: expected a Slack user id"],
    ["a text that is an array", withEvent("app-mention", { text: ["hi"] }), "event.text: expected a string"],
    ["an edit whose message is a string", withEvent("message-changed", { message: "edited" }), "event.message: expected an object"],
    ["a member event without its user", withEvent("member-joined-channel-grid", { user: undefined }), "event.user: is missing"],
    ["a challenge that is a number", { type: "url_verification", challenge: 42 }, "challenge: expected a string"],
  ];

  test.each(cases)("%s", (_name, body, detail) => {
    const event = parse(body);
    expect(event).toMatchObject({ kind: "unsupported", reason: "unexpected_payload", detail });
    expect(decide(slackIntegration(), event)).toMatchObject({ answer: false, reason: "unexpected_payload", detail });
  });

  test("its log entry is keyed by the event id when there is one, and holds plain strings only", () => {
    const event = parse(withEvent("app-home-opened", { channel: 5, user: { id: "U1" } }));
    expect(event.kind === "unsupported" && event.logged).toEqual({
      key: "Ev08EUG3TZ0S",
      conversationId: "",
      chatId: "",
      userId: "",
      userName: "",
      text: "",
      sentAt: "2025-02-24T20:52:08.000Z",
    });
  });

  test("an integration whose stored bot identity is unusable cannot tell its own messages: nothing is answered", () => {
    const broken = slackIntegration({ bot: { id: "B0439P161B9", username: "slacklinker" } });
    expect(detailOf(parse(slackFixture("message-im"), broken))).toMatchObject({
      reason: "unexpected_payload",
      detail: expect.stringMatching(/^integration\.bot: /),
    });
  });
});

describe("any value in any field the fixtures have", () => {
  const HOSTILE: unknown[] = [null, true, 0, -1, 1e308, 2 ** 53 + 1, "", "x".repeat(70_000), "\ud800", "9999-99-99", [], [1, "two"], {}, { nested: { deeper: {} } }];

  function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
    if (!value || typeof value !== "object") return [];
    return Object.entries(value).flatMap(([key, child]) => {
      const path = [...prefix, Array.isArray(value) ? Number(key) : key];
      return [path, ...paths(child, path)];
    });
  }

  function replaced(body: unknown, path: (string | number)[], value: unknown): unknown {
    const copy = structuredClone(body) as Record<string | number, unknown>;
    let parent = copy;
    for (const step of path.slice(0, -1)) parent = parent[step] as Record<string | number, unknown>;
    parent[path[path.length - 1]!] = value;
    return copy;
  }

  const LOGGED_FIELDS = ["key", "conversationId", "chatId", "userId", "userName", "text", "sentAt"] as const;

  test("parses without throwing into events whose logged fields are bounded plain strings and real times", () => {
    for (const { name, body } of slackFixtures()) {
      for (const path of paths(body)) {
        for (const value of HOSTILE) {
          const event = parse(replaced(body, path, value));
          if (event.kind === "handshake") continue;
          const where = `${name} ${path.join(".")}`;
          const logged = event.kind === "message" ? event.message : event.logged;
          for (const field of LOGGED_FIELDS) expect(typeof logged[field], `${where}: ${field}`).toBe("string");
          expect(logged.key.length, where).toBeLessThanOrEqual(200);
          expect(new Date(logged.sentAt).toISOString(), where).toBe(logged.sentAt);
          if (event.kind === "unsupported") expect(event.detail.length, where).toBeGreaterThan(0);
        }
      }
    }
  });
});

describe("the text passed on", () => {
  test("is cut at Slack's 40,000 characters, never rejected", () => {
    const event = messageOf(parse(withEvent("message-im", { text: "a".repeat(70_000) })));
    expect(event.message.text.length).toBe(40_000);
  });

  test("never ends in half a surrogate pair, and lone surrogates become U+FFFD", () => {
    const cut = messageOf(parse(withEvent("message-im", { text: `${"a".repeat(39_999)}😀 more` })));
    expect(cut.message.text).toBe("a".repeat(39_999));
    const lone = messageOf(parse(withEvent("message-im", { text: "evil\ud800 text" })));
    expect(lone.message.text).toBe("evil\uFFFD text");
  });

  test("reads the older `<@U…|name>` mention form as the bot's handle too", () => {
    const event = messageOf(parse(withEvent("channel-message", { text: "hey <@U0442US8QGH|slacklinker> there" })));
    expect(event).toMatchObject({ addressed: true, message: { text: "hey @slacklinker there" } });
  });

  test("a mention of someone else is not a mention of the bot", () => {
    const event = messageOf(parse(withEvent("channel-message", { text: "<@U043H11ES4V> ping" })));
    expect(event).toMatchObject({ addressed: false, message: { text: "<@U043H11ES4V> ping" } });
  });
});

describe("verify and acknowledge", () => {
  const body = JSON.stringify(slackFixture("app-mention"));
  const secrets = { bot_token: "xoxb-1", signing_secret: SLACK_TEST_SIGNING_SECRET };
  const verify = (headers: Headers, nowMs = NOW_MS, bundle: typeof secrets | null = secrets) =>
    slackWebhookDriver.verify({ body, headers }, { integration: slackIntegration(), secrets: async () => bundle, nowMs });

  test("a signature within five minutes either way verifies; older, newer, forged or unsigned does not", async () => {
    expect(await verify(signSlack(body, NOW_MS))).toBe(true);
    expect(await verify(signSlack(body, NOW_MS - 299_000))).toBe(true);
    expect(await verify(signSlack(body, NOW_MS - 301_000))).toBe(false);
    expect(await verify(signSlack(body, NOW_MS + 301_000))).toBe(false);
    expect(await verify(signSlack(body, NOW_MS, "another-apps-signing-secret"))).toBe(false);
    expect(await verify(new Headers())).toBe(false);
    expect(await verify(signSlack(body, NOW_MS), NOW_MS, null)).toBe(false);
  });

  test("the secrets view needs the bot token and the signing secret, and tolerates a Socket Mode app_token", () => {
    expect(slackWebhookDriver.readSecrets({ ...secrets, app_token: "xapp-1" })).toMatchObject(secrets);
    expect(slackWebhookDriver.readSecrets({ bot_token: "xoxb-1" })).toBeNull();
    expect(slackWebhookDriver.readSecrets({ bot_token: "xoxb-1", signing_secret: "" })).toBeNull();
  });

  test("every verified delivery is acknowledged 200 { ok: true }; the handshake with its challenge", async () => {
    const message = parse(slackFixture("app-mention"));
    const ignored = parse(slackFixture("app-home-opened"));
    for (const [event, decision] of [
      [message, { answer: true }],
      [ignored, decide(slackIntegration(), ignored)],
    ] as const) {
      const response = slackWebhookDriver.acknowledge(event, decision);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ ok: true });
    }
    const handshake = slackWebhookDriver.acknowledge(parse(slackFixture("url-verification")), null);
    expect(await handshake.json()).toEqual({ challenge: "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" });
  });

  test("a body is read up to 1 MiB, room for a 40,000-character edit with its blocks and previous version", () => {
    expect(slackWebhookDriver.maxBodyBytes).toBe(1024 * 1024);
  });
});
