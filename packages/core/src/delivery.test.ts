import { describe, expect, test } from "vitest";
import { chooseDelivery, deliveryWarning, describeDelivery, isPublicHttpsUrl } from "./delivery.ts";
import type { Listener } from "./delivery.ts";

const LOCAL: Listener[] = ["polling", "socket"];

describe("isPublicHttpsUrl", () => {
  test.each([
    "https://patchbay.example.com",
    "https://abc123.ngrok-free.app/",
    "https://x.trycloudflare.com:8443",
    "https://93.184.216.34",
  ])("%s is public HTTPS", (url) => expect(isPublicHttpsUrl(url)).toBe(true));

  test.each([
    "http://localhost:3000",
    "http://patchbay.example.com",
    "https://localhost:3000",
    "https://127.0.0.1",
    "https://10.0.0.7",
    "https://192.168.1.20",
    "https://172.20.0.1",
    "https://[::1]:3000",
    "https://laptop.local",
    "https://devbox",
    "not a url",
  ])("%s is not", (url) => expect(isPublicHttpsUrl(url)).toBe(false));
});

describe("chooseDelivery", () => {
  test("Telegram: long polling on a laptop, webhooks with a public HTTPS URL or where no poller runs", () => {
    expect(chooseDelivery({ platform: "telegram", publicUrl: "http://localhost:3000", hasAppToken: false, listeners: LOCAL })).toBe("polling");
    expect(chooseDelivery({ platform: "telegram", publicUrl: "https://bots.example.com", hasAppToken: false, listeners: LOCAL })).toBe("webhook");
    expect(chooseDelivery({ platform: "telegram", publicUrl: "http://localhost:3000", hasAppToken: false, listeners: [] })).toBe("webhook");
  });

  test("Slack: Socket Mode exactly when the integration has an app-level token and the runtime holds sockets", () => {
    expect(chooseDelivery({ platform: "slack", publicUrl: "http://localhost:3000", hasAppToken: true, listeners: LOCAL })).toBe("socket");
    // An app with Socket Mode on gets nothing at its Request URL, whatever PUBLIC_URL is.
    expect(chooseDelivery({ platform: "slack", publicUrl: "https://bots.example.com", hasAppToken: true, listeners: LOCAL })).toBe("socket");
    expect(chooseDelivery({ platform: "slack", publicUrl: "http://localhost:3000", hasAppToken: false, listeners: LOCAL })).toBe("webhook");
    expect(chooseDelivery({ platform: "slack", publicUrl: "https://bots.example.com", hasAppToken: true, listeners: [] })).toBe("webhook");
  });

  test("Discord: the Gateway once a runtime runs a listener for it, interactions webhooks until then", () => {
    expect(chooseDelivery({ platform: "discord", publicUrl: "http://localhost:3000", hasAppToken: false, listeners: LOCAL })).toBe("webhook");
    expect(chooseDelivery({ platform: "discord", publicUrl: "http://localhost:3000", hasAppToken: false, listeners: [...LOCAL, "gateway"] })).toBe("gateway");
  });
});

describe("what people are told", () => {
  test("a Slack webhook without a public URL names PUBLIC_URL and app_token", () => {
    const warning = deliveryWarning("slack", "webhook", "http://localhost:3000");
    expect(warning).toMatch(/PUBLIC_URL \(http:\/\/localhost:3000\) is not a public HTTPS URL/);
    expect(warning).toMatch(/app_token \(xapp-…\)/);
    expect(deliveryWarning("slack", "webhook", "https://bots.example.com")).toBeNull();
    expect(deliveryWarning("slack", "socket", "http://localhost:3000")).toBeNull();
    expect(deliveryWarning("telegram", "polling", "http://localhost:3000")).toBeNull();
  });

  test("npm start's line per platform", () => {
    const laptop = { publicUrl: "http://localhost:3000", listeners: LOCAL };
    expect(describeDelivery("telegram", laptop)).toBe("long polling (PUBLIC_URL is not public HTTPS)");
    expect(describeDelivery("slack", laptop)).toMatch(/^Socket Mode for integrations with an app_token, else webhooks at http:\/\/localhost:3000\/webhooks\/slack\/… \(PUBLIC_URL is not public HTTPS: Slack cannot reach it\)$/);
    expect(describeDelivery("telegram", { publicUrl: "https://bots.example.com", listeners: LOCAL })).toBe(
      "webhooks at https://bots.example.com/webhooks/telegram/… (PUBLIC_URL is public HTTPS)",
    );
    const withGateway = [...LOCAL, "gateway"] as Listener[];
    expect(describeDelivery("discord", { publicUrl: "http://localhost:3000", listeners: withGateway })).toBe("the Gateway, /ask included (PUBLIC_URL is not public HTTPS)");
    expect(describeDelivery("discord", { publicUrl: "https://bots.example.com", listeners: withGateway })).toBe(
      "the Gateway for messages, interactions webhooks at https://bots.example.com/webhooks/discord/… for /ask (PUBLIC_URL is public HTTPS)",
    );
    expect(describeDelivery("discord", { publicUrl: "http://localhost:3000", listeners: LOCAL })).toMatch(/^interactions webhooks at /);
  });
});
