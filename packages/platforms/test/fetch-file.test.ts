import { createServer } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, expect, test } from "vitest";
import { fetchFileCapped } from "../src/shared/fetch-file.ts";

/** A loopback server whose answers each test sets, remembering the Authorization headers it saw. */
function loopback() {
  const seen: (string | undefined)[] = [];
  let handler: (res: ServerResponse) => void = (res) => res.end();
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    seen.push(req.headers.authorization);
    handler(res);
  });
  return {
    seen,
    answer: (fn: (res: ServerResponse) => void) => (handler = fn),
    start: () => new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve)),
    url: () => `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

const files = loopback();
const elsewhere = loopback();
beforeAll(() => Promise.all([files.start(), elsewhere.start()]));
afterAll(() => Promise.all([files.close(), elsewhere.close()]));

const options = { platform: "slack" as const, what: "picture", maxBytes: 16, headers: { authorization: "Bearer xoxb-secret" } };

test("a redirect is refused, never followed: the token does not reach where it points", async () => {
  files.answer((res) => res.writeHead(302, { location: `${elsewhere.url()}/login` }).end());
  await expect(fetchFileCapped(`${files.url()}/files-pri/T1-F1/a.png`, options)).rejects.toMatchObject({
    code: "PLATFORM_ERROR",
    message: "Slack refused the picture download (HTTP 302).",
  });
  expect(elsewhere.seen).toEqual([]);
});

test("a declared length over the cap is refused before reading; an undeclared one stops at the cap", async () => {
  files.answer((res) => res.writeHead(200, { "content-length": "17" }).end("x".repeat(17)));
  await expect(fetchFileCapped(`${files.url()}/big`, options)).rejects.toMatchObject({ code: "PAYLOAD_TOO_LARGE" });
  files.answer((res) => {
    res.writeHead(200, { "content-type": "image/png" });
    res.write("x".repeat(10));
    res.end("y".repeat(10));
  });
  await expect(fetchFileCapped(`${files.url()}/chunked`, options)).rejects.toMatchObject({ code: "PAYLOAD_TOO_LARGE" });
});

test("within the cap: the bytes and the content type; a server that is gone is a network error that names no URL", async () => {
  files.answer((res) => res.writeHead(200, { "content-type": "Image/PNG; charset=binary" }).end("0123456789abcdef"));
  const file = await fetchFileCapped(`${files.url()}/ok`, options);
  expect([Buffer.from(file.bytes).toString(), file.contentType]).toEqual(["0123456789abcdef", "image/png"]);
  const gone = loopback();
  await gone.start();
  const url = `${gone.url()}/file/bot123:secret/photos/1.jpg`;
  await gone.close();
  const error: unknown = await fetchFileCapped(url, { ...options, platform: "telegram" }).catch((e: unknown) => e);
  expect(error).toMatchObject({ code: "NETWORK_ERROR", message: "The picture could not be downloaded from Telegram (could not connect)." });
  expect(String((error as Error).message)).not.toContain("secret");
});
