import { afterAll, expect, test } from "vitest";
import { startFakeDiscord, startFakeOpenAI, startFakeSlack, startFakeTelegram } from "@patchbay/testing";
import { eventually, freePort, tempDataDir } from "./helpers.ts";
import { npmStartProcesses, processApi } from "./processes.ts";

const KEY = "pb_stream_crash_key_0123456789";
const processes = npmStartProcesses();
afterAll(() => processes.killAll());

const WORDS = Array.from({ length: 20 }, (_, i) => `word${i}`).join(" ");
const FIRST_ANSWER = `**First** attempt ${WORDS}.`;
const SECOND_ANSWER = "The **second** attempt, after the crash.";

// A worker killed while an answer is on screen half written: after the restart the same message is edited to
// the whole answer (the model is asked again, so the text is the new one); nothing is posted a second time.
test("kill -9 mid-stream on Telegram, Slack and Discord; after restart each half-written message is edited to the full answer, once", async () => {
  const telegram = await startFakeTelegram({ webhookRateLimit: false });
  const slack = await startFakeSlack();
  const discord = await startFakeDiscord();
  const openai = await startFakeOpenAI();
  const token = "5550002:AAstream-crash-token-abcdefghijklmn";
  telegram.addBot({ token, username: "stream_crash_bot", can_read_all_group_messages: true });
  const team = slack.addWorkspace({ id: "T0CRASH", name: "Crash" });
  const app = slack.addApp({ team_id: team.id, name: "Ada", bot_user_name: "ada" });
  const general = slack.addChannel({ team_id: team.id, name: "general", members: [app.bot_user_id, "U0HUMAN"] }).id;
  const discordApp = discord.addApplication({ name: "Crash", botToken: "MTC1.stream-crash-token.abcdefghijklmnopqrstuvwxyz", botUsername: "crash", flags: 1 << 19 });
  const guild = discord.addGuild({ name: "Crash", channels: [{ name: "general", type: 0 }], members: [discordApp.id] });
  const channel = guild.channels[0]!.id;
  let asked = 0;
  openai.reply(() => (++asked <= 3 ? FIRST_ANSWER : SECOND_ANSWER));
  const port = await freePort();
  const env = {
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    DATA_DIR: await tempDataDir(),
    API_KEYS: `ops:${KEY}`,
    TELEGRAM_API_URL: telegram.url,
    SLACK_API_URL: slack.url,
    DISCORD_API_URL: discord.url,
    OPENAI_BASE_URL: openai.url,
    OPENAI_API_KEY: openai.apiKey,
    DEFAULT_MODEL: "openai/gpt-test",
  };
  const api = processApi(port, KEY).call<{ id: string; webhook_url: string }>;

  try {
    const first = await processes.start(env);
    const replica = await api("POST", "/v1/replicas", { name: "Ada" });
    await api("POST", "/v1/integrations/telegram", { replica_id: replica.id, bot_token: token });
    const slackIntegration = await api("POST", "/v1/integrations/slack", {
      replica_id: replica.id,
      bot_token: app.token,
      signing_secret: app.signing_secret,
      workspace_id: team.id,
    });

    await api("POST", "/v1/integrations/discord", { replica_id: replica.id, bot_token: discordApp.botToken, guild_id: guild.id });
    await discord.gateway.waitForLive(discordApp.id);

    const chat = { id: -1009001, type: "supergroup", title: "Crash group" };
    const handle = "@stream_crash_bot";
    const update = {
      update_id: 900,
      message: { message_id: 5, from: { id: 9, is_bot: false, first_name: "Lin" }, chat, date: 1, text: `${handle} write slowly`, entities: [{ type: "mention", offset: 0, length: handle.length }] },
    };
    const telegramHold = openai.holdNextStream(4);
    expect((await telegram.deliver(token, update)).status).toBe(200);
    await telegramHold.reached;
    const [posted] = await eventually(() => (telegram.sentMessages(token).length === 1 ? telegram.sentMessages(token) : undefined));
    expect(posted!.text).toBe("First attempt word0 word1");

    const slackHold = openai.holdNextStream(4);
    const mention = slack.appMentionEvent({ channel: general, user: "U0HUMAN", text: `<@${app.bot_user_id}> write slowly` });
    expect((await slack.sendEvent(app.app_id, slackIntegration.webhook_url, slack.eventCallback({ api_app_id: app.app_id, team_id: team.id, event: mention }))).status).toBe(200);
    await slackHold.reached;
    const [stream] = await eventually(() => (slack.streams(general).length === 1 ? slack.streams(general) : undefined));
    expect(stream!.chunks).toEqual(["**First** attempt word0 word1"]);

    const discordHold = openai.holdNextStream(4);
    const asking = discord.sendMessage(channel, { content: `<@${discordApp.botId}> write slowly` });
    await discordHold.reached;
    const answers = () => discord.messages(channel).filter((m) => m.author.id === discordApp.botId);
    const [reply] = await eventually(() => (answers().length === 1 ? answers() : undefined));
    expect(reply).toMatchObject({ content: "**First** attempt word0 word1", message_reference: { message_id: asking.id } });

    await processes.kill9(first.child);

    const second = await processes.start(env);
    await eventually(() => telegram.chatHistory(token, chat.id).find((m) => m.message_id === posted!.message_id)?.text === "The second attempt, after the crash.", 60_000);
    await eventually(() => slack.message(general, stream!.ts)?.text === SECOND_ANSWER, 60_000);
    await eventually(() => answers()[0]?.content === SECOND_ANSWER, 60_000);
    expect(asked).toBe(6);
    expect(answers().map((m) => m.id)).toEqual([reply!.id]);

    const shown = telegram.chatHistory(token, chat.id).find((m) => m.message_id === posted!.message_id)!;
    expect(shown.entities).toEqual([{ type: "bold", offset: 4, length: 6 }]);
    expect(telegram.sentMessages(token)).toHaveLength(1);
    expect(slack.streams(general)).toEqual([expect.objectContaining({ ts: stream!.ts, state: "stopped" })]);
    expect(slack.posted(general)).toEqual([]);

    // Telegram redelivers the update (it never saw an answer finish): still one answer.
    expect((await telegram.deliver(token, update)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(telegram.sentMessages(token)).toHaveLength(1);
    expect(asked).toBe(6);

    second.child.kill("SIGTERM");
    await new Promise((resolve) => second.child.once("exit", resolve));
    expect(first.output() + second.output()).not.toContain(token);
  } finally {
    await telegram.close();
    await slack.close();
    await discord.close();
    await openai.close();
  }
}, 120_000);
