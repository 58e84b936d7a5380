import { access, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { expect, test } from "vitest";
import { DataDirInUseError, INSTANCE_HOLDER_FILE, INSTANCE_LOCK_FILE, acquireInstanceLock } from "../src/instance-lock.ts";
import { tempDataDir } from "./helpers.ts";

test("one holder per data directory, even within one process; released, it can be claimed again", async () => {
  const dataDir = await tempDataDir();
  const lock = await acquireInstanceLock(dataDir, "npm start");
  await lock.announce("http://127.0.0.1:3000");

  const refused = await acquireInstanceLock(dataDir, "npm run keys").then(() => null, (error: unknown) => error);
  expect(refused).toBeInstanceOf(DataDirInUseError);
  expect(refused).toMatchObject({ dataDir, holder: { command: "npm start", pid: process.pid, url: "http://127.0.0.1:3000" } });
  expect((refused as Error).message).toContain(`is in use by npm start (pid ${process.pid}, http://127.0.0.1:3000, since `);
  // The refused claim did not weaken the held one.
  await expect(acquireInstanceLock(dataDir, "npm run keys")).rejects.toBeInstanceOf(DataDirInUseError);

  await lock.release();
  await expect(access(join(dataDir, INSTANCE_HOLDER_FILE))).rejects.toThrow();
  const again = await acquireInstanceLock(dataDir, "npm run keys");
  expect(JSON.parse(await readFile(join(dataDir, INSTANCE_HOLDER_FILE), "utf8"))).toMatchObject({ command: "npm run keys", pid: process.pid });
  await again.release();
});

test("a missing data directory is created private to the user", async () => {
  const dataDir = join(await tempDataDir(), "fresh");
  const lock = await acquireInstanceLock(dataDir, "npm start");
  expect((await stat(dataDir)).mode & 0o777).toBe(0o700);
  expect((await stat(join(dataDir, INSTANCE_LOCK_FILE))).mode & 0o777).toBe(0o600);
  await lock.release();
});
