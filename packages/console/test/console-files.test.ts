import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { CONSOLE_CSP, consoleRoutes } from "@patchbay/http";
import { buildConsole, writeConsole } from "../src/build.ts";
import { readConsoleFiles } from "../src/files.ts";
import type { ConsoleFiles } from "../src/files.ts";

const APP_DIR = join(import.meta.dirname, "../src/app");
let dir: string;
let built: ConsoleFiles;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "patchbay-console-"));
  built = await writeConsole(join(dir, "console"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("the built console", () => {
  test("is three files, the page loading only its own script and stylesheet, and reads back byte for byte", async () => {
    expect([...built.keys()].sort()).toEqual(["console.css", "console.js", "index.html"]);
    expect(await readdir(join(dir, "console"))).toHaveLength(3);
    const html = new TextDecoder().decode(built.get("index.html")!.body);
    expect(html).toContain('<script type="module" src="/console/console.js"></script>');
    expect(html).toContain('<link rel="stylesheet" href="/console/console.css">');
    const read = await readConsoleFiles(join(dir, "console"));
    for (const [name, file] of built) {
      expect(read.get(name)?.contentType, name).toBe(file.contentType);
      expect(Buffer.from(read.get(name)!.body).equals(Buffer.from(file.body)), name).toBe(true);
    }
  });

  test("is small, and its sources never hand markup to the DOM (every string is rendered as text)", async () => {
    expect(built.get("console.js")!.body.length).toBeLessThan(120_000);
    const sources = await readdir(APP_DIR);
    expect(sources.length).toBeGreaterThan(10);
    for (const name of sources) {
      const text = await readFile(join(APP_DIR, name), "utf8");
      expect(text, name).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|dangerouslySetInnerHTML|DOMParser|createContextualFragment/);
    }
  });

  test("a directory without a build names the step that makes one", async () => {
    await expect(readConsoleFiles(dir)).rejects.toThrow(/No built console in .*npm run bundle/);
  });

  test("builds the same way again (the bundle step and npm start serve the same files)", async () => {
    const again = await buildConsole();
    expect(new Map([...again].map(([n, f]) => [n, f.body.length]))).toEqual(new Map([...built].map(([n, f]) => [n, f.body.length])));
  });
});

describe("GET /console", () => {
  const serve = (load: () => Promise<ConsoleFiles>) => new Hono().route("/console", consoleRoutes(load));

  test("loads the files on the first request only, then serves each with its type under the console's CSP", async () => {
    let loads = 0;
    const app = serve(async () => (loads++, built));
    expect(loads).toBe(0);
    for (const [path, name] of [
      ["/console", "index.html"],
      ["/console/console.js", "console.js"],
      ["/console/console.css", "console.css"],
    ] as const) {
      const answer = await app.request(path);
      expect(answer.status).toBe(200);
      expect(answer.headers.get("content-type")).toBe(built.get(name)!.contentType);
      expect(answer.headers.get("content-security-policy")).toBe(CONSOLE_CSP);
      expect(answer.headers.get("x-content-type-options")).toBe("nosniff");
      expect(Buffer.from(await answer.arrayBuffer()).equals(Buffer.from(built.get(name)!.body))).toBe(true);
    }
    expect((await app.request("/console/index.html")).status).toBe(404);
    expect(loads).toBe(1);
  });

  test("a failed load answers an error and is tried again by the next request", async () => {
    let loads = 0;
    const app = serve(async () => {
      if (loads++ === 0) throw new Error("not there yet");
      return built;
    });
    expect((await app.request("/console")).status).toBe(500);
    expect((await app.request("/console")).status).toBe(200);
    expect(loads).toBe(2);
  });
});
