import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { DEFAULT_BOT_SCOPES, messageCommand } from "@patchbay/testing";
import type { ChatRequest, SlackAppInstall } from "@patchbay/testing";
import { LOCAL_LISTENERS } from "../src/transports/index.ts";
import { eventually, filesUnder } from "./helpers.ts";
import { startHarness } from "./harness.ts";
import type { Harness } from "./harness.ts";

/**
 * Pictures end to end through the local runtime: each platform's fake delivers a message with a picture
 * as the platform does, the picture is downloaded from the fake with the bot's credentials and reaches
 * the fake OpenAI as an image part — or, for a model that reads text only, the text does and the event
 * says why the picture did not.
 */

/** A 1×1 PNG: what the fake model must receive, byte for byte. */
const PNG = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==", "base64");
const AS_IMAGE_PART = { mediaType: "image/png", base64: PNG.toString("base64") };
const VISION_MODEL = "openai/gpt-4o-mini";
/** The harness's default model: not known to take images. */
const TEXT_MODEL = "openai/gpt-test";

const answerTo = (request: ChatRequest) => `Answer to: ${request.lastUserText} (${request.lastUserImages.length} images)`;

async function replica(h: Harness, model: string): Promise<string> {
  const created = await h.api("POST", "/v1/replicas", { name: "Ada", instructions: "You are Ada.", model });
  expect(created.status).toBe(201);
  return created.body.id;
}

async function events(h: Harness, integrationId: string): Promise<any[]> {
  return (await h.api("GET", `/v1/integrations/${integrationId}/events`)).body.data;
}

/** The newest event once it is no longer being answered. */
async function settled(h: Harness, integrationId: string): Promise<any> {
  return eventually(async () => {
    const [latest] = await events(h, integrationId);
    return latest && latest.type !== "processing" ? latest : undefined;
  });
}

/** The model request that answered a message, found by its text. */
async function modelRequest(h: Harness, text: string): Promise<ChatRequest> {
  return eventually(() => h.openai.requests.findLast((r) => r.lastUserText.startsWith(text) && r.status === 200));
}

describe("through webhooks", () => {
  let h: Harness;
  let vision: string;
  let textOnly: string;

  beforeAll(async () => {
    h = await startHarness();
    h.openai.reply(answerTo);
    [vision, textOnly] = [await replica(h, VISION_MODEL), await replica(h, TEXT_MODEL)];
  });
  afterAll(() => h.close());

  describe("Telegram", () => {
    let bots = 0;
    let messageId = 500;
    const user = { id: 42, is_bot: false, first_name: "Grace" };
    const privateChat = { id: 42, type: "private" as const, first_name: "Grace" };

    async function connect(replicaId: string) {
      const n = ++bots;
      const token = `${6100000 + n}:AAImages${"q".repeat(20)}${n}`;
      h.telegram.addBot({ token, username: `pics${n}_bot` });
      const answer = await h.api("POST", "/v1/integrations/telegram", { replica_id: replicaId, bot_token: token });
      expect(answer.status).toBe(201);
      return { token, integrationId: answer.body.id as string };
    }

    const send = (token: string, fields: Record<string, unknown>) =>
      h.telegram.deliver(token, { message: { message_id: ++messageId, from: user, chat: privateChat, date: Math.floor(Date.now() / 1000), ...fields } });

    /** A photo as Telegram sends it: the same picture in two sizes, smallest first. */
    function photo(token: string) {
      const small = h.telegram.addFile(token, PNG);
      const large = h.telegram.addFile(token, PNG);
      return { small, large, sizes: [{ ...small, width: 90, height: 90 }, { ...large, width: 800, height: 800 }] };
    }

    test("a photo with a caption reaches the model as an image part with the caption; the event says it was passed", async () => {
      const bot = await connect(vision);
      const { large, sizes } = photo(bot.token);
      expect((await send(bot.token, { photo: sizes, caption: "What is in this picture?" })).status).toBe(200);
      const request = await modelRequest(h, "What is in this picture?");
      expect(request.lastUserImages).toEqual([AS_IMAGE_PART]);
      expect(h.telegram.callsTo("getFile", bot.token).map((c) => c.args.file_id)).toEqual([large.file_id]);
      await eventually(() => h.telegram.sentMessages(bot.token).some((m) => m.text === "Answer to: What is in this picture? (1 images)"));
      expect(await settled(h, bot.integrationId)).toMatchObject({ type: "replied", text: "What is in this picture?", images: { received: 1, passed: 1, not_passed: [] } });
    });

    test("a photo alone is answered as a question about the picture; neither the picture nor its link is kept on disk", async () => {
      const bot = await connect(vision);
      const { sizes } = photo(bot.token);
      expect((await send(bot.token, { photo: sizes })).status).toBe(200);
      const request = await eventually(() => h.openai.requests.findLast((r) => r.lastUserText === "" && r.lastUserImages.length === 1 && r.status === 200));
      expect(request.lastUserImages).toEqual([AS_IMAGE_PART]);
      expect(await settled(h, bot.integrationId)).toMatchObject({ type: "replied", text: "", images: { received: 1, passed: 1 } });
      for (const file of await filesUnder(h.dataDir)) {
        expect(file.content.includes(PNG), file.path).toBe(false);
        expect(file.content.toString("latin1").includes(`file/bot${bot.token}`), file.path).toBe(false);
      }
    });

    test("a text-only model gets the text and a note, nothing is downloaded, and the event says the picture was not passed", async () => {
      const bot = await connect(textOnly);
      const { sizes } = photo(bot.token);
      await send(bot.token, { photo: sizes, caption: "Describe this" });
      const request = await modelRequest(h, "Describe this");
      expect(request.lastUserText).toBe("Describe this\n\n[The person also sent a picture that you cannot see.]");
      expect(request.lastUserImages).toEqual([]);
      expect(h.telegram.callsTo("getFile", bot.token)).toEqual([]);
      expect(await settled(h, bot.integrationId)).toMatchObject({
        type: "replied",
        images: { received: 1, passed: 0, not_passed: [{ name: "photo.jpg", reason: "model_text_only", message: expect.stringContaining("reads text only") }] },
      });
    });

    test("too large, an unsupported type and a failed download: the text is answered, each reason is on the event, the webhook answered 200", async () => {
      const bot = await connect(vision);
      const big = h.telegram.addFile(bot.token, PNG);
      const heic = h.telegram.addFile(bot.token, PNG, { extension: "heic" });
      const tooLarge = await send(bot.token, { photo: [{ ...big, file_size: 5_000_000, width: 4000, height: 3000 }], caption: "Big one" });
      const unsupported = await send(bot.token, { document: { ...heic, file_name: "IMG_0001.HEIC", mime_type: "image/heic" }, caption: "From my iPhone" });
      const lost = await send(bot.token, { photo: [{ file_id: "AgACAgQAAxkBAAIBunknown", file_unique_id: "AQADunknown", file_size: 1000, width: 90, height: 90 }], caption: "Lost one" });
      expect([tooLarge.status, unsupported.status, lost.status]).toEqual([200, 200, 200]);
      for (const text of ["Big one", "From my iPhone", "Lost one"]) {
        const request = await modelRequest(h, text);
        expect(request.lastUserText).toBe(`${text}\n\n[The person also sent a picture that you cannot see.]`);
        expect(request.lastUserImages).toEqual([]);
      }
      const list = await eventually(async () => {
        const all = await events(h, bot.integrationId);
        return all.length === 3 && all.every((e) => e.type === "replied") ? all : undefined;
      });
      const byText = Object.fromEntries(list.map((e) => [e.text, e.images.not_passed[0]]));
      expect(byText["Big one"]).toMatchObject({ reason: "too_large", message: expect.stringContaining("3.75 MB") });
      expect(byText["From my iPhone"]).toMatchObject({ name: "IMG_0001.HEIC", reason: "unsupported_type", message: expect.stringContaining("image/heic") });
      expect(byText["Lost one"]).toEqual({ name: "photo.jpg", reason: "download_failed", message: "Telegram refused getFile: Bad Request: invalid file_id" });
      // Only the lost photo was asked for: the others were refused on what the message declared.
      expect(h.telegram.callsTo("getFile", bot.token).map((c) => c.args.file_id)).toEqual(["AgACAgQAAxkBAAIBunknown"]);
    });
  });

  describe("Slack", () => {
    let teams = 0;

    async function connect(replicaId: string, scopes: readonly string[]) {
      const team = h.slack.addWorkspace({ id: `T0PIX${++teams}`, name: `Pictures ${teams}` });
      const app: SlackAppInstall = h.slack.addApp({ team_id: team.id, name: "Ada", bot_user_name: "ada", scopes: [...scopes] });
      const dm = h.slack.addChannel({ team_id: team.id, type: "im", members: [app.bot_user_id, "U0HUMAN"] }).id;
      const answer = await h.api("POST", "/v1/integrations/slack", { replica_id: replicaId, bot_token: app.token, signing_secret: app.signing_secret, workspace_id: team.id });
      expect(answer.status).toBe(201);
      const file = h.slack.addFile({ team: team.id, user: "U0HUMAN", name: "chart.png", mimetype: "image/png", bytes: PNG });
      const share = (text: string) =>
        h.slack.sendEvent(
          app.app_id,
          answer.body.webhook_url,
          h.slack.eventCallback({
            api_app_id: app.app_id,
            team_id: team.id,
            event: h.slack.messageEvent({ channel: dm, user: "U0HUMAN", text, extra: { subtype: "file_share", files: [file] } }) as never,
          }),
        );
      return { app, dm, integrationId: answer.body.id as string, warnings: answer.body.warnings as string[] | undefined, share };
    }

    test("an image shared in a DM is downloaded with the bot token and reaches the model as an image part", async () => {
      const c = await connect(vision, DEFAULT_BOT_SCOPES);
      expect(c.warnings ?? []).not.toContainEqual(expect.stringContaining("files:read"));
      expect((await c.share("What does this chart show?")).status).toBe(200);
      expect((await modelRequest(h, "What does this chart show?")).lastUserImages).toEqual([AS_IMAGE_PART]);
      expect(h.slack.fileDownloads.at(-1)).toMatchObject({ token: c.app.token, served: "file" });
      await eventually(() => h.slack.posted(c.dm).some((p) => (p.markdown_text ?? p.text) === "Answer to: What does this chart show? (1 images)"));
      expect(await settled(h, c.integrationId)).toMatchObject({ type: "replied", images: { received: 1, passed: 1 } });
    });

    test("without files:read connecting warns, the text is answered and the event names the scope to add", async () => {
      const c = await connect(vision, DEFAULT_BOT_SCOPES.filter((scope) => scope !== "files:read"));
      const filesRead = "Without the files:read scope, pictures people share are not read (the model gets the text): add it under OAuth & Permissions and reinstall the app.";
      expect(c.warnings).toContainEqual(filesRead);
      expect((await h.api("POST", `/v1/integrations/${c.integrationId}/validate`)).body).toMatchObject({ valid: true, warnings: expect.arrayContaining([filesRead]) });
      await c.share("Can you read my chart?");
      const request = await modelRequest(h, "Can you read my chart?");
      expect(request.lastUserImages).toEqual([]);
      expect(await settled(h, c.integrationId)).toMatchObject({
        type: "replied",
        images: {
          received: 1,
          passed: 0,
          not_passed: [{ name: "chart.png", reason: "download_failed", message: "Slack answered the picture's link with its sign-in page: add the files:read scope to the Slack app and reinstall it." }],
        },
      });
    });
  });

  describe("Discord", () => {
    let apps = 0;

    async function connect(replicaId: string) {
      const n = ++apps;
      const app = h.discord.addApplication({ name: `Pictures ${n}`, botToken: `MTP${n}.pictures-bot-token-${n}.abcdefghijklmnopqrstuvwxyz`, botUsername: `pics${n}` });
      const guild = h.discord.addGuild({ name: `Pictures guild ${n}`, channels: [{ name: "general", type: 0 }], members: [app.id] });
      const general = guild.channels[0]!.id;
      const answer = await h.api("POST", "/v1/integrations/discord", { replica_id: replicaId, bot_token: app.botToken, guild_id: guild.id });
      expect(answer.status).toBe(201);
      return { app, guild, general, integrationId: answer.body.id as string };
    }

    test("the message command on a message with a picture passes its attachment, fetched from the CDN link", async () => {
      const c = await connect(vision);
      const attachment = h.discord.addAttachment(c.general, { filename: "moon.png", content_type: "image/png", bytes: PNG, width: 1, height: 1 });
      const target = h.discord.addMessage(c.general, { content: "Is this the moon?", attachments: [attachment] });
      const interaction = h.discord.createInteraction(c.app.id, { data: messageCommand(target, { name: "Ask Ada" }), guild_id: c.guild.id, channel_id: c.general });
      expect(await (await h.discord.deliverInteraction(c.app.id, interaction)).json()).toEqual({ type: 5 });
      expect((await modelRequest(h, "Is this the moon?")).lastUserImages).toEqual([AS_IMAGE_PART]);
      expect(h.discord.cdnDownloads.at(-1)).toMatchObject({ path: expect.stringContaining(attachment.id), status: 200 });
      await eventually(() => h.discord.interactionMessages(interaction.token).some((m) => m.content === "Answer to: Is this the moon? (1 images)"));
      expect(await settled(h, c.integrationId)).toMatchObject({ type: "replied", images: { received: 1, passed: 1 } });
    });

    test("an attachment larger than it says stops downloading at the cap; the text is answered", async () => {
      const c = await connect(vision);
      const attachment = h.discord.addAttachment(c.general, { filename: "huge.png", content_type: "image/png", bytes: Buffer.concat([PNG, Buffer.alloc(4 * 1024 * 1024)]) });
      const target = h.discord.addMessage(c.general, { content: "What about this big one?", attachments: [{ ...attachment, size: 2048 }] });
      const interaction = h.discord.createInteraction(c.app.id, { data: messageCommand(target, { name: "Ask Ada" }), guild_id: c.guild.id, channel_id: c.general });
      await h.discord.deliverInteraction(c.app.id, interaction);
      expect((await modelRequest(h, "What about this big one?")).lastUserImages).toEqual([]);
      expect(await settled(h, c.integrationId)).toMatchObject({ type: "replied", images: { received: 1, passed: 0, not_passed: [{ name: "huge.png", reason: "too_large" }] } });
    });

    test("for a text-only model the message command answers the text and the event says the picture was not passed", async () => {
      const c = await connect(textOnly);
      const attachment = h.discord.addAttachment(c.general, { filename: "moon.png", content_type: "image/png", bytes: PNG });
      const target = h.discord.addMessage(c.general, { content: "And this one?", attachments: [attachment] });
      const downloads = h.discord.cdnDownloads.length;
      const interaction = h.discord.createInteraction(c.app.id, { data: messageCommand(target, { name: "Ask Ada" }), guild_id: c.guild.id, channel_id: c.general });
      await h.discord.deliverInteraction(c.app.id, interaction);
      expect((await modelRequest(h, "And this one?")).lastUserImages).toEqual([]);
      expect(await settled(h, c.integrationId)).toMatchObject({ type: "replied", images: { received: 1, passed: 0, not_passed: [{ name: "moon.png", reason: "model_text_only" }] } });
      expect(h.discord.cdnDownloads).toHaveLength(downloads);
    });
  });
});

describe("Discord through the Gateway", () => {
  let h: Harness;
  let vision: string;

  beforeAll(async () => {
    h = await startHarness({
      stack: { listeners: LOCAL_LISTENERS, transports: { intervalMs: 50, discord: { backoff: { initialMs: 50, maxMs: 400 }, recheckMs: 100 } } },
    });
    h.openai.reply(answerTo);
    vision = await replica(h, VISION_MODEL);
  });
  afterAll(() => h.close());

  test("a picture alone in a DM to the bot is answered as a question about the picture", async () => {
    const app = h.discord.addApplication({ name: "Gateway pictures", botToken: "MTGP1.gateway-pictures-token.abcdefghijklmnop", botUsername: "gpics", flags: 1 << 19 });
    const guild = h.discord.addGuild({ name: "Gateway pictures", channels: [{ name: "general", type: 0 }], members: [app.id] });
    const answer = await h.api("POST", "/v1/integrations/discord", { replica_id: vision, bot_token: app.botToken, guild_id: guild.id });
    expect(answer.status).toBe(201);
    await h.discord.gateway.waitForLive(app.id);
    const dm = h.discord.openDirectMessage(app.id);
    const attachment = h.discord.addAttachment(dm.id, { filename: "receipt.png", content_type: "image/png", bytes: PNG });
    h.discord.sendMessage(dm.id, { content: "", attachments: [attachment] });
    const request = await eventually(() => h.openai.requests.findLast((r) => r.lastUserText === "" && r.lastUserImages.length === 1 && r.status === 200));
    expect(request.lastUserImages).toEqual([AS_IMAGE_PART]);
    // A first DM opens with the greeting; the answer about the picture follows it.
    await eventually(() => h.discord.messages(dm.id).some((m) => m.author.id === app.botId && m.content.endsWith("Answer to:  (1 images)")));
    const event = await eventually(async () => (await events(h, answer.body.id)).find((e) => e.type === "replied"));
    expect(event).toMatchObject({ text: "", images: { received: 1, passed: 1, not_passed: [] } });
  });
});
