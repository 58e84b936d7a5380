import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, test } from "vitest";
import { eventually } from "../../local/test/helpers.ts";
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

test("keys: a wrong command prints the usage and exits 2", async () => {
  const failure = await cli("keys", "rotate").then(() => undefined, (error: { code: number; stderr: string }) => error);
  expect(failure).toMatchObject({ code: 2, stderr: expect.stringContaining("npm run keys -- create --owner") });
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
