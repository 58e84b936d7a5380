import type { InboundImage } from "@patchbay/core";
import type { DiscordAttachment } from "./schemas.ts";

/** Names of picture files, for attachments Discord sent without a content type. */
const IMAGE_NAME = /\.(png|jpe?g|gif|webp)$/i;

/** A message's image attachments, by their CDN link: what Discord says is an image, or is named like one. */
export function attachedImages(attachments: DiscordAttachment[] | undefined): InboundImage[] {
  return (attachments ?? []).flatMap((attachment) => {
    const declared = attachment.content_type?.split(";")[0]?.trim().toLowerCase();
    const image = declared ? declared.startsWith("image/") : IMAGE_NAME.test(attachment.filename);
    return image ? [{ ref: attachment.url, name: attachment.filename, mediaType: declared ?? null, size: attachment.size ?? null }] : [];
  });
}
