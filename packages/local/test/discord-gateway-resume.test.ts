import { readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect, test } from "vitest";
import { createGatewayResumeStore } from "../src/transports/discord-gateway-resume.ts";
import { tempDataDir } from "./helpers.ts";

const STATE = { sessionId: "s-1", sequence: 41, resumeUrl: "wss://gateway-resume.example/" };

test("a kept session is taken once: the next start resumes it, a second start does not", async () => {
  const dataDir = await tempDataDir();
  const sessions = await createGatewayResumeStore(dataDir);
  await sessions.keep("int_a", STATE);
  expect(await sessions.take("int_a")).toEqual(STATE);
  expect(await sessions.take("int_a")).toBeNull();
});

test("a damaged or incomplete session file means a new IDENTIFY: nothing is resumed and the file is gone", async () => {
  const dataDir = await tempDataDir();
  const sessions = await createGatewayResumeStore(dataDir);
  await writeFile(join(dataDir, "gateway", "int_broken.session"), "{not json");
  await writeFile(join(dataDir, "gateway", "int_partial.session"), JSON.stringify({ sessionId: "s-2", sequence: "41" }));
  expect(await sessions.take("int_broken")).toBeNull();
  expect(await sessions.take("int_partial")).toBeNull();
  expect(await readdir(join(dataDir, "gateway"))).toEqual([]);
});

test("an id that could leave DATA_DIR/gateway is refused before any file is touched", async () => {
  const dataDir = await tempDataDir();
  const sessions = await createGatewayResumeStore(dataDir);
  await expect(sessions.keep("../../etc/x", STATE)).rejects.toThrow(/not an integration id/);
  expect(await readdir(join(dataDir, "gateway"))).toEqual([]);
  expect(await readdir(dataDir)).toEqual(["gateway"]);
});
