import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { systemClock } from "@patchbay/core";
import type { InboundImage, Integration, OutboundContext, PlatformClient } from "@patchbay/core";
import { DEFAULT_BOT_SCOPES, startFakeDiscord, startFakeSlack, startFakeTelegram } from "@patchbay/testing";
import type { FakeDiscord, FakeSlack, FakeTelegram } from "@patchbay/testing";
import { PLATFORM_MODULES } from "../src/registry.ts";

/** Each platform's client as composition builds it, with the download it adds, against the platform's fake on loopback. */
const logger = { info: () => undefined, warn: () => undefined, error: () => undefined };
const store = { seenChannels: async () => [] };
const PNG = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==", "base64");
const CAP = 1024;

let telegram: FakeTelegram;
let slack: FakeSlack;
let discord: FakeDiscord;

beforeAll(async () => {
  [telegram, slack, discord] = await Promise.all([startFakeTelegram(), startFakeSlack(), startFakeDiscord()]);
});
afterAll(async () => {
  await Promise.all([telegram.close(), slack.close(), discord.close()]);
});

function clientOf(platform: "telegram" | "slack" | "discord", apiUrl: string): Required<Pick<PlatformClient, "downloadImage">> {
  const client = PLATFORM_MODULES[platform].createClient({ apiUrl, store, clock: systemClock, logger });
  if (!client.downloadImage) throw new Error(`${platform} has no downloadImage`);
  return { downloadImage: client.downloadImage.bind(client) };
}

const context = (secrets: Record<string, string>) => ({ integration: { id: "int_images" } as Integration, secrets, message: {} }) as OutboundContext;
const picture = (ref: string): InboundImage => ({ ref, name: "p.png", mediaType: "image/png", size: null });

/** What a download threw, as code and message. */
async function failure(download: Promise<unknown>) {
  const error = await download.then(
    () => undefined,
    (e: unknown) => e as { code?: string; message?: string },
  );
  expect(error).toBeDefined();
  return { code: error?.code, message: error?.message };
}

describe("Telegram: getFile, then the file server on TELEGRAM_API_URL with the token in the path", () => {
  const token = "7700001:AAimages-token-abcdefghijklmnopqrst";
  const other = "7700002:AAother-token-abcdefghijklmnopqrstu";
  beforeAll(() => {
    telegram.addBot({ token, username: "images_bot" });
    telegram.addBot({ token: other, username: "other_images_bot" });
  });

  test("a photo's file_id gives its bytes", async () => {
    const file = telegram.addFile(token, PNG);
    const bytes = await clientOf("telegram", telegram.url).downloadImage(context({ bot_token: token }), picture(file.file_id), CAP);
    expect(Buffer.from(bytes)).toEqual(PNG);
    expect(telegram.callsTo("getFile", token).at(-1)?.args.file_id).toBe(file.file_id);
    expect(telegram.fileDownloads.at(-1)).toMatchObject({ token, status: 200 });
  });

  test("a file larger than the cap is refused from getFile's size, before any download", async () => {
    const file = telegram.addFile(token, Buffer.alloc(CAP + 1, 1));
    const downloads = telegram.fileDownloads.length;
    expect(await failure(clientOf("telegram", telegram.url).downloadImage(context({ bot_token: token }), picture(file.file_id), CAP))).toMatchObject({ code: "PAYLOAD_TOO_LARGE" });
    expect(telegram.fileDownloads).toHaveLength(downloads);
  });

  test("another bot's file_id is Telegram's refusal, in words without the token", async () => {
    const file = telegram.addFile(other, PNG);
    const refused = await failure(clientOf("telegram", telegram.url).downloadImage(context({ bot_token: token }), picture(file.file_id), CAP));
    expect(refused).toMatchObject({ code: "PLATFORM_ERROR", message: "Telegram refused getFile: Bad Request: invalid file_id" });
    expect(refused.message).not.toContain(token);
  });
});

describe("Slack: url_private with the bot token, only on Slack's file server", () => {
  test("an image file's url_private gives its bytes to a token with files:read", async () => {
    const team = slack.addWorkspace();
    const app = slack.addApp({ team_id: team.id, scopes: [...DEFAULT_BOT_SCOPES] });
    const file = slack.addFile({ team: team.id, user: "U0PERSON1", name: "chart.png", mimetype: "image/png", bytes: PNG });
    const bytes = await clientOf("slack", slack.url).downloadImage(context({ bot_token: app.token }), picture(file.url_private), CAP);
    expect(Buffer.from(bytes)).toEqual(PNG);
    expect(slack.fileDownloads.at(-1)).toMatchObject({ token: app.token, served: "file" });
  });

  test("without files:read Slack answers its sign-in page: the refusal names the scope to add", async () => {
    const team = slack.addWorkspace();
    const app = slack.addApp({ team_id: team.id, scopes: DEFAULT_BOT_SCOPES.filter((scope) => scope !== "files:read") });
    const file = slack.addFile({ team: team.id, user: "U0PERSON1", name: "chart.png", mimetype: "image/png", bytes: PNG });
    expect(await failure(clientOf("slack", slack.url).downloadImage(context({ bot_token: app.token }), picture(file.url_private), CAP))).toEqual({
      code: "INSUFFICIENT_PERMISSIONS",
      message: "Slack answered the picture's link with its sign-in page: add the files:read scope to the Slack app and reinstall it.",
    });
    expect(slack.fileDownloads.at(-1)).toMatchObject({ served: "login_page" });
  });

  test("a file over the cap stops at the cap", async () => {
    const team = slack.addWorkspace();
    const app = slack.addApp({ team_id: team.id, scopes: [...DEFAULT_BOT_SCOPES] });
    const file = slack.addFile({ team: team.id, user: "U0PERSON1", name: "big.png", mimetype: "image/png", bytes: Buffer.alloc(CAP + 1, 1) });
    expect(await failure(clientOf("slack", slack.url).downloadImage(context({ bot_token: app.token }), picture(file.url_private), CAP))).toMatchObject({ code: "PAYLOAD_TOO_LARGE" });
  });

  test("a link that is not on Slack's file server is never sent the token", async () => {
    const team = slack.addWorkspace();
    const app = slack.addApp({ team_id: team.id, scopes: [...DEFAULT_BOT_SCOPES] });
    const elsewhere = `${discord.origin}/files-pri/${team.id}-F1/x.png`;
    const downloads = slack.fileDownloads.length;
    expect(await failure(clientOf("slack", slack.url).downloadImage(context({ bot_token: app.token }), picture(elsewhere), CAP))).toMatchObject({ code: "PLATFORM_ERROR" });
    expect(discord.calls.some((c) => c.path.includes("files-pri"))).toBe(false);
    expect(slack.fileDownloads).toHaveLength(downloads);
  });
});

describe("Discord: the attachment's signed CDN link, only on Discord's hosts", () => {
  test("an attachment's url gives its bytes", async () => {
    const attachment = discord.addAttachment("1200000000000000001", { filename: "cat.png", content_type: "image/png", bytes: PNG });
    const bytes = await clientOf("discord", discord.url).downloadImage(context({ bot_token: "t" }), picture(attachment.url), CAP);
    expect(Buffer.from(bytes)).toEqual(PNG);
    expect(discord.cdnDownloads.at(-1)).toMatchObject({ status: 200 });
  });

  test("a link whose signature the CDN refuses is Discord's refusal; a link elsewhere is not fetched", async () => {
    const attachment = discord.addAttachment("1200000000000000001", { filename: "cat.png", content_type: "image/png", bytes: PNG });
    const unsigned = attachment.url.replace(/hm=[^&]+/, "hm=forged");
    expect(await failure(clientOf("discord", discord.url).downloadImage(context({}), picture(unsigned), CAP))).toEqual({
      code: "PLATFORM_ERROR",
      message: "Discord refused the attachment download (HTTP 404).",
    });
    const elsewhere = `${telegram.url}/attachments/1/2/cat.png`;
    expect(await failure(clientOf("discord", discord.url).downloadImage(context({}), picture(elsewhere), CAP))).toMatchObject({ code: "PLATFORM_ERROR" });
    expect(telegram.calls.some((c) => c.method.includes("attachments"))).toBe(false);
  });

  test("an attachment over the cap stops at the cap", async () => {
    const attachment = discord.addAttachment("1200000000000000001", { filename: "big.png", content_type: "image/png", bytes: Buffer.alloc(CAP + 1, 1) });
    expect(await failure(clientOf("discord", discord.url).downloadImage(context({}), picture(attachment.url), CAP))).toMatchObject({ code: "PAYLOAD_TOO_LARGE" });
  });
});
