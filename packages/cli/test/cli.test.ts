import { execFile } from "node:child_process";
import { access } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, test } from "vitest";
import { acquireInstanceLock } from "@patchbay/local";
import { eventually, tempDataDir } from "../../local/test/helpers.ts";
import { startHarness } from "../../local/test/harness.ts";
import type { Harness } from "../../local/test/harness.ts";

const run = promisify(execFile);
const script = (name: string) => fileURLToPath(new URL(`../src/${name}.ts`, import.meta.url));
let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

const cli = async (name: string, ...args: string[]) => {
  const { stdout } = await run(process.execPath, [script(name), ...args], { env: { ...process.env, DATA_DIR: h.dataDir } });
  return stdout;
};

test("keys: create, list and revoke against the running local stack", async () => {
  const created = await cli("keys", "create", "--owner", "acme");
  const key = created.trim().split("\n").at(-1)!;
  const id = /\(id ([0-9a-f]{64})\)/.exec(created)![1]!;
  expect(key).toMatch(/^pb_/);
  expect((await h.api("GET", "/v1/replicas", undefined, key)).status).toBe(200);
  expect(await cli("keys", "list", "--owner", "acme")).toContain(id);
  expect(await cli("keys", "revoke", "--id", id)).toContain("Revoked");
  expect((await h.api("GET", "/v1/replicas", undefined, key)).status).toBe(401);
  expect(await cli("keys", "list", "--owner", "acme")).toMatch(/revoked/);
});

/** An operator command run to its end in a DATA_DIR of the test's choosing. */
const exit = (name: string, dataDir: string, ...args: string[]) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, [script(name), ...args], { env: { ...process.env, DATA_DIR: dataDir } }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
    );
  });
const exists = (path: string) => access(path).then(() => true, () => false);

test("--help, -h and help print the usage of every operator command and exit 0, touching no data", async () => {
  const dataDir = join(await tempDataDir(), "never-created");
  for (const [name, usage] of [["keys", "Usage: npm run keys -- <command>"], ["dlq", "Usage: npm run dlq -- <command>"]] as const) {
    for (const args of [["--help"], ["-h"], ["help"], ["list", "--help"], ["--bogus", "--help"]]) {
      const answer = await exit(name, dataDir, ...args);
      expect(answer, `${name} ${args.join(" ")}`).toMatchObject({ code: 0, stderr: "", stdout: expect.stringContaining(usage) });
    }
  }
  expect(await exists(dataDir)).toBe(false);
});

test("a usage error exits 2 with what is wrong and the usage, without opening or creating any data", async () => {
  const dataDir = join(await tempDataDir(), "never-created");
  const cases: [string, string[], string][] = [
    ["keys", [], "Name a command: create, list, revoke."],
    ["keys", ["rotate"], 'Unknown command "rotate"'],
    ["keys", ["create"], "create needs --owner."],
    ["keys", ["create", "--owner"], "--owner <value>' argument missing"],
    ["keys", ["revoke", "--owner", "acme"], "revoke needs --id."],
    ["keys", ["list", "--owner", "acme", "--id", "x"], "--id is not an option of list."],
    ["keys", ["list", "--owner", "acme", "extra"], 'Unexpected argument "extra" after list.'],
    ["keys", ["list", "--owner", "acme", "--table", "t"], "--table goes with --stage <stage>."],
    ["keys", ["list", "--ownr", "acme"], "Unknown option '--ownr'"],
    ["dlq", [], "Name a command: list, redrive."],
    ["dlq", ["purge"], 'Unknown command "purge"'],
    ["dlq", ["list", "--dlq-url", "https://sqs/x"], "--dlq-url goes with --stage <stage>."],
  ];
  for (const [name, args, problem] of cases) {
    const answer = await exit(name, dataDir, ...args);
    expect(answer, `${name} ${args.join(" ")}`).toMatchObject({ code: 2, stdout: "", stderr: expect.stringContaining(problem) });
    expect(answer.stderr).toContain(`Usage: npm run ${name} -- <command>`);
    expect(answer.stderr).not.toMatch(/^\s+at /m); // no stack
  }
  expect(await exists(dataDir)).toBe(false);
});

test("commands that read or change local data refuse a DATA_DIR that does not exist instead of creating it", async () => {
  const dataDir = join(await tempDataDir(), "mistyped");
  for (const [name, ...args] of [["keys", "list", "--owner", "acme"], ["keys", "revoke", "--id", "abc"], ["dlq", "list"], ["dlq", "redrive"]]) {
    const answer = await exit(name!, dataDir, ...args);
    expect(answer).toMatchObject({ code: 1, stderr: `No local data in ${dataDir}: set DATA_DIR to the directory npm start uses, or pass --stage <stage> for a deployed stage.\n` });
  }
  expect(await exists(dataDir)).toBe(false);
});

test("keys does not open data at rest that another process holds", async () => {
  const dataDir = await tempDataDir();
  // A stack between taking DATA_DIR and publishing its store's endpoint (starting or stopping).
  const lock = await acquireInstanceLock(dataDir, "npm start");
  try {
    const answer = await exit("keys", dataDir, "create", "--owner", "acme");
    expect(answer.code).toBe(1);
    expect(answer.stderr).toContain(`DATA_DIR ${dataDir} is in use by npm start (pid ${process.pid}`);
    expect(answer.stderr).toContain("try again in a moment");
    expect(await exists(join(dataDir, "dynamo"))).toBe(false);
  } finally {
    await lock.release();
  }
});

test("dlq: list shows a dead letter, redrive sends it back and the running stack answers it", async () => {
  const token = "3330001:AAcli-dlq-token-abcdefghijklmnopq";
  h.telegram.addBot({ token, username: "dlq_bot", can_read_all_group_messages: true });
  const replica = (await h.api("POST", "/v1/replicas", { name: "Ada" })).body;
  const integration = (await h.api("POST", "/v1/integrations/telegram", { replica_id: replica.id, bot_token: token })).body;
  h.openai.failNext({ kind: "server_error", status: 500 }, 5);
  await h.telegram.deliver(token, { message: { message_id: 1, from: { id: 5, is_bot: false, first_name: "Jo" }, chat: { id: 5, type: "private" }, date: 1, text: "lost?" } });
  await eventually(async () => (await h.stack.queue.deadLetters()).length === 1, 15_000);

  const listed = await cli("dlq", "list");
  expect(listed).toContain(`integration ${integration.id}`);
  expect(listed).toContain("1 dead letter(s)");
  expect(await cli("dlq", "redrive")).toContain("1 message(s) back in the queue");
  await eventually(() => h.telegram.sentMessages(token).length === 1, 10_000);
  expect(await cli("dlq", "list")).toContain("0 dead letter(s)");
});

test("keys: works on the data at rest when the stack is stopped", async () => {
  await h.stack.close();
  try {
    const created = await cli("keys", "create", "--owner", "offline");
    expect(created).toContain('owner "offline"');
  } finally {
    await h.restart();
  }
  expect((await h.api("GET", "/v1/replicas", undefined, (await cli("keys", "create", "--owner", "after")).trim().split("\n").at(-1)!)).status).toBe(200);
});
