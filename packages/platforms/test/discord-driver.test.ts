import { describe, expect, test } from "vitest";
import { decide } from "@patchbay/core";
import type { Decision, Integration, PlatformEvent } from "@patchbay/core";
import { describeWebhookDriverContract } from "@patchbay/testing/contracts";
import { discordWebhookDriver as driver } from "../src/discord/driver.ts";
import type { DiscordRoute } from "../src/discord/route.ts";
import { snowflakeTime } from "../src/discord/snowflake.ts";
import { DISCORD_TEST_BOT, DISCORD_TEST_ROLE, discordDriverCase, discordFixture, discordFixtures, discordIntegration, discordSigner } from "./cases/discord-case.ts";

const RECEIVED_AT = "2026-12-02T10:00:00.000Z";
const NOW_MS = Date.parse(RECEIVED_AT);
const signer = discordSigner();
const integration = discordIntegration(signer.publicKey);

type DiscordEvent = PlatformEvent<DiscordRoute>;

/**
 * When a body reaches Patchbay: an interaction a second after Discord created it (it is delivered at once,
 * and one older than its token's 15 minutes is refused), anything else at RECEIVED_AT.
 */
const receivedAt = (body: unknown): string => {
  const id = (body as { id?: unknown; op?: unknown } | null)?.op === undefined ? (body as { id?: unknown } | null)?.id : undefined;
  return typeof id === "string" && /^[0-9]{15,20}$/.test(id) ? new Date(snowflakeTime(id) + 1000).toISOString() : RECEIVED_AT;
};
/** The recorded bodies come from several servers: each is parsed for an integration in its own. */
const inItsGuild = (body: unknown): Integration => {
  const value = body as { op?: unknown; guild_id?: unknown; d?: { guild_id?: unknown } } | null;
  const guild = value?.op === undefined ? value?.guild_id : value?.d?.guild_id;
  return typeof guild === "string" ? { ...integration, guildId: guild } : integration;
};
const parse = (body: unknown, on: Integration = inItsGuild(body)): DiscordEvent => driver.parse(body, on, receivedAt(body));
const fixture = (name: string) => parse(discordFixture(name));
const outcome = (event: DiscordEvent, on: Integration = integration) => {
  const decision = decide(on, event);
  return decision === null ? null : decision.answer ? "answered" : decision.reason;
};

function messageOf(event: DiscordEvent) {
  if (event.kind !== "message") throw new Error(`expected a message, got ${event.kind}`);
  return event;
}

function unsupportedOf(event: DiscordEvent) {
  if (event.kind !== "unsupported") throw new Error(`expected unsupported, got ${event.kind}`);
  return event;
}

/** A recorded body with one field (a path of keys) replaced. */
function withField(name: string, path: string[], value: unknown): unknown {
  const body = discordFixture(name) as Record<string, any>;
  let parent = body;
  for (const key of path.slice(0, -1)) parent = parent[key];
  parent[path.at(-1)!] = value;
  return body;
}

async function answer(event: DiscordEvent, decision: Decision | null = decide(integration, event)) {
  const response = driver.acknowledge(event, decision);
  const text = await response.text();
  return { status: response.status, body: text === "" ? null : (JSON.parse(text) as unknown) };
}

/** The image attachment the picture fixtures carry (a real one, from rustcord's recorded reply). */
const CDN_IMAGE_URL =
  "https://cdn.discordapp.com/attachments/1114555266835431444/1211324992441032805/image.png?ex=65edc94f&is=65db544f&hm=43603959f9cdd8acc807184be4a0286b2381dd862c25179e8e31cc797f5d986e&";

describe("every recorded body becomes the event its README says", () => {
  const expected: Record<string, { kind: DiscordEvent["kind"]; sender?: string; addressed?: boolean; outcome: string | null }> = {
    autocomplete: { kind: "unsupported", outcome: "unsupported_event" },
    "command-ask": { kind: "message", sender: "person", addressed: true, outcome: "answered" },
    "command-dm": { kind: "message", sender: "person", addressed: true, outcome: "answered" },
    "command-in-thread": { kind: "message", sender: "person", addressed: true, outcome: "answered" },
    "command-other": { kind: "unsupported", outcome: "unsupported_event" },
    "command-user-install-group-dm": { kind: "message", sender: "person", addressed: true, outcome: "answered" },
    "component-click": { kind: "unsupported", outcome: "unsupported_event" },
    "gateway-dm": { kind: "message", sender: "person", addressed: false, outcome: "answered" },
    "gateway-dm-image": { kind: "message", sender: "person", addressed: false, outcome: "answered" },
    "gateway-mention": { kind: "message", sender: "person", addressed: true, outcome: "answered" },
    "gateway-message-delete": { kind: "activity", outcome: "deleted_message" },
    "gateway-message-update": { kind: "activity", outcome: "edited_message" },
    "gateway-own-message": { kind: "message", sender: "self", addressed: false, outcome: "own_message" },
    "gateway-reaction-add": { kind: "unsupported", outcome: "unsupported_event" },
    "gateway-reply-to-bot": { kind: "message", sender: "person", addressed: true, outcome: "answered" },
    "gateway-role-mention": { kind: "message", sender: "person", addressed: false, outcome: "not_addressed" },
    "gateway-system-join": { kind: "message", sender: "system", addressed: false, outcome: "system_message" },
    "gateway-thread-create": { kind: "unsupported", outcome: "unsupported_event" },
    "gateway-thread-message": { kind: "message", sender: "person", addressed: false, outcome: "not_addressed" },
    "gateway-webhook-message": { kind: "message", sender: "bot", addressed: false, outcome: "bot_message" },
    "message-command": { kind: "message", sender: "person", addressed: true, outcome: "answered" },
    "message-command-image": { kind: "message", sender: "person", addressed: true, outcome: "answered" },
    "modal-submit": { kind: "unsupported", outcome: "unsupported_event" },
    ping: { kind: "handshake", outcome: null },
  };

  test("the README's table covers every fixture", () => {
    expect(discordFixtures().map((f) => f.name).sort()).toEqual(Object.keys(expected).sort());
  });

  test.each(Object.entries(expected))("%s", (name, want) => {
    const event = fixture(name);
    expect(event.kind).toBe(want.kind);
    if (event.kind === "message") expect({ sender: event.sender, addressed: event.addressed }).toEqual({ sender: want.sender, addressed: want.addressed });
    expect(outcome(event)).toBe(want.outcome);
  });
});

describe("interactions", () => {
  test("/ask: keyed by the interaction, the question as text, answered through the interaction's webhook", () => {
    const { message } = messageOf(fixture("command-ask"));
    expect(message).toEqual({
      key: "i786008729715212338",
      conversationId: "645027906669510667",
      chatId: "645027906669510667",
      isDirect: false,
      messageId: "786008729715212338",
      threadId: null,
      userId: "53908232506183680",
      userName: "Mason",
      text: "What is the Gitrog Monster?",
      sentAt: "2020-12-08T23:18:04.500Z",
      route: { via: "interaction", applicationId: DISCORD_TEST_BOT.id, interactionToken: "A_UNIQUE_TOKEN", createdAtMs: 1607469484500 },
    });
  });

  test("the message command asks about the message it is used on", () => {
    const { message } = messageOf(fixture("message-command"));
    expect(message).toMatchObject({ key: "i867793873336926249", messageId: "867793854505943041", text: "some message", userName: "ian" });
  });

  test("in a thread the parent channel is the chat (for channel_ids) and the thread the conversation", () => {
    const { message } = messageOf(fixture("command-in-thread"));
    expect(message).toMatchObject({ chatId: "1457510428359004343", threadId: "1457536551830421524", conversationId: "1457536551830421524", isDirect: false });
    const filtered = { ...integration, channelIds: ["1457510428359004343"] };
    expect(outcome(fixture("command-in-thread"), filtered)).toBe("answered");
    expect(outcome(fixture("command-ask"), filtered)).toBe("channel_not_allowed");
  });

  test("without a guild (the bot's DM, a user-installed app in a group DM) it is a direct message, never filtered", () => {
    const filtered = { ...integration, channelIds: ["1457510428359004343"] };
    for (const name of ["command-dm", "command-user-install-group-dm"]) {
      const { message } = messageOf(fixture(name));
      expect(message).toMatchObject({ isDirect: true, chatId: "1234563982236504123", text: "Can you help me?" });
      expect(outcome(fixture(name), filtered)).toBe("answered");
    }
  });

  test("a picture alone in a message is answered: its attachment by the signed CDN link, as Discord typed it", () => {
    const { message } = messageOf(fixture("gateway-dm-image"));
    expect(message.text).toBe("");
    expect(message.images).toEqual([{ ref: CDN_IMAGE_URL, name: "image.png", mediaType: "image/png", size: 20970 }]);
  });

  test("the message command takes the pictures of the message it is used on", () => {
    const { message } = messageOf(fixture("message-command-image"));
    expect(message).toMatchObject({ text: "some message", images: [{ ref: CDN_IMAGE_URL, name: "image.png", mediaType: "image/png", size: 20970 }] });
    expect(messageOf(fixture("message-command")).message).not.toHaveProperty("images");
    expect(messageOf(fixture("command-ask")).message).not.toHaveProperty("images");
  });

  test("attachments that are not pictures are left alone; one without a type counts when named like a picture", () => {
    const attachments = (list: Record<string, unknown>[]) => messageOf(parse(withField("gateway-dm-image", ["d", "attachments"], list))).message.images ?? [];
    const file = { id: "1", filename: "notes.pdf", size: 10, url: "https://cdn.discordapp.com/attachments/1/1/notes.pdf", content_type: "application/pdf" };
    const untyped = { id: "2", filename: "cat.JPG", size: 10, url: "https://cdn.discordapp.com/attachments/1/2/cat.JPG" };
    expect(attachments([file, untyped])).toEqual([{ ref: untyped.url, name: "cat.JPG", mediaType: null, size: 10 }]);
    expect(outcome(parse(withField("gateway-dm-image", ["d", "attachments"], [file])))).toBe("empty_message");
  });

  test("an /ask without a question, or a message command on a message with no text, is empty", () => {
    const options = withField("command-ask", ["data", "options"], []);
    expect(outcome(parse(options))).toBe("empty_message");
    const noContent = withField("message-command", ["data", "resolved", "messages", "867793854505943041", "content"], "");
    expect(outcome(parse(noContent))).toBe("empty_message");
  });

  test("other commands, user commands and other interaction types are unsupported, with what they were", () => {
    expect(unsupportedOf(fixture("command-other")).detail).toBe("/cardsearch: not a Patchbay command (only /ask and the message command are)");
    expect(unsupportedOf(parse(withField("command-ask", ["data", "type"], 2))).detail).toBe("a user command: Patchbay registers none");
    expect(unsupportedOf(fixture("autocomplete"))).toMatchObject({ detail: expect.stringContaining("autocomplete"), logged: { key: "i787053080478613555" } });
    expect(unsupportedOf(fixture("component-click")).logged).toMatchObject({ key: "i1457536583141163186", userId: "1033044521375764530", chatId: "1457536551830421524" });
    expect(unsupportedOf(parse({ ...(discordFixture("ping") as object), type: 9 })).detail).toBe("an interaction of type 9: not handled");
  });

  test("a long question is cut at Discord's own 4000 characters, never refused", () => {
    const { message } = messageOf(parse(withField("command-ask", ["data", "options", "0", "value"], "é".repeat(5000))));
    expect(message.text).toBe("é".repeat(4000));
  });
});

describe("Gateway MESSAGE_CREATE", () => {
  test("a mention: keyed by the Discord message, the mention out of the text, answered as a reply to it", () => {
    const { message } = messageOf(fixture("gateway-mention"));
    expect(message).toEqual({
      key: "m1457536551830421524",
      conversationId: "1457510428359004343",
      chatId: "1457510428359004343",
      isDirect: false,
      messageId: "1457536551830421524",
      threadId: null,
      userId: "1033044521375764530",
      userName: "Test User",
      text: "Hey",
      sentAt: "2026-01-05T00:49:53.676Z",
      route: { via: "message", channelId: "1457510428359004343", messageId: "1457536551830421524" },
    });
  });

  test("the same message seen twice (resume, two connections) is one key", () => {
    const again = { ...(discordFixture("gateway-mention") as object), s: 99 };
    expect(messageOf(parse(again)).message.key).toBe(messageOf(fixture("gateway-mention")).message.key);
  });

  test("the mention may be in the text only, in the deprecated <@!id> form, or mid-sentence", () => {
    const body = withField("gateway-mention", ["d", "content"], `so <@!${DISCORD_TEST_BOT.id}> what now?`);
    (body as { d: { mentions: unknown[] } }).d.mentions = [];
    const event = messageOf(parse(body));
    expect([event.addressed, event.message.text]).toEqual([true, "so what now?"]);
  });

  test("a reply to the bot's message addresses it even without a ping; other mentions stay in the text", () => {
    const event = messageOf(fixture("gateway-reply-to-bot"));
    expect(event.message.text).toBe("<@274937240109711361> <@535445810146574336> 💀");
    const toSomeoneElse = withField("gateway-reply-to-bot", ["d", "referenced_message", "author", "id"], "1096124677434376233");
    expect(messageOf(parse(toSomeoneElse)).addressed).toBe(false);
    expect(messageOf(parse(withField("gateway-reply-to-bot", ["d", "referenced_message"], null))).addressed).toBe(false);
  });

  test("the bot's managed role addresses it once the identity knows the role", () => {
    const withRole = { ...integration, bot: { ...integration.bot, role_id: DISCORD_TEST_ROLE } };
    const event = messageOf(parse(discordFixture("gateway-role-mention"), withRole));
    expect([event.addressed, event.message.text, outcome(event, withRole)]).toEqual([true, "AI Still there?", "answered"]);
  });

  test("a DM is direct and answered without a mention", () => {
    const { message } = messageOf(fixture("gateway-dm"));
    expect(message).toMatchObject({ isDirect: true, chatId: "290926798999357250", text: "Supa Hot", key: "m334385199974967042" });
  });

  test("a thread message belongs to the parent the transport names; without the hint, to the thread itself", () => {
    const { message } = messageOf(fixture("gateway-thread-message"));
    expect(message).toMatchObject({ chatId: "1457510428359004343", threadId: "1457536551830421524", conversationId: "1457536551830421524" });
    expect(message.route).toEqual({ via: "message", channelId: "1457536551830421524", messageId: "1457536593454825552" });
    const { patchbay_parent_id: _hint, ...bare } = discordFixture("gateway-thread-message") as Record<string, unknown>;
    expect(messageOf(parse(bare)).message).toMatchObject({ chatId: "1457536551830421524", threadId: "1457536551830421524" });
    expect(outcome(fixture("gateway-thread-message"), { ...integration, scope: "all" })).toBe("answered");
  });

  test("the bot's own answers are its own even as interaction responses (webhook_id, type 20)", () => {
    const body = discordFixture("gateway-own-message") as { d: Record<string, unknown> };
    body.d.webhook_id = DISCORD_TEST_BOT.id;
    body.d.type = 20;
    expect(messageOf(parse(body)).sender).toBe("self");
  });

  test("other bots, webhooks and Discord's own messages are not people", () => {
    expect(messageOf(parse(withField("gateway-mention", ["d", "author", "bot"], true))).sender).toBe("bot");
    expect(messageOf(parse(withField("gateway-mention", ["d", "author", "system"], true))).sender).toBe("system");
    expect(messageOf(parse(withField("gateway-mention", ["d", "type"], 6))).sender).toBe("system");
    expect(messageOf(parse(withField("gateway-mention", ["d", "type"], 19))).sender).toBe("person");
  });

  test("an identity without a usable id never answers (it could not tell the bot's own messages)", () => {
    const broken = { ...integration, bot: { id: "not-a-snowflake", username: "x" } };
    expect(unsupportedOf(parse(discordFixture("gateway-mention"), broken))).toMatchObject({ reason: "unexpected_payload", logged: { key: "m1457536551830421524" } });
  });
});

describe("Gateway edits, deletions and other dispatches", () => {
  test("an edit and a deletion are logged under keys of their own, never the message's", () => {
    const edit = fixture("gateway-message-update");
    const deletion = fixture("gateway-message-delete");
    if (edit.kind !== "activity" || deletion.kind !== "activity") throw new Error("expected activities");
    expect(edit).toMatchObject({ activity: "edit", logged: { key: "e999999999999999999-0", chatId: "999999999999999999", text: "none", sentAt: "1970-01-01T00:00:00.000Z" } });
    expect(deletion).toMatchObject({ activity: "delete", logged: { key: "d999999999999999999", sentAt: RECEIVED_AT } });
  });

  test("other dispatches and other opcodes are unsupported, named when the name is sane; the same body is one key", () => {
    expect(unsupportedOf(fixture("gateway-thread-create")).detail).toBe("a THREAD_CREATE dispatch: not handled");
    expect(unsupportedOf(parse({ op: 0, t: "<script>", d: {} })).detail).toBe("a dispatch of an unknown type: not handled");
    expect(unsupportedOf(parse({ op: 10, d: { heartbeat_interval: 41250 } })).detail).toBe("a Gateway payload with op 10: not a dispatch");
    expect(unsupportedOf(fixture("gateway-reaction-add")).logged.key).toBe(unsupportedOf(fixture("gateway-reaction-add")).logged.key);
  });
});

describe("bodies that are not what Patchbay reads are unexpected_payload, with where and what", () => {
  const cases: [string, unknown, string][] = [
    ["an array", [discordFixture("command-ask")], "body: expected an object"],
    ["an id that is a huge number", withField("command-ask", ["id"], 1e308), "id: expected a snowflake string"],
    ["an id beyond 64 bits", withField("command-ask", ["id"], "9".repeat(21)), "id: expected a snowflake id"],
    ["an interaction type that is an object", withField("command-ask", ["type"], {}), "type: expected a number"],
    ["a channel id that is an object", withField("command-ask", ["channel_id"], { id: "1" }), "channel_id: expected a snowflake string"],
    ["options that are a string", withField("command-ask", ["data", "options"], "question"), "data.options: expected an array"],
    ["a question that is a number", withField("command-ask", ["data", "options", "0", "value"], 42), "data.options.question: expected a string"],
    ["no user at all", withField("command-ask", ["member"], undefined), "member.user: is missing"],
    ["a token with spaces", withField("command-ask", ["token"], "a b"), "token: expected a token"],
    ["a message command without its target", withField("message-command", ["data", "resolved"], {}), "data.resolved.messages: the target message is missing"],
    ["a timestamp that is no time", withField("gateway-mention", ["d", "timestamp"], "9999-99-99T99:99:99Z"), "d.timestamp: expected an ISO 8601 time"],
    ["a message without author", withField("gateway-mention", ["d", "author"], undefined), "d.author: is missing"],
    ["a mention list of strings", withField("gateway-mention", ["d", "mentions"], ["1"]), "d.mentions.0: expected an object"],
    ["an opcode that is a string", withField("gateway-mention", ["op"], "0"), "op: expected a number"],
    ["a Gateway interaction that is not an object", { op: 0, s: 7, t: "INTERACTION_CREATE", d: "/ask hi" }, "d: expected an interaction object"],
  ];

  test.each(cases)("%s", (_name, body, detail) => {
    expect(unsupportedOf(parse(body))).toMatchObject({ reason: "unexpected_payload", detail });
  });

  test("the log keeps the delivery's own id when it is readable, else a hash of the body, and plain strings", () => {
    const readable = unsupportedOf(parse(withField("command-ask", ["data", "options"], "x")));
    expect(readable.logged).toMatchObject({ key: "i786008729715212338", chatId: "645027906669510667", userId: "53908232506183680", sentAt: "2020-12-08T23:18:04.500Z" });
    const garbage = unsupportedOf(parse(withField("command-ask", ["id"], { evil: true })));
    expect(garbage.logged.key).toMatch(/^h[0-9a-f]{32}$/);
    expect(garbage.logged.sentAt).toBe(RECEIVED_AT);
    for (const value of Object.values(garbage.logged)) expect(typeof value).toBe("string");
  });

  test("names and text are cut, lone surrogates replaced: what is logged and queued is valid UTF-8", () => {
    const body = withField("gateway-mention", ["d", "author", "global_name"], `\ud800${"n".repeat(500)}`);
    const { message } = messageOf(parse(body));
    expect(message.userName).toBe(`\ufffd${"n".repeat(99)}`);
  });

  test("no JSON value makes parse throw", () => {
    const deep = (levels: number): unknown => (levels === 0 ? "bottom" : { nested: deep(levels - 1) });
    const hostile = [null, 0, -1, 1e308, 2 ** 53 + 1, "", "x".repeat(70_000), [], {}, { op: 0 }, { op: 0, t: "MESSAGE_CREATE", d: deep(500) }, { type: 2, data: deep(500) }];
    for (const { body } of discordFixtures()) {
      for (const [key] of Object.entries(body as object)) {
        for (const value of hostile) {
          const event = parse({ ...(body as object), [key]: value });
          expect(["message", "activity", "unsupported", "handshake"]).toContain(event.kind);
          expect(() => driver.acknowledge(event, decide(integration, event))).not.toThrow();
        }
      }
    }
  });
});

describe("acknowledge: each interaction gets the response type Discord accepts for it", () => {
  test("PING → PONG; an answered command → deferred (5)", async () => {
    expect(await answer(fixture("ping"))).toEqual({ status: 200, body: { type: 1 } });
    expect(await answer(fixture("command-ask"))).toEqual({ status: 200, body: { type: 5 } });
  });

  test("a command the rules refuse → an ephemeral message (4, flags 64) saying why", async () => {
    const refusal = async (settings: Partial<Integration>, body = discordFixture("command-ask")) => {
      const on = { ...inItsGuild(body), ...settings };
      return answer(parse(body, on), decide(on, parse(body, on)));
    };
    expect(await refusal({ active: false })).toEqual({ status: 200, body: { type: 4, data: { flags: 64, content: "This assistant is switched off at the moment." } } });
    expect(await refusal({ scope: "none" })).toMatchObject({ body: { type: 4, data: { flags: 64, content: "This assistant is not answering at the moment." } } });
    expect(await refusal({ channelIds: ["1"] })).toMatchObject({ body: { data: { content: "This assistant does not answer in this channel." } } });
    expect(await refusal({}, withField("command-ask", ["data", "options"], []))).toMatchObject({ body: { data: { content: "There is no text to answer in that message." } } });
  });

  test("an interaction older than its token's 15 minutes, or from another server, → an ephemeral refusal, logged with why", async () => {
    const body = discordFixture("command-ask") as { id: string; guild_id: string };
    const created = snowflakeTime(body.id);
    const at = (ms: number) => driver.parse(body, inItsGuild(body), new Date(created + ms).toISOString());
    expect(at(15 * 60 * 1000).kind).toBe("message");
    const stale = unsupportedOf(at(15 * 60 * 1000 + 1));
    expect(stale).toMatchObject({ reason: "expired_interaction", detail: `interaction created at ${new Date(created).toISOString()}: older than its token's 15 minutes`, logged: { key: `i${body.id}` } });
    expect(await answer(stale)).toEqual({ status: 200, body: { type: 4, data: { flags: 64, content: "This question is too old to answer; ask again." } } });

    const elsewhere = unsupportedOf(parse(body, { ...integration, guildId: "1457468924290662599" }));
    expect(elsewhere).toMatchObject({ reason: "guild_not_allowed", detail: `guild_id ${body.guild_id}: this integration answers in guild 1457468924290662599 only` });
    expect(outcome(elsewhere)).toBe("guild_not_allowed");
    expect(await answer(elsewhere)).toEqual({ status: 200, body: { type: 4, data: { flags: 64, content: "This assistant does not answer in this server." } } });
    // A direct message has no server to compare.
    expect(messageOf(fixture("command-dm")).message.isDirect).toBe(true);
  });

  test("a Gateway message from another server the bot is in is not answered: guild_not_allowed", () => {
    const mention = discordFixture("gateway-mention") as { d: { id: string; guild_id: string } };
    const elsewhere = unsupportedOf(parse(mention, { ...integration, guildId: "772904309264089089" }));
    expect(elsewhere).toMatchObject({ reason: "guild_not_allowed", detail: `guild_id ${mention.d.guild_id}: this integration answers in guild 772904309264089089 only`, logged: { key: `m${mention.d.id}` } });
    expect(outcome(elsewhere)).toBe("guild_not_allowed");
    expect(outcome(messageOf(fixture("gateway-dm")))).toBe("answered");
  });

  test("another command or an unreadable one → ephemeral; autocomplete → 8 with no choices; a component → 6", async () => {
    expect(await answer(fixture("command-other"))).toEqual({ status: 200, body: { type: 4, data: { flags: 64, content: "This assistant only answers /ask and its message command." } } });
    expect(await answer(parse(withField("command-ask", ["channel_id"], 7)))).toMatchObject({ body: { type: 4, data: { content: "This assistant could not read that command." } } });
    expect(await answer(fixture("autocomplete"))).toEqual({ status: 200, body: { type: 8, data: { choices: [] } } });
    expect(await answer(fixture("component-click"))).toEqual({ status: 200, body: { type: 6 } });
  });

  test("a modal submit: 6 when the modal came from a component, else an ephemeral message (6 is for components only)", async () => {
    expect(await answer(fixture("modal-submit"))).toEqual({ status: 200, body: { type: 4, data: { flags: 64, content: "This assistant does not handle forms." } } });
    const fromComponent = { ...(discordFixture("modal-submit") as object), message: { id: "1457536567810854934" } };
    expect(await answer(parse(fromComponent))).toEqual({ status: 200, body: { type: 6 } });
  });

  test("Gateway dispatches and undocumented interaction types are accepted with nothing to show", async () => {
    for (const name of ["gateway-mention", "gateway-message-update", "gateway-thread-create"]) expect(await answer(fixture(name))).toEqual({ status: 202, body: null });
    expect(await answer(parse({ id: "1", type: 42 }))).toEqual({ status: 202, body: null });
  });
});

describe("verify: Ed25519 over timestamp + body, inside a 5-minute window, with no secret read", () => {
  const body = JSON.stringify(discordFixture("command-ask"));
  const context = (nowMs: number, on: Integration = integration) => ({
    integration: on,
    secrets: async () => {
      throw new Error("verify must not read the vault");
    },
    nowMs,
  });

  test("a signature made now verifies, without reading a secret", async () => {
    expect(await driver.verify({ body, headers: signer.sign(body, NOW_MS) }, context(NOW_MS))).toBe(true);
  });

  test("a replay older or newer than 5 minutes is refused, a little skew is not", async () => {
    const minute = 60_000;
    expect(await driver.verify({ body, headers: signer.sign(body, NOW_MS - 4 * minute) }, context(NOW_MS))).toBe(true);
    expect(await driver.verify({ body, headers: signer.sign(body, NOW_MS - 6 * minute) }, context(NOW_MS))).toBe(false);
    expect(await driver.verify({ body, headers: signer.sign(body, NOW_MS + 6 * minute) }, context(NOW_MS))).toBe(false);
  });

  test("another application's key, a timestamp that is not seconds, or no key on record is refused", async () => {
    const other = discordSigner();
    expect(await driver.verify({ body, headers: other.sign(body, NOW_MS) }, context(NOW_MS))).toBe(false);
    const headers = signer.sign(body, NOW_MS);
    headers.set("x-signature-timestamp", `${headers.get("x-signature-timestamp")}.0`);
    expect(await driver.verify({ body, headers }, context(NOW_MS))).toBe(false);
    const keyless = { ...integration, bot: { ...DISCORD_TEST_BOT } };
    expect(await driver.verify({ body, headers: signer.sign(body, NOW_MS) }, context(NOW_MS, keyless))).toBe(false);
  });

  test("readSecrets gives the client its bot token, or null without one", () => {
    expect(driver.readSecrets({ bot_token: "t" })).toEqual({ bot_token: "t" });
    expect(driver.readSecrets({})).toBeNull();
  });
});

describeWebhookDriverContract("Discord", discordDriverCase);
