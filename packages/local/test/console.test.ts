/**
 * The web console in a real browser (Debian's headless Chromium driven by playwright-core) against the local
 * stack that `npm start` runs, with the fake Telegram, Slack, Discord and OpenAI on loopback: a person signs in,
 * creates and previews a replica, connects a bot, watches its activity and changes it, by keyboard and on a phone.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { CONSOLE_CSP } from "@patchbay/http";
import { launchChromium, screenshot, unlabelledControls } from "./browser.ts";
import { ALICE_KEY, BOB_KEY, startHarness } from "./harness.ts";
import { eventually, freePort, tempDataDir } from "./helpers.ts";
import type { Harness } from "./harness.ts";

/** Strings that would run or render as markup if any reached innerHTML. */
const HOSTILE_BOT = `<img src=x onerror="window.__pwned='bot'">`;
const HOSTILE_GROUP = `<script>window.__pwned='group'</script>Team`;
const HOSTILE_TEXT = `<b onmouseover="window.__pwned='text'">hi</b><script>window.__pwned='text'</script>`;
const BOT_ID = 7700001;
const TOKEN = `${BOT_ID}:AAconsole-test-token-abcdefghijkl`;
const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };

let h: Harness;
let browser: Browser;
let context: BrowserContext;
let page: Page;
/** What the browser reported: CSP violations and uncaught errors would show here. */
const problems: string[] = [];
let replicaId = "";
let integrationId = "";
let messageId = 1;

const user = { id: 42, is_bot: false, first_name: "Grace", username: "grace" };
const privateChat = { id: 42, type: "private" as const, first_name: "Grace" };
const group = { id: -1002001, type: "supergroup" as const, title: HOSTILE_GROUP };
const update = (chat: object, text: string) => ({ message: { message_id: ++messageId, from: user, chat, date: Math.floor(Date.now() / 1000), text } });

async function openPage(viewport = DESKTOP): Promise<{ context: BrowserContext; page: Page }> {
  const ctx = await browser.newContext({ viewport, ...(viewport === PHONE ? { isMobile: true, hasTouch: true, deviceScaleFactor: 2 } : {}) });
  // Shorter than the test's own limit, so a missing element fails with playwright's account of what it waited for.
  ctx.setDefaultTimeout(8_000);
  const p = await ctx.newPage();
  p.on("console", (message) => {
    if (message.type() === "error") problems.push(message.text());
  });
  p.on("pageerror", (error) => problems.push(error.message));
  return { context: ctx, page: p };
}

async function signIn(p: Page, key: string) {
  await p.goto(`${h.stack.url}/console`);
  await p.getByLabel("API key").fill(key);
  await p.getByRole("button", { name: "Sign in" }).click();
  await p.getByRole("heading", { level: 1, name: "Replicas" }).waitFor();
}

const pwned = (p: Page) => p.evaluate(() => (window as unknown as { __pwned?: string }).__pwned ?? null);
/** Elements only markup could have made: an <img> or an inline <script> anywhere in the app. */
const injected = (p: Page) => p.evaluate(() => document.querySelectorAll("#app img, #app script, #app b").length);
/** A page opens with its title focused, so the next Tab goes to the page's first control. */
const titleFocused = (p: Page, title: string) => p.waitForFunction((text) => document.activeElement?.tagName === "H1" && document.activeElement.textContent === text, title);
const api = (path: string) => h.api("GET", path);

beforeAll(async () => {
  h = await startHarness();
  h.openai.reply((request) => `Answer to: ${request.lastUserText}`);
  h.telegram.addBot({ token: TOKEN, id: BOT_ID, username: HOSTILE_BOT });
  browser = await launchChromium();
  ({ context, page } = await openPage());
});

afterAll(async () => {
  await browser?.close();
  await h?.close();
});

describe("the console at /console", () => {
  test("is one page with its own script and stylesheet under a strict CSP, no inline code, served from this origin", async () => {
    const answer = await fetch(`${h.stack.url}/console`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(answer.headers.get("content-security-policy")).toBe(CONSOLE_CSP);
    expect(CONSOLE_CSP).toContain("script-src 'self';");
    expect(CONSOLE_CSP).not.toMatch(/unsafe-inline|unsafe-eval|https?:/);
    expect(answer.headers.get("x-content-type-options")).toBe("nosniff");
    const html = await answer.text();
    expect(html.match(/<script\b[^>]*>/g)).toEqual(['<script type="module" src="/console/console.js">']);
    expect(html).not.toMatch(/\son[a-z]+=|style=|https?:\/\//);
    for (const [file, type] of [
      ["console.js", "text/javascript; charset=utf-8"],
      ["console.css", "text/css; charset=utf-8"],
    ]) {
      const asset = await fetch(`${h.stack.url}/console/${file}`);
      expect(asset.status).toBe(200);
      expect(asset.headers.get("content-type")).toBe(type);
      expect(asset.headers.get("content-security-policy")).toBe(CONSOLE_CSP);
    }
    const missing = await fetch(`${h.stack.url}/console/other.js`);
    expect(missing.status).toBe(404);
    expect((await missing.json()).error.code).toBe("NOT_FOUND");
  });

  test("a wrong key is refused on the form, and nothing is kept", async () => {
    await page.goto(`${h.stack.url}/console`);
    await screenshot(page, "sign-in-desktop");
    const field = page.getByLabel("API key");
    await field.fill("pb_not_a_real_key_000000000000");
    await field.press("Enter");
    await page.getByText("This key is not accepted").waitFor();
    expect(await field.getAttribute("aria-invalid")).toBe("true");
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    expect(page.url()).toBe(`${h.stack.url}/console`);
  });

  test("signing in keeps the key in this tab's sessionStorage only: not in the URL, not in a log", async () => {
    await signIn(page, ALICE_KEY);
    expect(await page.evaluate(() => Object.values(sessionStorage))).toEqual([ALICE_KEY]);
    expect(page.url()).not.toContain(ALICE_KEY);
    expect(await page.evaluate(() => document.cookie + localStorage.length)).toBe("0");
    expect(h.logs.join("\n")).not.toContain(ALICE_KEY);
  });

  test("a replica is created with the form, and answers in the preview", async () => {
    await page.getByRole("link", { name: "New replica" }).click();
    await page.getByLabel("Name").fill("Ada");
    await page.getByLabel("Instructions").fill("You are Ada, a test replica.");
    await page.getByLabel("Greeting").fill("Hi, I am Ada.");
    await page.getByLabel("Temperature").fill("0.4");
    await page.getByLabel("Longest answer (tokens)").fill("300");
    await page.getByLabel("Stream answers").uncheck();
    await page.getByRole("button", { name: "Create replica" }).click();
    await page.getByRole("heading", { level: 1, name: "Ada", exact: true }).waitFor();
    replicaId = decodeURIComponent(new URL(page.url()).hash.split("/")[2]!);
    const stored = (await api(`/v1/replicas/${replicaId}`)).body;
    expect(stored).toMatchObject({ name: "Ada", instructions: "You are Ada, a test replica.", greeting: "Hi, I am Ada.", stream: false, temperature: 0.4, max_output_tokens: 300, model: "openai/gpt-test" });

    await page.getByLabel("Message").fill(HOSTILE_TEXT);
    await page.getByRole("button", { name: "Ask" }).click();
    await page.getByText(`Answer to: ${HOSTILE_TEXT}`).waitFor();
    await page.getByText(/openai\/gpt-test · \d+ ms/).waitFor();
    expect(h.openai.requests.at(-1)?.lastUserText).toBe(HOSTILE_TEXT);
    expect(await injected(page)).toBe(0);
    await screenshot(page, "replica-desktop");
  });

  test("editing a replica changes only what the form says; a bad value is shown under its field and nothing changes", async () => {
    const before = (await api(`/v1/replicas/${replicaId}`)).body;
    await page.getByLabel("Temperature").fill("7");
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await page.locator("#replica-temperature-error").waitFor();
    expect(await page.getByLabel("Temperature").getAttribute("aria-invalid")).toBe("true");
    expect((await api(`/v1/replicas/${replicaId}`)).body).toEqual(before);

    await page.getByLabel("Temperature").fill("");
    await page.getByLabel("Instructions").fill("You are Ada. Be brief.");
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await page.getByText("Saved: the next answer uses these settings.").waitFor();
    expect((await api(`/v1/replicas/${replicaId}`)).body).toMatchObject({ instructions: "You are Ada. Be brief.", temperature: null, max_output_tokens: 300 });
  });

  test("connecting a Telegram bot follows BotFather's steps; a refused token is shown under the token field and nothing is stored", async () => {
    await page.getByRole("link", { name: "Connect a Telegram bot" }).click();
    await page.getByRole("heading", { level: 1, name: "Connect a Telegram bot to Ada" }).waitFor();
    await page.getByText("@BotFather").waitFor();
    await page.getByText(/setprivacy/).waitFor();
    await screenshot(page, "connect-telegram-desktop");

    await page.getByLabel("Bot token").fill("123456:AAnot-a-known-token-xxxxxxxxxxxxx");
    await page.getByRole("button", { name: "Connect" }).click();
    const fieldError = page.locator("#bot-token-error");
    await fieldError.waitFor();
    expect(await page.getByLabel("Bot token").getAttribute("aria-invalid")).toBe("true");
    expect(await page.locator(".notice.error code.code").first().textContent()).toBe("INVALID_CREDENTIALS");
    expect((await api("/v1/integrations")).body.total).toBe(0);

    await page.getByLabel("Bot token").fill(TOKEN);
    await page.getByRole("button", { name: "Connect" }).click();
    await page.getByRole("heading", { level: 1, name: HOSTILE_BOT }).waitFor();
    integrationId = decodeURIComponent(new URL(page.url()).hash.split("/")[2]!);
    await page.getByText(/Privacy mode is on/).waitFor();
    expect(h.telegram.webhookOf(TOKEN).url).toBe(`${h.stack.url}/webhooks/telegram/${integrationId}`);
    expect(await injected(page)).toBe(0);
    expect(await pwned(page)).toBeNull();
  });

  test("the bot is listed, healthy, with its hostile name shown as text", async () => {
    await page.getByRole("link", { name: "Integrations" }).click();
    await page.getByRole("heading", { level: 1, name: "Integrations" }).waitFor();
    const card = page.locator(".card", { hasText: HOSTILE_BOT });
    await card.waitFor();
    expect(await card.locator(".badge").textContent()).toBe("active");
    expect(await card.getByRole("link").textContent()).toBe(HOSTILE_BOT);
    expect(await injected(page)).toBe(0);
    await screenshot(page, "integrations-desktop");
    await card.getByRole("link").click();
    await page.getByRole("heading", { level: 1, name: HOSTILE_BOT }).waitFor();
  });

  test("a message sent through the fake Telegram appears in the activity log by itself: answered, ignored with its reason, filterable", async () => {
    expect((await h.telegram.deliver(TOKEN, update(privateChat, HOSTILE_TEXT))).status).toBe(200);
    expect((await h.telegram.deliver(TOKEN, update(group, "people talking among themselves"))).status).toBe(200);
    const log = page.locator("section.activity");
    await log.locator('[data-outcome="replied"]', { hasText: HOSTILE_TEXT }).waitFor({ timeout: 15_000 });
    const ignored = log.locator('[data-outcome="ignored"]', { hasText: "people talking among themselves" });
    await ignored.waitFor({ timeout: 15_000 });
    expect(await ignored.locator(".why").textContent()).toContain("not_addressed");
    expect(await log.locator(".event").first().textContent()).toContain("people talking among themselves");
    expect(h.telegram.sentMessages(TOKEN).map((m) => m.text)).toContain(`Answer to: ${HOSTILE_TEXT}`);

    await page.getByLabel("Outcome").selectOption("ignored");
    expect(await log.locator(".event").count()).toBe(1);
    await page.getByLabel("Outcome").selectOption("replied");
    expect(await log.locator(".event").count()).toBe(1);
    expect(await log.locator(".event .said").textContent()).toBe(HOSTILE_TEXT);
    await page.getByLabel("Outcome").selectOption("any");

    // A model that refuses the key: the failure shows with its error, and the status above follows by itself.
    h.openai.failNext({ kind: "error", status: 401, message: "Incorrect API key provided", type: "invalid_request_error", code: "invalid_api_key" });
    expect((await h.telegram.deliver(TOKEN, update(privateChat, "are you there?"))).status).toBe(200);
    const failed = log.locator('[data-outcome="failed"]', { hasText: "are you there?" });
    await failed.waitFor({ timeout: 15_000 });
    expect(await failed.locator(".why code").textContent()).toBe("MODEL_AUTH");
    const status = page.locator("section[aria-labelledby=overview-title] .notice.error");
    await status.waitFor();
    expect(await status.locator("code.code").textContent()).toBe("MODEL_AUTH");
    expect(await status.textContent()).toContain("pick another model on the replica");
    await page.getByLabel("Outcome").selectOption("failed");
    expect(await log.locator(".event").count()).toBe(1);
    await page.getByLabel("Outcome").selectOption("any");
    expect(await injected(page)).toBe(0);
    expect(await pwned(page)).toBeNull();
  });

  test("the group the bot saw is offered as a channel, named as text, and choosing it is saved", async () => {
    await page.getByRole("button", { name: "Validate" }).click();
    await page.getByText(/Valid, checked in \d+ ms/).waitFor();
    const channel = page.getByLabel(HOSTILE_GROUP);
    await channel.waitFor();
    await page.getByLabel("Answer in every chat the bot is in").uncheck();
    await channel.check();
    await page.getByRole("button", { name: "Save channels" }).click();
    await page.getByText("Saved.").first().waitFor();
    expect((await api(`/v1/integrations/${integrationId}`)).body.channel_ids).toEqual([String(group.id)]);
    expect(await injected(page)).toBe(0);
  });

  test("test message and validate report how long they took", async () => {
    await page.getByLabel("Chat or channel id (optional)").fill(String(privateChat.id));
    await page.getByRole("button", { name: "Send a test message" }).click();
    await page.getByText(/Delivered in \d+ ms \(message \d+\)/).waitFor();
  });

  test("scope, pause and resume change the integration", async () => {
    await page.getByLabel("Answer", { exact: true }).selectOption("all");
    await page.getByRole("button", { name: "Save settings" }).click();
    await page.locator("section[aria-labelledby=rules-title]").getByText("Saved.").waitFor();
    expect((await api(`/v1/integrations/${integrationId}`)).body).toMatchObject({ scope: "all", auto_respond: true });

    await page.getByRole("button", { name: "Pause" }).click();
    await page.getByRole("button", { name: "Resume" }).waitFor();
    expect((await api(`/v1/integrations/${integrationId}`)).body).toMatchObject({ active: false, status: "inactive" });
    expect(await page.locator("h1 + .meta .badge").textContent()).toBe("inactive");
    await screenshot(page, "integration-desktop");
    await page.getByRole("button", { name: "Resume" }).click();
    await page.getByRole("button", { name: "Pause" }).waitFor();
    expect((await api(`/v1/integrations/${integrationId}`)).body).toMatchObject({ active: true, status: "active" });
  });

  test("a refused new token is shown under its field and the old one stays", async () => {
    const before = (await api(`/v1/integrations/${integrationId}`)).body.bot_token;
    await page.getByLabel("New bot token").fill("999:AArefused-rotation-token-xxxxxxxx");
    await page.getByRole("button", { name: "Rotate token" }).click();
    await page.locator("#rotate-token-error").waitFor();
    expect((await api(`/v1/integrations/${integrationId}`)).body.bot_token).toBe(before);
  });

  test("Slack: the scopes a token lacks are listed; once connected, the manifest carries this integration's webhook_url as its Request URL", async () => {
    const team = h.slack.addWorkspace({ id: "T0CONSOLE", name: "Console team" });
    const app = h.slack.addApp({ team_id: team.id, name: "Ada", scopes: ["chat:write", "app_mentions:read"] });
    await page.goto(`${h.stack.url}/console#/replicas/${replicaId}/connect/slack`);
    await page.getByRole("heading", { level: 1, name: "Connect a Slack bot to Ada" }).waitFor();
    const manifest = JSON.parse(await page.getByLabel("App manifest", { exact: true }).inputValue());
    expect(manifest.oauth_config.scopes.bot).toEqual(expect.arrayContaining(["app_mentions:read", "chat:write", "im:history", "channels:read", "groups:read", "files:read"]));
    await page.getByLabel("Socket Mode (npm start on a laptop, no public URL)").check();
    expect(JSON.parse(await page.getByLabel("App manifest", { exact: true }).inputValue()).settings.socket_mode_enabled).toBe(true);
    await page.getByLabel("App-level token").waitFor();
    await page.getByLabel("Events to a public URL (Patchbay on AWS, or behind a tunnel)").check();

    await page.getByLabel("Bot User OAuth Token").fill(app.token);
    await page.getByLabel("Signing Secret").fill(app.signing_secret);
    await page.getByRole("button", { name: "Connect" }).click();
    await page.locator("#bot-token-error").waitFor();
    const refusal = page.locator(".notice.error");
    expect(await refusal.locator("code.code").textContent()).toBe("INSUFFICIENT_PERMISSIONS");
    expect(await refusal.locator("code.scope.missing").allTextContents()).toEqual(["im:history (missing)", "channels:read (missing)", "groups:read (missing)"]);
    expect((await api("/v1/integrations?platform=slack")).body.total).toBe(0);

    h.slack.setScopes(app.token, ["chat:write", "app_mentions:read", "im:history", "channels:read", "groups:read"]);
    await page.getByRole("button", { name: "Connect" }).click();
    await page.getByRole("heading", { level: 2, name: "Slack app manifest" }).waitFor();
    const integration = (await api("/v1/integrations?platform=slack")).body.data[0];
    const connected = JSON.parse(await page.getByLabel("App manifest", { exact: true }).inputValue());
    expect(connected.settings.event_subscriptions).toMatchObject({ request_url: integration.webhook_url, bot_events: expect.arrayContaining(["app_mention", "message.im"]) });
    expect(connected.settings.socket_mode_enabled).toBe(false);
    await screenshot(page, "integration-slack-desktop");
    await page.getByRole("button", { name: "Delete integration" }).click();
    await page.getByRole("button", { name: "Yes, delete integration" }).click();
    await page.getByRole("heading", { level: 1, name: "Ada", exact: true }).waitFor();
  });

  test("Discord: the invite link is made from the application id, and the Message Content intent is explained", async () => {
    await page.goto(`${h.stack.url}/console#/replicas/${replicaId}/connect/discord`);
    await page.getByRole("heading", { level: 1, name: "Connect a Discord bot to Ada" }).waitFor();
    await page.getByText("Message Content Intent").waitFor();
    expect(await page.getByLabel("Invite link").count()).toBe(0);
    await page.getByLabel("Application id").fill("123456789012345678");
    const invite = await page.getByLabel("Invite link").inputValue();
    expect(new URL(invite).searchParams.get("client_id")).toBe("123456789012345678");
    expect(new URL(invite).searchParams.get("scope")).toBe("bot applications.commands");
    await page.getByRole("link", { name: "Back to Ada" }).click();
    await page.getByRole("heading", { level: 1, name: "Ada", exact: true }).waitFor();
  });

  test("deleting a replica a bot still answers as is refused with a sentence naming the bot", async () => {
    await page.goto(`${h.stack.url}/console#/integrations/${integrationId}`);
    await page.getByRole("link", { name: "its replica" }).click();
    await page.getByRole("heading", { level: 1, name: "Ada", exact: true }).waitFor();
    await page.getByRole("button", { name: "Delete replica" }).click();
    await page.getByRole("button", { name: "Yes, delete replica" }).click();
    const refusal = page.locator(".notice.error", { hasText: "cannot be deleted while a bot answers as it" });
    await refusal.waitFor();
    expect(await refusal.getByRole("link").textContent()).toBe(HOSTILE_BOT);
    expect((await api(`/v1/replicas/${replicaId}`)).status).toBe(200);
  });

  test("deleting the integration disconnects the bot; then the replica can go", async () => {
    await page.getByRole("link", { name: HOSTILE_BOT }).first().click();
    await page.getByRole("button", { name: "Delete integration" }).click();
    await page.getByRole("button", { name: "Yes, delete integration" }).click();
    await page.getByRole("heading", { level: 1, name: "Ada", exact: true }).waitFor();
    expect((await api(`/v1/integrations/${integrationId}`)).status).toBe(404);
    expect(h.telegram.webhookOf(TOKEN).url).toBe("");
  });

  test("another owner's key sees none of it", async () => {
    const other = await openPage();
    try {
      await signIn(other.page, BOB_KEY);
      await other.page.getByText("No replica yet.").waitFor();
      await other.page.goto(`${h.stack.url}/console#/replicas/${replicaId}`);
      await other.page.locator(".notice.error", { hasText: "NOT_FOUND" }).waitFor();
    } finally {
      await other.context.close();
    }
  });

  test("every form control has a label, and a person can sign in and create a replica with the keyboard alone", async () => {
    const kb = await openPage();
    try {
      await kb.page.goto(`${h.stack.url}/console`);
      await kb.page.getByLabel("API key").waitFor();
      await kb.page.keyboard.press("Tab");
      expect(await kb.page.evaluate(() => document.activeElement?.id)).toBe("api-key");
      await kb.page.keyboard.type(ALICE_KEY);
      await kb.page.keyboard.press("Enter");
      await titleFocused(kb.page, "Replicas");
      // Tab from the page's title to the "New replica" link, open it, and fill the form in tab order.
      await kb.page.keyboard.press("Tab");
      expect(await kb.page.evaluate(() => document.activeElement?.textContent)).toBe("New replica");
      await kb.page.keyboard.press("Enter");
      await titleFocused(kb.page, "New replica");
      expect(await unlabelledControls(kb.page)).toEqual([]);
      await kb.page.keyboard.press("Tab");
      expect(await kb.page.evaluate(() => document.activeElement?.id)).toBe("replica-name");
      await kb.page.keyboard.type("Keyboard Kate");
      await kb.page.keyboard.press("Enter");
      await kb.page.getByRole("heading", { level: 1, name: "Keyboard Kate" }).waitFor();
      expect(await unlabelledControls(kb.page)).toEqual([]);
      for (const platform of ["telegram", "slack", "discord"]) {
        await kb.page.getByRole("link", { name: new RegExp(`Connect a ${platform}`, "i") }).click();
        await kb.page.getByRole("heading", { level: 1, name: new RegExp(`Connect a ${platform}`, "i") }).waitFor();
        expect(await unlabelledControls(kb.page)).toEqual([]);
        await kb.page.goBack();
      }
    } finally {
      await kb.context.close();
    }
  });

  test("on a phone every page fits the screen's width with every control labelled (screenshots of the main pages at desktop and phone widths)", async () => {
    const token = `${BOT_ID + 1}:AAphone-test-token-abcdefghijklmn`;
    h.telegram.addBot({ token, id: BOT_ID + 1, username: "phone_test_bot" });
    const replica = (await h.api("POST", "/v1/replicas", { name: "Pocket", instructions: "Short answers." })).body;
    const integration = (await h.api("POST", `/v1/replicas/${replica.id}/integrations/telegram`, { bot_token: token })).body;
    await h.telegram.deliver(token, update(privateChat, "hello from a phone"));
    const phone = await openPage(PHONE);
    try {
      await phone.page.goto(`${h.stack.url}/console`);
      await phone.page.getByLabel("API key").waitFor();
      await screenshot(phone.page, "sign-in-phone");
      await signIn(phone.page, ALICE_KEY);
      const pages: [string, string, string][] = [
        ["replicas", "#/replicas", "Replicas"],
        ["replica", `#/replicas/${replica.id}`, "Pocket"],
        ["connect-slack", `#/replicas/${replica.id}/connect/slack`, "Connect a Slack bot to Pocket"],
        ["connect-discord", `#/replicas/${replica.id}/connect/discord`, "Connect a Discord bot to Pocket"],
        ["integration", `#/integrations/${integration.id}`, "phone_test_bot"],
      ];
      for (const [name, hash, title] of pages) {
        await phone.page.goto(`${h.stack.url}/console${hash}`);
        await phone.page.getByRole("heading", { level: 1, name: title }).waitFor();
        if (name === "integration") await phone.page.locator('[data-outcome="replied"]').waitFor({ timeout: 15_000 });
        expect(await phone.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth), name).toBeLessThanOrEqual(0);
        expect(await unlabelledControls(phone.page), name).toEqual([]);
        await screenshot(phone.page, `${name}-phone`);
        if (name.startsWith("connect")) {
          await page.goto(`${h.stack.url}/console${hash}`);
          await page.getByRole("heading", { level: 1, name: title }).waitFor();
          await screenshot(page, `${name}-desktop`);
        }
      }
    } finally {
      await phone.context.close();
    }
  });

  test("signing out forgets the key", async () => {
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByText("Signed out: this tab no longer holds the key.").waitFor();
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    await page.reload();
    await page.getByLabel("API key").waitFor();
  });

  test("npm start itself prints the console's URL and serves it; its generated key signs in", async () => {
    const main = fileURLToPath(new URL("../src/main.ts", import.meta.url));
    const child = spawn(process.execPath, [main], {
      env: { ...process.env, PORT: String(await freePort()), DATA_DIR: await tempDataDir(), API_KEYS: "", TELEGRAM_API_URL: h.telegram.url },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    const exited = new Promise((resolve) => child.once("exit", resolve));
    try {
      const [, url] = await eventually(() => /Web console: (http:\S+)/.exec(output) ?? undefined, 20_000);
      const [, key] = await eventually(() => /Generated an API key for owner "local" \(shown once, keep it\): (pb_\S+)/.exec(output) ?? undefined, 20_000);
      const started = await openPage();
      try {
        await started.page.goto(url!);
        await started.page.getByLabel("API key").fill(key!);
        await started.page.getByRole("button", { name: "Sign in" }).click();
        await started.page.getByText("No replica yet.").waitFor();
      } finally {
        await started.context.close();
      }
    } finally {
      child.kill("SIGTERM");
      await exited;
    }
  });

  test("the browser reported no CSP violation and no script error along the way", () => {
    expect(problems.filter((p) => !/status of 4\d\d/.test(p))).toEqual([]);
  });
});
