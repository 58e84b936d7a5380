import { createServer } from "node:http";
import type { IncomingMessage, RequestListener, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** A started loopback HTTP server with a way to stop it and everything it is still doing. */
export interface LoopbackServer {
  /** `http://127.0.0.1:<port>`. */
  origin: string;
  /** Aborted when the server closes; pending fault delays listen to it. */
  signal: AbortSignal;
  /** Close the listener, destroy open connections and abort pending delays. */
  close(): Promise<void>;
}

/** Start `handler` on 127.0.0.1 with an ephemeral port. Handler exceptions become 500 responses. */
export async function startLoopbackServer(
  handler: (req: IncomingMessage, res: ServerResponse, signal: AbortSignal) => Promise<void>,
): Promise<LoopbackServer> {
  const controller = new AbortController();
  const listener: RequestListener = (req, res) => {
    handler(req, res, controller.signal).catch((error: unknown) => {
      if (!res.headersSent && !res.destroyed) {
        res.writeHead(500, { "content-type": "text/plain" });
        res.end(`fake server error: ${error instanceof Error ? error.stack : String(error)}`);
      } else {
        res.destroy();
      }
    });
  };
  const server: Server = createServer(listener);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    origin: `http://127.0.0.1:${port}`,
    signal: controller.signal,
    close(): Promise<void> {
      closing ??= new Promise<void>((resolve) => {
        controller.abort();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

/** Read the whole request body. */
export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer));
  }
  return Buffer.concat(chunks);
}

/** Write a JSON response unless the client is gone. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.destroyed || res.headersSent) return;
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": String(Buffer.byteLength(payload)),
    ...headers,
  });
  res.end(payload);
}

/** Resolve after `ms`, or as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) {
      resolve();
      return;
    }
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

/** Destroy the connection without writing any response (simulates a dropped request). */
export function dropConnection(req: IncomingMessage, res: ServerResponse): void {
  req.socket.destroy();
  res.destroy();
}

/** A countdown of programmable faults keyed by a lower-cased name ("*" matches any). */
export class FaultQueue<F> {
  private readonly entries: { key: string; failure: F; remaining: number }[] = [];

  /** Queue `failure` for the next `times` requests matching `key`. */
  add(key: string, failure: F, times: number): void {
    if (!Number.isInteger(times) || times < 1) throw new Error(`times must be a positive integer, got ${times}`);
    this.entries.push({ key: key.toLowerCase(), failure, remaining: times });
  }

  /** Take (and count down) the first queued fault matching `key`. */
  take(key: string): F | undefined {
    const lower = key.toLowerCase();
    const index = this.entries.findIndex((e) => e.key === lower || e.key === "*");
    const entry = this.entries[index];
    if (!entry) return undefined;
    entry.remaining--;
    if (entry.remaining === 0) this.entries.splice(index, 1);
    return entry.failure;
  }

  /** Forget all queued faults. */
  clear(): void {
    this.entries.length = 0;
  }
}
