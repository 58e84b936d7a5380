import { PatchbayError, PlatformCallError } from "@patchbay/core";
import type { PlatformClient } from "@patchbay/core";
import type { TelegramBotApi } from "./bot-api.ts";
import { fetchFileCapped } from "../shared/fetch-file.ts";

interface TelegramFile {
  file_size?: number;
  file_path?: string;
}

/**
 * A photo or image document by its file_id: getFile names its path, the Bot API's file server on the same
 * base URL serves it (`{base}/file/bot<token>/<file_path>`, a link that holds the token and is never logged).
 */
export function telegramImageDownload(api: TelegramBotApi, apiUrl: string): NonNullable<PlatformClient["downloadImage"]> {
  const base = apiUrl.replace(/\/+$/, "");
  return async (context, image, maxBytes) => {
    const token = context.secrets.bot_token!;
    const file = await api<TelegramFile>(token, "getFile", { file_id: image.ref });
    if (file.file_size !== undefined && file.file_size > maxBytes) throw new PatchbayError("PAYLOAD_TOO_LARGE", `The picture is ${file.file_size} bytes.`);
    if (!file.file_path) throw new PlatformCallError("PLATFORM_ERROR", "Telegram's getFile gave no path to download the picture from.", { platform: "telegram" });
    const { bytes } = await fetchFileCapped(`${base}/file/bot${token}/${file.file_path}`, { platform: "telegram", what: "picture", maxBytes });
    return bytes;
  };
}
