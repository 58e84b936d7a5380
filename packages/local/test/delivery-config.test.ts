import { afterAll, expect, test } from "vitest";
import { createJsonLogger } from "@patchbay/composition/logger";
import { startFakeOpenAI, startFakeTelegram } from "@patchbay/testing";
import { readLocalConfig } from "../src/config.ts";
import { startLocalStack } from "../src/local-stack.ts";
import type { LocalStack, LocalStackOptions } from "../src/local-stack.ts";
import { LOCAL_LISTENERS } from "../src/transports/index.ts";
import { eventually, freePort, tempDataDir } from "./helpers.ts";

const KEY = "pb_delivery_config_key_0123456789";
const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const step of cleanup.reverse()) await step();
});

async function setup(telegramOptions: Parameters<typeof startFakeTelegram>[0] = {}) {
  const telegram = await startFakeTelegram({ webhookRateLimit: false, ...telegramOptions });
  const openai = await startFakeOpenAI();
  openai.reply((request) => `Answer to: ${request.lastUserText}`);
  cleanup.push(() => telegram.close(), () => openai.close());
  const port = await freePort();
  const config = readLocalConfig({
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    DATA_DIR: await tempDataDir(),
    API_KEYS: `ops:${KEY}`,
    TELEGRAM_API_URL: telegram.url,
    OPENAI_BASE_URL: openai.url,
    OPENAI_API_KEY: openai.apiKey,
    DEFAULT_MODEL: "openai/gpt-test",
  });
  const start = async (options: Partial<LocalStackOptions>) => {
    const stack = await startLocalStack({ config, logger: createJsonLogger(() => undefined), reconcileIntervalMs: 3_600_000, transports: { intervalMs: 50 }, ...options });
    cleanup.push(async () => {
      await stack.close().catch(() => undefined);
    });
    return stack;
  };
  const api = async (stack: LocalStack, method: string, path: string, body?: unknown) => {
    const response = await fetch(`${stack.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: response.status, body: (await response.json()) as any };
  };
  return { telegram, start, api };
}

const dm = (text: string) => ({ message: { message_id: 1, from: { id: 3, is_bot: false, first_name: "Ro" }, chat: { id: 3, type: "private" }, date: 1, text } });

test("a webhook Telegram cannot call fails naming PUBLIC_URL (the first-hour error, now with what to set)", async () => {
  const { telegram, start, api } = await setup({ strictPorts: true });
  const token = "6200001:AAStrict-webhook-token-abcdefghij";
  telegram.addBot({ token, username: "strict_bot" });
  const stack = await start({ listeners: [] }); // webhooks only, as on AWS
  const replica = await api(stack, "POST", "/v1/replicas", { name: "Ada" });
  const refused = await api(stack, "POST", "/v1/integrations/telegram", { replica_id: replica.body.id, bot_token: token });
  expect(refused.status).toBe(502);
  expect(refused.body.error).toMatchObject({
    code: "PLATFORM_ERROR",
    message: expect.stringMatching(/^Telegram refused the webhook URL http:\/\/127\.0\.0\.1:\d+\/webhooks\/telegram\/int_\w+ \(Bad Request: bad webhook: An HTTPS URL must be provided for webhook\)\. .*set PUBLIC_URL to one .*leave PUBLIC_URL unset and Patchbay receives by long polling/),
  });
  expect((await api(stack, "GET", "/v1/integrations")).body.total).toBe(0);
});

test("restarting where long polling is available moves a webhook integration over: the reconciler changes its delivery and removes the webhook", async () => {
  const { telegram, start, api } = await setup();
  const token = "6200002:AAMoving-delivery-token-abcdefghij";
  telegram.addBot({ token, username: "moving_bot" });
  const asOnAws = await start({ listeners: [] });
  const replica = await api(asOnAws, "POST", "/v1/replicas", { name: "Ada" });
  const created = await api(asOnAws, "POST", "/v1/integrations/telegram", { replica_id: replica.body.id, bot_token: token });
  expect(created.body).toMatchObject({ delivery: "webhook", status: "active" });
  expect(telegram.webhookOf(token).url).toBe(created.body.webhook_url);
  await asOnAws.close();

  const laptop = await start({ listeners: LOCAL_LISTENERS });
  expect(await laptop.reconcile()).toBe(1);
  expect((await api(laptop, "GET", `/v1/integrations/${created.body.id}`)).body).toMatchObject({ delivery: "polling", status: "active", last_error: null });
  expect(telegram.webhookOf(token).url).toBe("");
  await laptop.transports.sync();
  expect(laptop.transports.running()).toEqual([{ integrationId: created.body.id, delivery: "polling" }]);
  await telegram.deliver(token, dm("moved over"));
  await eventually(() => telegram.sentMessages(token).length === 1);
  expect(telegram.sentMessages(token)[0]!.text).toBe("Answer to: moved over");
  expect(await laptop.reconcile()).toBe(0); // settled
});
