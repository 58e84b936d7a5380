import { startFakeDiscord, startFakeOpenAI, startFakeSlack, startFakeTelegram } from "@patchbay/testing";
import type { FakeDiscord, FakeOpenAI, FakeSlack, FakeTelegram, FakeTelegramOptions } from "@patchbay/testing";
import { createJsonLogger } from "@patchbay/composition/logger";
import { readLocalConfig } from "../src/config.ts";
import { startLocalStack } from "../src/local-stack.ts";
import type { LocalStack, LocalStackOptions } from "../src/local-stack.ts";
import { freePort, tempDataDir } from "./helpers.ts";

export const ALICE_KEY = "pb_alice_test_key_0123456789";
export const BOB_KEY = "pb_bob_test_key_0123456789abc";

export interface ApiAnswer {
  status: number;
  headers: Headers;
  body: any;
}

export interface Harness {
  stack: LocalStack;
  telegram: FakeTelegram;
  slack: FakeSlack;
  discord: FakeDiscord;
  openai: FakeOpenAI;
  dataDir: string;
  /** Every log line the stack wrote. */
  logs: string[];
  /** Calls the REST API as a key's owner (alice by default). */
  api(method: string, path: string, body?: unknown, key?: string): Promise<ApiAnswer>;
  /** A new bot on the fake Telegram (reading every group message), connected to a replica; `id` makes its token. */
  connectTelegramBot(replicaId: string, id: number, username: string): Promise<{ token: string; integrationId: string }>;
  /** Restarts the stack on the same data directory and port; `whileDown` runs while it is stopped. */
  restart(whileDown?: () => unknown): Promise<void>;
  close(): Promise<void>;
}

/** The real local stack on a loopback port, wired to a fake Telegram and a fake OpenAI endpoint. */
export async function startHarness(
  options: { telegram?: FakeTelegramOptions; env?: Record<string, string>; stack?: Partial<LocalStackOptions> } = {},
): Promise<Harness> {
  const telegram = await startFakeTelegram({ webhookRateLimit: false, ...options.telegram });
  const slack = await startFakeSlack();
  const discord = await startFakeDiscord();
  const openai = await startFakeOpenAI();
  const dataDir = await tempDataDir();
  const port = await freePort();
  const logs: string[] = [];
  const config = readLocalConfig({
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    DATA_DIR: dataDir,
    API_KEYS: `alice:${ALICE_KEY},bob:${BOB_KEY}`,
    TELEGRAM_API_URL: telegram.url,
    SLACK_API_URL: slack.url,
    DISCORD_API_URL: discord.url,
    OPENAI_BASE_URL: openai.url,
    OPENAI_API_KEY: openai.apiKey,
    DEFAULT_MODEL: "openai/gpt-test",
    ...options.env,
  });
  const start = () =>
    startLocalStack({
      config,
      logger: createJsonLogger((line) => logs.push(line)),
      queue: { pollIntervalMs: 10, retry: { maxAttempts: 5, backoffMs: () => 50 } },
      reconcileIntervalMs: 60_000,
      // Webhooks on loopback, like on AWS; polling and Socket Mode tests ask for their listeners.
      listeners: [],
      ...options.stack,
    });
  let stack = await start();

  const harness: Harness = {
    get stack() {
      return stack;
    },
    telegram,
    slack,
    discord,
    openai,
    dataDir,
    logs,
    async api(method, path, body, key = ALICE_KEY) {
      const response = await fetch(`${stack.url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${key}`,
          ...(body !== undefined ? { "content-type": "application/json" } : {}),
        },
        ...(body !== undefined ? { body: typeof body === "string" ? body : JSON.stringify(body) } : {}),
      });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON (e.g. /docs)
      }
      return { status: response.status, headers: response.headers, body: parsed };
    },
    async connectTelegramBot(replicaId, id, username) {
      const token = `${id}:${username}-test-token`;
      telegram.addBot({ token, id, username, can_read_all_group_messages: true });
      const answer = await harness.api("POST", "/v1/integrations/telegram", { replica_id: replicaId, bot_token: token });
      if (answer.status !== 201) throw new Error(`connecting ${username} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
      return { token, integrationId: answer.body.id as string };
    },
    async restart(whileDown) {
      await stack.close();
      await whileDown?.();
      stack = await start();
    },
    async close() {
      await stack.close();
      await telegram.close();
      await slack.close();
      await discord.close();
      await openai.close();
    },
  };
  return harness;
}
