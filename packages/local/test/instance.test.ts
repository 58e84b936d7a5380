import { execFile, spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { access, readFile, readdir, stat } from "node:fs/promises";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, expect, test } from "vitest";
import { DYNAMO_ENDPOINT_FILE } from "../src/local-stack.ts";
import { INSTANCE_HOLDER_FILE } from "../src/instance-lock.ts";
import { eventually, freePort, tempDataDir } from "./helpers.ts";

// `npm start` as users run it: one process per DATA_DIR, refusals in one line, nothing touched when refused.
const MAIN = fileURLToPath(new URL("../src/main.ts", import.meta.url));
const KEYS = fileURLToPath(new URL("../../cli/src/keys.ts", import.meta.url));
const KEY = "pb_instance_test_key_0123456789";
const children: ChildProcess[] = [];

afterAll(() => {
  for (const child of children) child.kill("SIGKILL");
});

interface Running {
  child: ChildProcess;
  url: string;
  output(): string;
}

/** `npm start` in its own process; resolves once it listens. */
async function start(dataDir: string, port: number): Promise<Running> {
  const child = spawn(process.execPath, [MAIN], { env: { ...process.env, PORT: String(port), DATA_DIR: dataDir, API_KEYS: `ops:${KEY}` }, stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  let output = "";
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  await eventually(() => output.includes("Patchbay listening on"), 20_000);
  return { child, url: `http://127.0.0.1:${port}`, output: () => output };
}

/** A command run to its end. */
function run(script: string, args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [script, ...args], { env: { ...process.env, ...env } }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
    });
  });
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** What a refused start could have touched: the top-level entries, and the endpoint and holder files with their times. */
async function snapshot(dataDir: string) {
  const file = async (name: string) => ({ content: await readFile(join(dataDir, name), "utf8"), mtimeMs: (await stat(join(dataDir, name))).mtimeMs });
  return { entries: (await readdir(dataDir)).sort(), endpoint: await file(DYNAMO_ENDPOINT_FILE), holder: await file(INSTANCE_HOLDER_FILE) };
}

const health = async (url: string) => (await fetch(`${url}/health`)).status;

test("a second npm start on the same DATA_DIR refuses in one line, changes nothing, and the first keeps serving", async () => {
  const dataDir = await tempDataDir();
  const first = await start(dataDir, await freePort());
  const before = await snapshot(dataDir);

  const second = await run(MAIN, [], { PORT: String(await freePort()), DATA_DIR: dataDir, API_KEYS: `ops:${KEY}` });
  expect(second.code).toBe(1);
  expect(second.stdout).toBe("");
  expect(second.stderr.trim().split("\n")).toEqual([expect.stringContaining(`is in use by npm start (pid ${first.child.pid}, ${first.url}`)]);
  expect(second.stderr).toContain("set DATA_DIR to another directory");
  expect(await snapshot(dataDir)).toEqual(before);

  // The first one still serves, and its operator commands still reach it.
  expect(await health(first.url)).toBe(200);
  const created = await run(KEYS, ["create", "--owner", "acme"], { DATA_DIR: dataDir });
  expect(created.code).toBe(0);
  const key = created.stdout.trim().split("\n").at(-1)!;
  expect((await fetch(`${first.url}/v1/replicas`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(200);
}, 60_000);

test("kill -9 leaves no lock behind: the next start comes up, and is the one a third start names", async () => {
  const dataDir = await tempDataDir();
  const port = await freePort();
  const first = await start(dataDir, port);
  first.child.kill("SIGKILL");
  await new Promise((resolve) => first.child.once("exit", resolve));
  // The dead holder's account of itself is still on disk; it decides nothing.
  expect(JSON.parse(await readFile(join(dataDir, INSTANCE_HOLDER_FILE), "utf8"))).toMatchObject({ pid: first.child.pid });

  const second = await start(dataDir, port);
  expect(await health(second.url)).toBe(200);
  const third = await run(MAIN, [], { PORT: String(await freePort()), DATA_DIR: dataDir });
  expect(third.code).toBe(1);
  expect(third.stderr).toContain(`(pid ${second.child.pid},`);

  second.child.kill("SIGTERM");
  expect(await new Promise((resolve) => second.child.once("exit", resolve))).toBe(0);
  expect(await exists(join(dataDir, INSTANCE_HOLDER_FILE))).toBe(false);
}, 60_000);

test("a port in use is one line naming the port and PORT; nothing is left claimed and the key is shown on the next start", async () => {
  const squatter = createServer();
  await new Promise<void>((resolve) => squatter.listen(0, "127.0.0.1", resolve));
  const { port } = squatter.address() as AddressInfo;
  const dataDir = await tempDataDir();
  try {
    const refused = await run(MAIN, [], { PORT: String(port), DATA_DIR: dataDir });
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe("");
    const lines = refused.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`Port ${port} is already in use`);
    expect(lines[0]).toMatch(/PORT=\d+ npm start/);
    expect(await exists(join(dataDir, DYNAMO_ENDPOINT_FILE))).toBe(false);
  } finally {
    await new Promise((resolve) => squatter.close(resolve));
  }

  // Without API_KEYS: the key generated for owner "local" is shown by the first start that gets its port.
  const child = spawn(process.execPath, [MAIN], { env: { ...process.env, PORT: String(await freePort()), DATA_DIR: dataDir }, stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  await eventually(() => output.includes("Generated an API key"), 20_000);
  child.kill("SIGTERM");
  await new Promise((resolve) => child.once("exit", resolve));
}, 60_000);

test("npm start -- --help prints the usage; an unknown argument or a bad variable exits 2 without creating DATA_DIR", async () => {
  const dataDir = join(await tempDataDir(), "never-created");
  const help = await run(MAIN, ["--help"], { DATA_DIR: dataDir });
  expect(help).toMatchObject({ code: 0, stdout: expect.stringContaining("Usage: npm start") });
  expect(help.stdout).toContain("DATA_DIR");

  const unknown = await run(MAIN, ["--port", "4000"], { DATA_DIR: dataDir });
  expect(unknown).toMatchObject({ code: 2, stderr: expect.stringContaining("Usage: npm start") });
  const badPort = await run(MAIN, [], { DATA_DIR: dataDir, PORT: "eighty" });
  expect(badPort.code).toBe(2);
  expect(badPort.stderr.trim()).toBe('PORT must be a port number, got "eighty". See `npm start -- --help`.');
  for (const failure of [unknown, badPort]) expect(failure.stderr).not.toMatch(/^\s+at /m);
  expect(await exists(dataDir)).toBe(false);
}, 30_000);
