import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { startFakeAnthropic } from "./fake-anthropic.ts";
import type { FakeAnthropic } from "./fake-anthropic.ts";

const body = { model: "claude-haiku-4-5", max_tokens: 100, system: "be brief", messages: [{ role: "user", content: "Hello there" }] };

describe("fake Anthropic", () => {
  let ai: FakeAnthropic;
  beforeAll(async () => {
    ai = await startFakeAnthropic();
  });
  afterEach(() => ai.reset());
  afterAll(() => ai.close());

  const post = (payload: unknown, headers: Record<string, string> = {}) =>
    fetch(`${ai.url}/v1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": ai.apiKey, "anthropic-version": "2023-06-01", ...headers },
      body: JSON.stringify(payload),
    });
  const events = async (response: Response) =>
    (await response.text())
      .split("\n\n")
      .filter((block) => block.trim() !== "")
      .map((block) => {
        const [eventLine = "", dataLine = ""] = block.split("\n");
        return { event: eventLine.replace("event: ", ""), data: JSON.parse(dataLine.replace("data: ", "")) as Record<string, unknown> };
      });

  test("answers a Messages request and records what it got", async () => {
    const response = await post(body);
    expect(response.headers.get("request-id")).toMatch(/^req_/);
    expect(await response.json()).toMatchObject({ type: "message", role: "assistant", content: [{ type: "text", text: "Echo: Hello there" }], stop_reason: "end_turn" });
    expect(ai.requests[0]).toMatchObject({ system: "be brief", lastUserText: "Hello there", apiKey: ai.apiKey, version: "2023-06-01", status: 200 });
  });

  test("streams message_start … ping … deltas … message_stop, the event name repeating the type", async () => {
    const stream = await events(await post({ ...body, stream: true }));
    expect(stream.map((e) => e.event)).toEqual(["message_start", "content_block_start", "ping", "content_block_delta", "content_block_delta", "content_block_delta", "content_block_stop", "message_delta", "message_stop"]);
    for (const e of stream) expect(e.data.type).toBe(e.event);
  });

  test("refuses what the API refuses, in its error shape", async () => {
    const wrongKey = await post(body, { "x-api-key": "nope" });
    expect(wrongKey.status).toBe(401);
    expect(await wrongKey.json()).toMatchObject({ type: "error", error: { type: "authentication_error", message: "invalid x-api-key" }, request_id: expect.stringMatching(/^req_/) });
    expect((await post({ ...body, max_tokens: undefined })).status).toBe(400);
    expect((await post({ ...body, messages: [{ role: "system", content: "x" }] })).status).toBe(400);
    expect((await post({ ...body, temperature: 1.5 })).status).toBe(400);
    expect((await post(body, { "anthropic-version": "" })).status).toBe(400);
  });

  test("faults: 429 with and without retry-after, 529, an error event after HTTP 200, a cut stream", async () => {
    ai.failNext({ kind: "rate_limit", retryAfter: 4 });
    const limited = await post(body);
    expect([limited.status, limited.headers.get("retry-after")]).toEqual([429, "4"]);
    ai.failNext({ kind: "rate_limit", retryAfter: null });
    const capped = await post(body);
    expect([capped.status, capped.headers.get("retry-after")]).toEqual([429, null]);
    ai.failNext({ kind: "overloaded" });
    expect(await (await post(body)).json()).toMatchObject({ error: { type: "overloaded_error" } });
    ai.failNext({ kind: "stream_error", afterEvents: 4 });
    const failed = await events(await post({ ...body, stream: true }));
    expect(failed.at(-1)).toEqual({ event: "error", data: { type: "error", error: { type: "overloaded_error", message: "Overloaded" } } });
    ai.failNext({ kind: "truncate", afterEvents: 4 });
    expect((await events(await post({ ...body, stream: true }))).map((e) => e.event)).not.toContain("message_stop");
  });
});
