import { Agent, request } from "node:http";
import type { IncomingMessage } from "node:http";

export interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: any;
}

export interface RawRequest {
  method: string;
  /** Path and query, sent as given (no normalisation). */
  path: string;
  headers?: Record<string, string>;
  /** Bytes as given: invalid UTF-8 and wrong lengths are the point. */
  body?: string | Buffer;
  /** Sends the body with Transfer-Encoding: chunked, in pieces of this many bytes, without a Content-Length. */
  chunkBytes?: number;
  /** A request still unanswered after this long fails as hung (a liveness bound, not a speed check). */
  hangAfterMs?: number;
}

/** Reads a whole response body: its text, and its JSON when it is JSON. */
function readAnswer(response: IncomingMessage, reject: (error: Error) => void, done: (body: { text: string; json: unknown }) => void): void {
  const chunks: Buffer[] = [];
  response.on("data", (chunk: Buffer) => chunks.push(chunk));
  response.on("error", reject);
  response.on("end", () => {
    const text = Buffer.concat(chunks).toString("utf8");
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    done({ text, json });
  });
}

/**
 * One HTTP request with node:http rather than fetch, which refuses the odd methods (TRACE), raw bytes
 * in headers and hand-made chunking that a hostile client can send.
 */
export function rawRequest(baseUrl: string, req: RawRequest, agent?: Agent): Promise<RawAnswer> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { ...req.headers };
    if (req.body !== undefined && req.chunkBytes === undefined) headers["content-length"] = Buffer.byteLength(req.body);
    const outgoing = request(
      { host: url.hostname, port: url.port, method: req.method, path: req.path, headers, agent, timeout: req.hangAfterMs ?? 10_000 },
      (response) => {
        readAnswer(response, reject, ({ text, json }) => resolve({ status: response.statusCode ?? 0, headers: response.headers, text, json }));
      },
    );
    outgoing.on("timeout", () => outgoing.destroy(new Error(`hung: ${req.method} ${req.path.slice(0, 120)}`)));
    outgoing.on("error", reject);
    if (req.body === undefined) return outgoing.end();
    if (req.chunkBytes === undefined) return outgoing.end(req.body);
    const bytes = Buffer.from(req.body);
    for (let offset = 0; offset < bytes.length; offset += req.chunkBytes) outgoing.write(bytes.subarray(offset, offset + req.chunkBytes));
    outgoing.end();
  });
}

export interface EndlessAnswer {
  status: number;
  json: any;
  /** Body bytes the client had written when the answer came (what the server may have read, and more). */
  bytesWritten: number;
  /** The server said `Connection: close` and closed the connection after answering. */
  closed: boolean;
}

export interface EndlessRequest extends Omit<RawRequest, "body" | "chunkBytes"> {
  chunk: string;
  /** Writes `chunk` once and then nothing more, without ending the body (a sender that stalls). */
  stall?: boolean;
}

/**
 * A chunked request whose body never ends: `chunk` is written again and again (as fast as the server takes
 * it), or once when it stalls, until the server answers. A server that reads the whole body before
 * answering never answers it.
 */
export function endlessRequest(baseUrl: string, req: EndlessRequest): Promise<EndlessAnswer> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    let bytesWritten = 0;
    let answered = false;
    const outgoing = request(
      { host: url.hostname, port: url.port, method: req.method, path: req.path, headers: req.headers, agent: false, timeout: req.hangAfterMs ?? 10_000 },
      (response) => {
        answered = true;
        readAnswer(response, reject, ({ json }) => {
          const answer = { status: response.statusCode ?? 0, json, bytesWritten };
          if (response.headers.connection !== "close") {
            outgoing.destroy();
            return resolve({ ...answer, closed: false });
          }
          // Said, and done: the server must end the connection itself (else this request fails as hung).
          if (outgoing.socket?.destroyed) return resolve({ ...answer, closed: true });
          outgoing.socket?.once("close", () => resolve({ ...answer, closed: true }));
        });
      },
    );
    outgoing.on("timeout", () => outgoing.destroy(new Error(`hung: ${req.method} ${req.path.slice(0, 120)} after ${bytesWritten} body bytes`)));
    outgoing.on("error", (error) => {
      // The server closing the connection mid-body once it answered is the expected end.
      if (!answered) reject(error);
    });
    const bytes = Buffer.from(req.chunk);
    const pump = () => {
      while (!answered && !outgoing.destroyed) {
        bytesWritten += bytes.length;
        if (req.stall) return void outgoing.write(bytes);
        if (!outgoing.write(bytes)) return void outgoing.once("drain", pump);
      }
    };
    outgoing.flushHeaders();
    pump();
  });
}
