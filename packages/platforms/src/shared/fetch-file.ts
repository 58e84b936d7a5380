import { PatchbayError, PlatformCallError, readBytesCapped } from "@patchbay/core";
import type { Platform } from "@patchbay/core";

/** A file download is bounded like an API call, so a stalled CDN cannot hold a worker. */
const FILE_TIMEOUT_MS = 15_000;

export interface FetchedFile {
  bytes: Uint8Array;
  /** The Content-Type the server answered with, lower case without parameters; null when none. */
  contentType: string | null;
}

/**
 * GETs a platform file, reading at most `maxBytes` (then PAYLOAD_TOO_LARGE, the rest unread). A refusal or
 * a network failure is a PlatformCallError naming `what`, never the URL (Telegram's holds the bot token).
 */
export async function fetchFileCapped(url: string, options: { platform: Platform; what: string; maxBytes: number; headers?: Record<string, string> }): Promise<FetchedFile> {
  const { platform, what, maxBytes } = options;
  const name = platform.charAt(0).toUpperCase() + platform.slice(1);
  let response: Response;
  try {
    // A redirect is refused, never followed: the credentials in the headers go to the platform's host alone.
    response = await fetch(url, { headers: options.headers ?? {}, redirect: "manual", signal: AbortSignal.timeout(FILE_TIMEOUT_MS) });
  } catch (error) {
    const kind = error instanceof Error && error.name === "TimeoutError" ? "timed out" : "could not connect";
    throw new PlatformCallError("NETWORK_ERROR", `The ${what} could not be downloaded from ${name} (${kind}).`, { platform });
  }
  if (!response.ok) {
    await response.body?.cancel().catch(() => undefined);
    throw new PlatformCallError("PLATFORM_ERROR", `${name} refused the ${what} download (HTTP ${response.status}).`, { platform, status: response.status });
  }
  const declared = Number(response.headers.get("content-length") ?? "0");
  const bytes = declared > maxBytes ? null : await readBytesCapped(response.body, maxBytes);
  if (bytes === null) {
    await response.body?.cancel().catch(() => undefined);
    throw new PatchbayError("PAYLOAD_TOO_LARGE", `The ${what} is larger than ${maxBytes} bytes.`);
  }
  const contentType = response.headers.get("content-type")?.split(";")[0]?.trim().toLowerCase() || null;
  return { bytes, contentType };
}

/** Whether `url` is on one of `origins` (a file link from a payload is fetched only from the platform's own hosts). */
export function onOrigin(url: string, origins: string[]): boolean {
  try {
    return origins.includes(new URL(url).origin);
  } catch {
    return false;
  }
}
