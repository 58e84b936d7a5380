import { PlatformCallError } from "@patchbay/core";
import type { PlatformClient } from "@patchbay/core";
import { fetchFileCapped, onOrigin } from "../shared/fetch-file.ts";

/** Slack's file server; a Web API base other than Slack's (a fake, a proxy) serves files on its own origin. */
const SLACK_FILES_ORIGIN = "https://files.slack.com";

const NEEDS_FILES_READ = "Slack answered the picture's link with its sign-in page: add the files:read scope to the Slack app and reinstall it.";

/**
 * An image file by its url_private, with the bot token as Slack requires; the token goes only to Slack's
 * file server. Without files:read Slack answers its sign-in page with a 200 of HTML.
 */
export function slackImageDownload(apiUrl: string): NonNullable<PlatformClient["downloadImage"]> {
  const origins = [SLACK_FILES_ORIGIN, new URL(apiUrl).origin];
  return async (context, image, maxBytes) => {
    if (!onOrigin(image.ref, origins)) {
      throw new PlatformCallError("PLATFORM_ERROR", "The picture's link is not on Slack's file server, so it was not downloaded.", { platform: "slack" });
    }
    const file = await fetchFileCapped(image.ref, { platform: "slack", what: "picture", maxBytes, headers: { authorization: `Bearer ${context.secrets.bot_token}` } });
    if (file.contentType === "text/html") throw new PlatformCallError("INSUFFICIENT_PERMISSIONS", NEEDS_FILES_READ, { platform: "slack" });
    return file.bytes;
  };
}
