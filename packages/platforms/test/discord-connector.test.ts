import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Integration } from "@patchbay/core";
import { startFakeDiscord } from "@patchbay/testing";
import type { FakeDiscord } from "@patchbay/testing";
import { MESSAGE_CONTENT_OFF } from "../src/discord/application-flags.ts";
import { createDiscordConnector } from "../src/discord/connector.ts";
import { createDiscordRest } from "../src/discord/rest.ts";

const MESSAGE_CONTENT = 1 << 18;
const MESSAGE_CONTENT_LIMITED = 1 << 19;
/** GATEWAY_GUILD_MEMBERS_LIMITED and GATEWAY_PRESENCE_LIMITED: other intents, not Message Content. */
const OTHER_INTENTS = (1 << 15) | (1 << 13);

let discord: FakeDiscord;
let apps = 0;

beforeAll(async () => {
  discord = await startFakeDiscord();
});
afterAll(async () => {
  await discord.close();
});

const connector = () => createDiscordConnector(createDiscordRest({ apiUrl: discord.url, timeoutMs: 5000 }));

/** A connected bot whose endpoint URL already points at Patchbay, so validate sees a healthy integration. */
async function connected(flags: number) {
  const n = ++apps;
  const webhookUrl = `https://patchbay.example.org/webhooks/discord/int_connector_${n}`;
  const app = discord.addApplication({ name: "Ada", botToken: `discord-connector-token-${n}`, flags, interactionsEndpointUrl: webhookUrl });
  const guild = discord.addGuild({ name: "g", channels: [{ name: "general", type: 0 }], members: [app.id] });
  const connection = await connector().connect({ botToken: app.botToken, scope: "mentions", options: { guild_id: guild.id } });
  const integration = { id: `int_connector_${n}`, platform: "discord", bot: connection.bot, guildId: guild.id, channelIds: [], channels: [] } as unknown as Integration;
  return { app, connection, validate: () => connector().validate(integration, connection.secrets, webhookUrl) };
}

const turnOn = (botToken: string, flags: number) =>
  fetch(`${discord.url}/applications/@me`, {
    method: "PATCH",
    headers: { authorization: `Bot ${botToken}`, "content-type": "application/json" },
    body: JSON.stringify({ flags }),
  });

describe("the Message Content intent, read from the application's flags", () => {
  test("off: connect and validate warn, naming the Developer Portal toggle; the bot is still connected and valid", async () => {
    const { connection, validate } = await connected(OTHER_INTENTS);
    expect(connection.warnings).toEqual([MESSAGE_CONTENT_OFF]);
    expect(MESSAGE_CONTENT_OFF).toMatch(/Developer Portal → your application → Bot → Privileged Gateway Intents → Message Content Intent/);
    expect(MESSAGE_CONTENT_OFF).toMatch(/\/ask, the message command, mentions and DMs are answered/);
    expect(connection.secrets).toEqual({ bot_token: expect.any(String) });
    expect(await validate()).toEqual({ warnings: [MESSAGE_CONTENT_OFF] });
  });

  test.each([
    ["the portal toggle (GATEWAY_MESSAGE_CONTENT_LIMITED)", MESSAGE_CONTENT_LIMITED],
    ["Discord's approval (GATEWAY_MESSAGE_CONTENT)", MESSAGE_CONTENT],
  ])("on through %s: no warning", async (_, flag) => {
    const { connection, validate } = await connected(flag | OTHER_INTENTS);
    expect(connection.warnings).toEqual([]);
    expect(await validate()).toEqual({ warnings: [] });
  });

  test("turned on after connecting: the next validate no longer warns; turned off again, it does", async () => {
    const { app, validate } = await connected(0);
    expect((await validate()).warnings).toEqual([MESSAGE_CONTENT_OFF]);
    expect((await turnOn(app.botToken, MESSAGE_CONTENT_LIMITED)).status).toBe(200);
    expect((await validate()).warnings).toEqual([]);
    await turnOn(app.botToken, 0);
    expect((await validate()).warnings).toEqual([MESSAGE_CONTENT_OFF]);
  });

  test("a warning never hides a failure: a cleared endpoint URL still fails validate", async () => {
    const { app, validate } = await connected(0);
    await fetch(`${discord.url}/applications/@me`, {
      method: "PATCH",
      headers: { authorization: `Bot ${app.botToken}`, "content-type": "application/json" },
      body: JSON.stringify({ interactions_endpoint_url: "" }),
    });
    await expect(validate()).rejects.toMatchObject({ code: "PLATFORM_ERROR", message: expect.stringMatching(/Interactions Endpoint URL/) });
  });
});
