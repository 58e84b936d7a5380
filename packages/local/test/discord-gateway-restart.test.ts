import { afterAll, expect, test } from "vitest";
import { createJsonLogger } from "@patchbay/composition/logger";
import { startFakeDiscord, startFakeOpenAI } from "@patchbay/testing";
import { readLocalConfig } from "../src/config.ts";
import { startLocalStack } from "../src/local-stack.ts";
import type { LocalStack, LocalStackOptions } from "../src/local-stack.ts";
import { LOCAL_LISTENERS } from "../src/transports/index.ts";
import { eventually, freePort, tempDataDir } from "./helpers.ts";

const KEY = "pb_discord_restart_key_0123456789";
const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const step of cleanup.reverse()) await step();
});

test("a Discord integration made where no Gateway runs (webhook) moves to the Gateway when npm start runs one: the endpoint URL is cleared and messages are answered", async () => {
  const discord = await startFakeDiscord();
  const openai = await startFakeOpenAI();
  openai.reply((request) => `Answer to: ${request.lastUserText}`);
  cleanup.push(() => discord.close(), () => openai.close());
  const app = discord.addApplication({ name: "Mover", botToken: "MTM1.discord-moving-token.abcdefghijklmnop", flags: 1 << 19 });
  const guild = discord.addGuild({ name: "Moving guild", channels: [{ name: "general", type: 0 }], members: [app.id] });
  const general = guild.channels[0]!.id;
  const dataDir = await tempDataDir();
  // A fresh port each start: the fake's endpoint check may still hold a keep-alive connection to the last one.
  const configOn = (port: number) =>
    readLocalConfig({
      PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      DATA_DIR: dataDir,
      API_KEYS: `ops:${KEY}`,
      DISCORD_API_URL: discord.url,
      OPENAI_BASE_URL: openai.url,
      OPENAI_API_KEY: openai.apiKey,
      DEFAULT_MODEL: "openai/gpt-test",
    });
  const start = async (options: Partial<LocalStackOptions>) => {
    const stack = await startLocalStack({ config: configOn(await freePort()), logger: createJsonLogger(() => undefined), reconcileIntervalMs: 3_600_000, transports: { intervalMs: 50 }, ...options });
    // Closed once: by the test, or here if the test did not get that far.
    let closing: Promise<void> | null = null;
    const close = () => (closing ??= stack.close().catch(() => undefined));
    cleanup.push(close);
    return { stack, close };
  };
  const api = async (stack: LocalStack, method: string, path: string, body?: unknown) => {
    const response = await fetch(`${stack.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: response.status, body: (await response.json()) as any };
  };

  const { stack: asOnAws, close: closeAsOnAws } = await start({ listeners: [] });
  const replica = await api(asOnAws, "POST", "/v1/replicas", { name: "Ada" });
  const created = await api(asOnAws, "POST", "/v1/integrations/discord", { replica_id: replica.body.id, bot_token: app.botToken, guild_id: guild.id });
  expect(created.body).toMatchObject({ delivery: "webhook", status: "active" });
  expect(discord.application(app.id).interactionsEndpointUrl).toBe(created.body.webhook_url);
  expect(discord.gateway.connections(app.id)).toEqual([]);
  await closeAsOnAws();

  const { stack: laptop } = await start({ listeners: LOCAL_LISTENERS });
  expect(await laptop.reconcile()).toBe(1);
  expect((await api(laptop, "GET", `/v1/integrations/${created.body.id}`)).body).toMatchObject({ delivery: "gateway", status: "active", last_error: null });
  expect(discord.application(app.id).interactionsEndpointUrl ?? "").toBe("");
  await laptop.transports.sync();
  expect(laptop.transports.running()).toEqual([{ integrationId: created.body.id, delivery: "gateway" }]);
  await discord.gateway.waitForLive(app.id);
  discord.sendMessage(general, { content: `<@${app.botId}> moved over` });
  await eventually(() => discord.messages(general).some((m) => m.author.id === app.botId && m.content === "Answer to: moved over"));
  expect(await laptop.reconcile()).toBe(0); // settled
});
