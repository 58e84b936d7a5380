import { PlatformCallError } from "@patchbay/core";
import type { PlatformClient } from "@patchbay/core";
import { fetchFileCapped, onOrigin } from "../shared/fetch-file.ts";

/** Discord's attachment CDN hosts; an API base other than Discord's (a fake) serves attachments on its own origin. */
const DISCORD_CDN_ORIGINS = ["https://cdn.discordapp.com", "https://media.discordapp.net"];

/** An image attachment by its signed CDN link (no credentials needed); only Discord's own hosts are fetched. */
export function discordImageDownload(apiUrl: string): NonNullable<PlatformClient["downloadImage"]> {
  const origins = [...DISCORD_CDN_ORIGINS, new URL(apiUrl).origin];
  return async (_context, image, maxBytes) => {
    if (!onOrigin(image.ref, origins)) {
      throw new PlatformCallError("PLATFORM_ERROR", "The attachment's link is not on Discord's CDN, so it was not downloaded.", { platform: "discord" });
    }
    const { bytes } = await fetchFileCapped(image.ref, { platform: "discord", what: "attachment", maxBytes });
    return bytes;
  };
}
