import { describe, expect, test } from "vitest";
import { decide } from "@patchbay/core";
import type { AnyWebhookDriver, Integration, PlatformEvent, SecretBundle } from "@patchbay/core";

/** One platform's driver with what the contract needs to exercise it: an integration, its secrets, signed bodies. */
export interface WebhookDriverCase {
  driver: AnyWebhookDriver;
  /** An integration of this platform whose bot the fixtures below talk to (scope `mentions`, no channel filter). */
  integration: Integration;
  /** The vault bundle of that integration. */
  secrets: SecretBundle;
  /** Headers that make `body` verify at `nowMs`, as the platform signs it. */
  sign(body: string, nowMs: number): Headers;
  /** Whether the platform signs the body itself (Slack, Discord) or only sends a shared secret (Telegram). */
  signsBody: boolean;
  /** A delivery of a person mentioning the bot in a group channel (recorded from the platform's docs or a real workspace). */
  mention: unknown;
  /** The bot's own message echoed back by the platform. */
  ownMessage: unknown;
  /** The platform's handshake (Slack url_verification, Discord PING, …), or null when it has none (Telegram). */
  handshake: { body: unknown; expect: unknown } | null;
  /** A second delivery of `mention` as the platform redelivers it (same message, possibly other envelope fields). */
  redelivery: unknown;
}

const RECEIVED_AT = "2026-12-02T10:00:00.000Z";
const NOW_MS = Date.parse(RECEIVED_AT);

const verifyContext = (c: WebhookDriverCase) => ({
  integration: c.integration,
  secrets: async () => c.driver.readSecrets(c.secrets),
  nowMs: NOW_MS,
});

async function verifies(c: WebhookDriverCase, body: string, headers: Headers): Promise<boolean> {
  return c.driver.verify({ body, headers }, verifyContext(c));
}

function messageOf(event: PlatformEvent) {
  if (event.kind !== "message") throw new Error(`expected a message event, got ${event.kind}`);
  return event;
}

/** What every platform's webhook driver must do, over its recorded real payloads. */
export function describeWebhookDriverContract(name: string, make: () => WebhookDriverCase | Promise<WebhookDriverCase>) {
  describe(`WebhookDriver contract: ${name}`, () => {
    test("a correctly signed body verifies; a tampered body, a wrong signature or no signature does not", async () => {
      const c = await make();
      const body = JSON.stringify(c.mention);
      const headers = c.sign(body, NOW_MS);
      expect(await verifies(c, body, headers)).toBe(true);
      // A shared secret proves the sender, not the bytes: only a signature can catch a tampered body.
      expect(await verifies(c, `${body} `, headers)).toBe(!c.signsBody);
      expect(await verifies(c, body, new Headers())).toBe(false);
      const forged = new Headers(headers);
      for (const [key, value] of headers) forged.set(key, value.replace(/[0-9a-f]$/i, (ch) => (ch === "0" ? "1" : "0")));
      expect(await verifies(c, body, forged)).toBe(false);
    });

    test("verification fails closed without the secrets it needs", async () => {
      const c = await make();
      const body = JSON.stringify(c.mention);
      const headers = c.sign(body, NOW_MS);
      const without = { ...verifyContext(c), secrets: async () => null, integration: { ...c.integration, bot: { id: c.integration.bot.id, username: "x" } } };
      expect(await c.driver.verify({ body, headers }, without)).toBe(false);
    });

    test("a mention of the bot is a message addressed to it, answered by the rules", async () => {
      const c = await make();
      const event = messageOf(c.driver.parse(c.mention, c.integration, RECEIVED_AT));
      expect(event.sender).toBe("person");
      expect(event.addressed).toBe(true);
      expect(event.message.text.trim()).not.toBe("");
      expect(decide(c.integration, event)).toEqual({ answer: true });
      expect(c.driver.acknowledge(event, { answer: true }).status).toBeLessThan(300);
    });

    test("the bot's own message is ignored as own_message", async () => {
      const c = await make();
      const event = c.driver.parse(c.ownMessage, c.integration, RECEIVED_AT);
      expect(decide(c.integration, event)).toMatchObject({ answer: false, reason: "own_message" });
    });

    test("a redelivery is keyed like the first delivery", async () => {
      const c = await make();
      const first = messageOf(c.driver.parse(c.mention, c.integration, RECEIVED_AT));
      const again = messageOf(c.driver.parse(c.redelivery, c.integration, "2026-12-02T10:05:00.000Z"));
      expect(again.message.key).toBe(first.message.key);
      expect(again.message.sentAt).toBe(first.message.sentAt);
      expect(again.message.conversationId).toBe(first.message.conversationId);
    });

    test("the handshake gets the answer the platform expects", async () => {
      const c = await make();
      if (c.handshake === null) {
        expect(c.driver.parse(c.mention, c.integration, RECEIVED_AT).kind).not.toBe("handshake");
        return;
      }
      const event = c.driver.parse(c.handshake.body, c.integration, RECEIVED_AT);
      expect(event.kind).toBe("handshake");
      const response = c.driver.acknowledge(event, decide(c.integration, event));
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual(c.handshake.expect);
    });

    test("any JSON value parses without throwing, and what is not the platform's shape is unexpected_payload", async () => {
      const c = await make();
      for (const body of [null, 0, 1e308, "text", [], [c.mention], {}, { update_id: "x" }, { type: {} }, { event: [] }]) {
        const event = c.driver.parse(body, c.integration, RECEIVED_AT);
        expect(["unsupported", "handshake"]).toContain(event.kind);
        if (event.kind === "unsupported") expect(event.detail.length).toBeGreaterThan(0);
      }
    });
  });
}
