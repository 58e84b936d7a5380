import { PatchbayError } from "../errors.ts";

/**
 * Reads a request body as UTF-8, stopping at `maxBytes`: a chunked body without Content-Length is never
 * buffered past the cap, whatever the sender claims.
 */
export async function readBodyCapped(request: Request, maxBytes: number): Promise<string> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > maxBytes) throw tooLarge(maxBytes);
  const bytes = await readBytesCapped(request.body, maxBytes);
  if (bytes === null) throw tooLarge(maxBytes);
  return new TextDecoder().decode(bytes);
}

/** A stream's bytes, or null as soon as they pass `maxBytes` (the rest is never read). */
export async function readBytesCapped(body: ReadableStream<Uint8Array> | null, maxBytes: number): Promise<Uint8Array | null> {
  if (!body) return new Uint8Array();
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      return null;
    }
    chunks.push(value);
  }
  return concat(chunks, size);
}

function concat(chunks: Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

const tooLarge = (maxBytes: number) =>
  new PatchbayError("PAYLOAD_TOO_LARGE", `The request body is larger than ${maxBytes} bytes, more than this platform sends.`);
