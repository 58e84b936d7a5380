import { afterAll, expect, test } from "vitest";
import { startFakeDiscord, startFakeOpenAI } from "@patchbay/testing";
import { eventually, freePort, tempDataDir } from "./helpers.ts";
import { npmStartProcesses, processApi } from "./processes.ts";

const KEY = "pb_gateway_crash_key_0123456789";
const processes = npmStartProcesses();
afterAll(() => processes.killAll());

// kill -9 leaves Discord's session alive (the socket just drops): the next npm start RESUMEs it from where the
// first one kept it, Discord replays what was sent while nothing ran, and each message is answered once.
test("kill -9 while holding the Gateway: the next start resumes the session and answers what came meanwhile, once", { timeout: 60_000 }, async () => {
  const discord = await startFakeDiscord();
  const openai = await startFakeOpenAI();
  openai.reply((request) => `Answer to: ${request.lastUserText}`);
  const app = discord.addApplication({ name: "Crashy", botToken: "MTC1.gateway-crash-token.abcdefghijklmnop", flags: 1 << 19 });
  const guild = discord.addGuild({ name: "Crash guild", channels: [{ name: "general", type: 0 }], members: [app.id] });
  const general = guild.channels[0]!.id;
  const port = await freePort();
  const env = {
    PORT: String(port),
    DATA_DIR: await tempDataDir(),
    API_KEYS: `ops:${KEY}`,
    DISCORD_API_URL: discord.url,
    OPENAI_BASE_URL: openai.url,
    OPENAI_API_KEY: openai.apiKey,
    DEFAULT_MODEL: "openai/gpt-test",
  };
  const { call, replied } = processApi(port, KEY);
  const post = (path: string, body: unknown) => call<{ id: string; delivery?: string }>("POST", path, body);
  const answers = () => discord.messages(general).filter((m) => m.author.id === app.botId).map((m) => m.content);

  try {
    const first = await processes.start(env);
    expect(first.output()).toContain("Discord: the Gateway, /ask included (PUBLIC_URL is not public HTTPS)");
    const replica = await post("/v1/replicas", { name: "Ada" });
    const integration = await post("/v1/integrations/discord", { replica_id: replica.id, bot_token: app.botToken, guild_id: guild.id, scope: "all" });
    expect(integration.delivery).toBe("gateway");
    await discord.gateway.waitForLive(app.id, { timeoutMs: 10_000 });
    discord.sendMessage(general, { content: "one" });
    await eventually(() => answers().length === 1, 15_000);
    // Killed once the answer is recorded: one killed mid-answer waits out its 30 s lease, not what this is about.
    await eventually(async () => (await replied(integration.id)) === 1, 15_000);

    await processes.kill9(first.child);
    await eventually(() => discord.gateway.connections(app.id).every((c) => c.closedAt !== undefined));
    discord.sendMessage(general, { content: "two, while nothing runs" });

    await processes.start(env);
    await eventually(() => answers().length === 2, 15_000);
    expect(discord.gateway.connections(app.id).at(-1)).toMatchObject({ how: "resume" });
    expect(discord.gateway.identifies(app.id)).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(answers()).toEqual(["Answer to: one", "Answer to: two, while nothing runs"]);
  } finally {
    processes.killAll();
    await discord.close();
    await openai.close();
  }
});
