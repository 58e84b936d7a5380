import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { afterAll, expect, test } from "vitest";
import { startFakeTelegram } from "@patchbay/testing";
import { eventually, freePort, tempDataDir } from "./helpers.ts";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const ECHO = "[echo — development model, no AI]";
const groups: ChildProcess[] = [];

afterAll(() => {
  for (const child of groups) if (child.exitCode === null) process.kill(-child.pid!, "SIGKILL");
});

/** The fenced sh blocks between the README's quick-try markers, in order. */
async function quickTryBlocks(): Promise<string[]> {
  const readme = await readFile(`${ROOT}README.md`, "utf8");
  const region = /<!-- quick-try:start[^>]*-->([\s\S]*?)<!-- quick-try:end -->/.exec(readme)?.[1];
  if (!region) throw new Error("README.md has no quick-try:start … quick-try:end region");
  return [...region.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((m) => m[1]!.trimEnd());
}

/** Runs shell lines like a person pasting them into bash; resolves with what they printed. */
function bash(script: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", ["-euo", "pipefail", "-c", script], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk) => (out += chunk));
    child.stderr.on("data", (chunk) => (err += chunk));
    child.once("exit", (code) => (code === 0 ? resolve(out) : reject(new Error(`bash exited ${code}: ${err}${out}`))));
  });
}

// The README's first minutes, as written, on a fresh DATA_DIR with no PUBLIC_URL, no tunnel and no model key:
// only the Telegram API is a loopback fake (strict about webhook URLs, like the real one), and the port is free.
test("the README's quick try ends with the bot answering", async () => {
  const [start, values, connect, check, ...rest] = await quickTryBlocks();
  expect(rest).toEqual([]);
  expect(start).toBe("npm install && npm start");
  expect(values!.split("\n").map((line) => line.split("=")[0])).toEqual(["KEY", "BOT_TOKEN"]);

  const telegram = await startFakeTelegram({ strictPorts: true, webhookRateLimit: false });
  const token = "7012345678:quick-try-test-token";
  telegram.addBot({ token, username: "ada_quick_try_bot" });
  const port = await freePort();
  // The port a test can have, instead of 3000; everything else as a person would have it.
  const asWritten = (block: string) => block.replaceAll("localhost:3000", `localhost:${port}`);

  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), DATA_DIR: await tempDataDir(), TELEGRAM_API_URL: telegram.url };
  for (const name of ["PUBLIC_URL", "API_KEYS", "OPENAI_API_KEY", "ANTHROPIC_API_KEY", "DEFAULT_MODEL", "AWS_REGION"]) delete env[name];
  try {
    // `npm install` has run for the test suite already; the test runs the `npm start` half of the line.
    const npm = spawn("npm", ["start"], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    groups.push(npm);
    let output = "";
    npm.stdout!.on("data", (chunk) => (output += chunk));
    npm.stderr!.on("data", (chunk) => (output += chunk));
    await eventually(() => output.includes("Patchbay listening on"), 30_000);
    expect(output).toContain("Telegram: long polling (PUBLIC_URL is not public HTTPS)");
    const key = /Generated an API key for owner "local" \(shown once, keep it\): (pb_\S+)/.exec(output)?.[1];
    expect(key).toBeDefined();

    // Step 3: the two values set by hand, then the block pasted as it is.
    const mine = `KEY='${key}'\nBOT_TOKEN='${token}'`;
    const connected = await bash(`${mine}\n${asWritten(connect!)}`);
    expect(JSON.parse(connected.trim().split("\n").at(-1)!)).toMatchObject({ status: "active", delivery: "polling", bot: { username: "ada_quick_try_bot" } });
    expect(telegram.webhookOf(token).url).toBe("");

    // Step 4: the person presses Start and writes hello; the bot answers.
    const from = { id: 5151, is_bot: false, first_name: "Newcomer" };
    const chat = { id: 5151, type: "private", first_name: "Newcomer" };
    const date = Math.floor(Date.now() / 1000);
    await telegram.deliver(token, { message: { message_id: 1, from, chat, date, text: "/start", entities: [{ type: "bot_command", offset: 0, length: 6 }] } });
    await telegram.deliver(token, { message: { message_id: 2, from, chat, date, text: "hello" } });
    const answer = await eventually(() => telegram.chatHistory(token, chat.id).find((m) => m.from?.id === 7012345678 && m.text === `${ECHO} hello`), 30_000);
    expect(answer).toBeDefined();

    const listed = JSON.parse(await bash(`${mine}\n${asWritten(check!)}`));
    expect(listed.data).toEqual([expect.objectContaining({ delivery: "polling", last_error: null, message_count: expect.any(Number) })]);
    expect(listed.data[0].message_count).toBeGreaterThanOrEqual(1);

    process.kill(-npm.pid!, "SIGTERM");
    await new Promise((resolve) => npm.once("exit", resolve));
    expect(output).not.toContain(token);
  } finally {
    await telegram.close();
  }
}, 120_000);
