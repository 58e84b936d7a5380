import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { WebhookDriverCase } from "@patchbay/testing/contracts";
import { discordDriverCase, discordFixtures } from "../../platforms/test/cases/discord-case.ts";
import { slackDriverCase, slackFixtures } from "../../platforms/test/cases/slack-case.ts";
import { telegramDriverCase, telegramFixtures } from "../../platforms/test/cases/telegram-case.ts";
import { startHarness } from "./harness.ts";
import { mulberry32 } from "@patchbay/testing";
import type { Harness } from "./harness.ts";

/** Signed bodies per platform: mutated from the recorded fixtures, deterministic for a given seed. */
const BODIES_PER_PLATFORM = 1000;
const CONCURRENCY = 8;
const REQUEST_TIMEOUT_MS = 5000;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const deep = (levels: number): Json => (levels === 0 ? "bottom" : { nested: deep(levels - 1) });

/** Values a platform might send where Patchbay expects something else. */
const HOSTILE: Json[] = [
  null,
  true,
  0,
  -1,
  1e308,
  -1e308,
  2 ** 53 + 1,
  1.5,
  "",
  " ",
  "x".repeat(70_000),
  "😀".repeat(3000),
  "\u202Eevil\u0000\ud800",
  "9999-99-99T99:99:99Z",
  "<script>alert(1)</script>",
  "${jndi:ldap://x}",
  [],
  [1, "two", null],
  {},
  JSON.parse('{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}}') as Json,
  deep(200),
];

/** A fresh copy each time: later mutations of one body must not reach into another. */
const hostile = (random: () => number): Json => structuredClone(HOSTILE[Math.floor(random() * HOSTILE.length)]!);

function paths(value: Json, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  if (out.length > 400) return out;
  if (value && typeof value === "object") {
    for (const [key, child] of Object.entries(value)) {
      const path = [...prefix, Array.isArray(value) ? Number(key) : key];
      out.push(path);
      paths(child as Json, path, out);
    }
  }
  return out;
}

function mutate(body: Json, random: () => number): Json {
  const copy = structuredClone(body) as Json;
  const all = paths(copy);
  const mutations = 1 + Math.floor(random() * 3);
  for (let i = 0; i < mutations && all.length > 0; i++) {
    const path = all[Math.floor(random() * all.length)]!;
    let parent: any = copy;
    for (const step of path.slice(0, -1)) parent = parent?.[step];
    if (!parent || typeof parent !== "object") continue;
    const last = path[path.length - 1]!;
    const roll = random();
    if (roll < 0.15) delete parent[last];
    else if (roll < 0.25) parent[`extra_${i}`] = hostile(random);
    else if (roll < 0.3) Object.defineProperty(parent, "__proto__", { value: { hacked: true }, enumerable: true, configurable: true, writable: true });
    else parent[last] = hostile(random);
  }
  return copy;
}

interface Target {
  name: string;
  platform: string;
  make: () => WebhookDriverCase | Promise<WebhookDriverCase>;
  fixtures: () => { name: string; body: unknown }[];
}

const TARGETS: Target[] = [
  { name: "Telegram", platform: "telegram", make: telegramDriverCase, fixtures: telegramFixtures },
  { name: "Slack", platform: "slack", make: slackDriverCase, fixtures: slackFixtures },
  { name: "Discord", platform: "discord", make: discordDriverCase, fixtures: discordFixtures },
];

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness();
  // The fuzz is about ingress: what it enqueues is kept on disk, not answered.
  await harness.stack.queue.stop();
});

afterAll(async () => {
  await harness?.close();
});

async function post(url: string, body: string, headers: Headers): Promise<number> {
  const response = await fetch(url, { method: "POST", body, headers, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  await response.arrayBuffer();
  return response.status;
}

describe.each(TARGETS)("$name webhook under correctly signed hostile bodies", (target) => {
  test("never answers 5xx, never hangs, and the server stays healthy", { timeout: 90_000 }, async () => {
    const c = await target.make();
    const integration = { ...c.integration, owner: "alice" };
    await harness.stack.store.createIntegration(integration);
    await harness.stack.vault.put(integration.id, c.secrets);
    const url = `${harness.stack.url}/webhooks/${target.platform}/${integration.id}`;
    const fixtures = target.fixtures();
    expect(fixtures.length).toBeGreaterThan(5);

    const random = mulberry32(0x5eed + target.platform.length);
    const bodies = Array.from({ length: BODIES_PER_PLATFORM }, (_, i) =>
      JSON.stringify(mutate(fixtures[i % fixtures.length]!.body as Json, random)),
    );
    const statuses = new Map<number, number>();
    const failures: { index: number; status: number }[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (let index = next++; index < bodies.length; index = next++) {
          const body = bodies[index]!;
          const status = await post(url, body, c.sign(body, Date.now()));
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
          if (status >= 500) failures.push({ index, status });
        }
      }),
    );
    expect(failures).toEqual([]);
    // Everything verified: what was acknowledged outnumbers what was refused as too large.
    expect([...statuses.keys()].every((s) => s < 300 || s === 413)).toBe(true);

    // Bytes that are not JSON, and an oversized body, are 4xx too.
    const notJson = "{\"update_id\": 1, \"message\": ";
    expect(await post(url, notJson, c.sign(notJson, Date.now()))).toBe(400);
    const huge = JSON.stringify({ padding: "x".repeat(c.driver.maxBodyBytes + 1) });
    expect(await post(url, huge, c.sign(huge, Date.now()))).toBe(413);

    const health = await fetch(`${harness.stack.url}/health`);
    expect(health.status).toBe(200);
    expect(harness.logs.filter((line) => line.includes("unexpected failure"))).toEqual([]);
  });
});
