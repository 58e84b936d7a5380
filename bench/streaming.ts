/**
 * The streaming part of `npm run bench`: a fake model streams 400 tokens over 4 s into the local stack (real
 * HTTP server, embedded store, file queue, platform fakes on loopback); per way of showing an answer, how long
 * after the message arrived its first words appear, when the answer is complete, and how many platform calls
 * the answer took (drafts, posts, edits, stream calls; typing and status signals counted apart).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readLocalConfig, startLocalStack } from "@patchbay/local";
import { slashCommand, startFakeDiscord, startFakeOpenAI, startFakeSlack, startFakeTelegram } from "@patchbay/testing";
import { freePort } from "./measure.ts";

const TOKENS = 400;
const STREAM_MS = 4000;
const KEY = "pb_bench_streaming_key_0123456789";

export interface StreamingResult {
  case: string;
  /** From the message reaching the webhook to its first words on the platform. */
  firstWordsMs: number;
  /** From the message reaching the webhook to the answer recorded as replied. */
  completeMs: number;
  /** Platform calls that wrote the answer, by method. */
  writes: Record<string, number>;
  /** Typing indicators and "thinking" statuses. */
  signals: number;
}

interface Call {
  name: string;
  at: number;
}

interface Case {
  name: string;
  /** Sends the message; returns the integration it belongs to. */
  ask(): Promise<string>;
  /** The answer's platform calls so far. */
  calls(): Call[];
  /** Calls that show words (the first of them is when the first words appear). */
  shows: string[];
  signals: string[];
}

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

async function until<T>(check: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("bench: condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export async function benchStreaming(): Promise<StreamingResult[]> {
  const telegram = await startFakeTelegram({ webhookRateLimit: false });
  const slack = await startFakeSlack();
  const discord = await startFakeDiscord();
  const openai = await startFakeOpenAI({ chunkDelayMs: STREAM_MS / TOKENS });
  const answer = Array.from({ length: TOKENS }, (_, i) => `token${i}`).join(" ");
  openai.reply(() => answer);
  const dataDir = await mkdtemp(join(tmpdir(), "patchbay-bench-"));
  const port = await freePort();
  const config = readLocalConfig({
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    DATA_DIR: dataDir,
    API_KEYS: `bench:${KEY}`,
    TELEGRAM_API_URL: telegram.url,
    SLACK_API_URL: slack.url,
    DISCORD_API_URL: discord.url,
    OPENAI_BASE_URL: openai.url,
    OPENAI_API_KEY: openai.apiKey,
    DEFAULT_MODEL: "openai/gpt-bench",
  });
  const stack = await startLocalStack({ config, logger: silent, queue: { pollIntervalMs: 5 }, reconcileIntervalMs: 3_600_000, listeners: [] });
  const api = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${stack.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return (await response.json()) as any;
  };

  try {
    const replicaId = (await api("POST", "/v1/replicas", { name: "Bench", instructions: "Answer." })).id as string;

    const token = "7770001:AAbench-streaming-token-abcdefghij";
    telegram.addBot({ token, username: "bench_stream_bot", can_read_all_group_messages: true });
    const telegramId = (await api("POST", "/v1/integrations/telegram", { replica_id: replicaId, bot_token: token, scope: "all" })).id as string;
    let updateId = 0;
    const telegramCalls = () =>
      telegram.calls.filter((c) => c.token === token && c.response?.body.ok === true).map((c) => ({ name: c.method, at: c.at }));
    const askTelegram = (chat: object) => async () => {
      const update = { update_id: ++updateId, message: { message_id: updateId, from: { id: 9, is_bot: false, first_name: "B" }, chat, date: Math.floor(Date.now() / 1000), text: "stream please" } };
      await telegram.deliver(token, update);
      return telegramId;
    };

    const team = slack.addWorkspace({ id: "T0BENCH", name: "Bench" });
    const app = slack.addApp({ team_id: team.id, name: "Bench", bot_user_name: "bench" });
    const general = slack.addChannel({ team_id: team.id, name: "general", members: [app.bot_user_id, "U0HUMAN"] }).id;
    const dm = slack.addChannel({ team_id: team.id, type: "im", members: [app.bot_user_id, "U0HUMAN"] }).id;
    const slackIntegration = await api("POST", "/v1/integrations/slack", { replica_id: replicaId, bot_token: app.token, signing_secret: app.signing_secret, workspace_id: team.id });
    const slackCalls = () => slack.calls.filter((c) => c.token === app.token && (c.response?.body as { ok?: boolean })?.ok === true).map((c) => ({ name: c.method, at: c.at }));
    const askSlack = (event: object) => async () => {
      await slack.sendEvent(app.app_id, slackIntegration.webhook_url, slack.eventCallback({ api_app_id: app.app_id, team_id: team.id, event: event as never }));
      return slackIntegration.id as string;
    };

    const discordApp = discord.addApplication({ name: "Bench", botToken: "MTB1.bench-stream-token.abcdefghijklmnopqrstuvwxyz", botUsername: "bench" });
    const guild = discord.addGuild({ name: "Bench", channels: [{ name: "general", type: 0 }], members: [discordApp.id] });
    const discordId = (await api("POST", "/v1/integrations/discord", { replica_id: replicaId, bot_token: discordApp.botToken, guild_id: guild.id })).id as string;
    const discordCalls = () =>
      discord.calls.filter((c) => c.status !== undefined && c.status < 300 && c.route !== "createInteractionResponse" && !c.path.startsWith("/applications")).map((c) => ({ name: c.route ?? c.path, at: c.at }));

    const cases: Case[] = [
      { name: "telegram private (drafts)", ask: askTelegram({ id: 9, type: "private", first_name: "B" }), calls: telegramCalls, shows: ["sendMessageDraft", "sendMessage"], signals: ["sendChatAction"] },
      { name: "telegram group (post + edits)", ask: askTelegram({ id: -100900, type: "supergroup", title: "Bench" }), calls: telegramCalls, shows: ["sendMessage", "editMessageText"], signals: ["sendChatAction"] },
      {
        name: "slack thread (native stream)",
        ask: askSlack(slack.appMentionEvent({ channel: general, user: "U0HUMAN", text: `<@${app.bot_user_id}> stream please` })),
        calls: slackCalls,
        shows: ["chat.startStream", "chat.postMessage"],
        signals: ["assistant.threads.setStatus"],
      },
      { name: "slack DM (post + chat.update)", ask: askSlack(slack.messageEvent({ channel: dm, user: "U0HUMAN", text: "stream please", channel_type: "im" })), calls: slackCalls, shows: ["chat.postMessage"], signals: [] },
      {
        name: "discord /ask (response edits)",
        ask: async () => {
          const interaction = discord.createInteraction(discordApp.id, { data: slashCommand("stream please"), guild_id: guild.id, channel_id: guild.channels[0]!.id });
          await discord.deliverInteraction(discordApp.id, interaction);
          return discordId;
        },
        calls: discordCalls,
        shows: ["editOriginalInteractionResponse", "createFollowupMessage"],
        signals: ["triggerTypingIndicator"],
      },
    ];

    const results: StreamingResult[] = [];
    const repliedCount = async (integrationId: string) =>
      ((await api("GET", `/v1/integrations/${integrationId}/events?limit=100`)).data as { type: string }[]).filter((e) => e.type === "replied").length;
    for (const c of cases) {
      const before = c.calls().length;
      const answered = { telegram: await repliedCount(telegramId), slack: await repliedCount(slackIntegration.id), discord: await repliedCount(discordId) };
      const t0 = Date.now();
      const integrationId = await c.ask();
      const earlier = integrationId === telegramId ? answered.telegram : integrationId === discordId ? answered.discord : answered.slack;
      const doneAt = await until(async () => ((await repliedCount(integrationId)) > earlier ? Date.now() : undefined));
      const calls = c.calls().slice(before);
      const first = calls.find((call) => c.shows.includes(call.name));
      const writes: Record<string, number> = {};
      for (const call of calls) if (!c.signals.includes(call.name)) writes[call.name] = (writes[call.name] ?? 0) + 1;
      results.push({
        case: c.name,
        firstWordsMs: (first?.at ?? doneAt) - t0,
        completeMs: doneAt - t0,
        writes,
        signals: calls.filter((call) => c.signals.includes(call.name)).length,
      });
    }
    return results;
  } finally {
    await stack.close();
    await Promise.all([telegram.close(), slack.close(), discord.close(), openai.close()]);
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** The table lines for the streaming results. */
export function streamingTable(results: StreamingResult[]): string[] {
  const lines = [`streaming: a fake model writing ${TOKENS} tokens over ${STREAM_MS / 1000} s`, "case                              first words ms   complete ms   platform calls (writes)                         signals"];
  for (const r of results) {
    const writes = Object.entries(r.writes).map(([name, count]) => `${name} ${count}`).join(", ");
    const total = Object.values(r.writes).reduce((sum, count) => sum + count, 0);
    lines.push(`${r.case.padEnd(32)}  ${String(r.firstWordsMs).padStart(14)}   ${String(r.completeMs).padStart(11)}   ${`${total}: ${writes}`.padEnd(46)}  ${r.signals}`);
  }
  return lines;
}
