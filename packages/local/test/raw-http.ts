import { Agent, request } from "node:http";

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
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: response.statusCode ?? 0, headers: response.headers, text, json });
        });
        response.on("error", reject);
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
