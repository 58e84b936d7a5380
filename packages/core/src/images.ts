/** Which pictures of a message reach the model, and why the others do not: the one place that decides. */
import { PatchbayError } from "./errors.ts";
import type { ChatImage, ImageLeftOut, ImageReport, InboundImage } from "./model.ts";
import type { OutboundContext, PlatformClient } from "./ports.ts";

/**
 * Caps on the pictures one message passes to a model. 3.75 MB is Bedrock's limit on an image and, once
 * base64-encoded, exactly Anthropic's 5 MB: a picture under it is accepted by every provider.
 */
export const IMAGE_LIMITS = { maxBytes: 3_932_160, maxImages: 4 } as const;

/** The types every provider reads, by the names platforms declare (Telegram documents say `image/jpg` at times). */
const DECLARED_TYPES = new Set(["image/png", "image/jpeg", "image/jpg", "image/gif", "image/webp"]);

/** The `images` field of an inbound message: present only when pictures came (a job without any stays as it was). */
export function withImages(images: InboundImage[]): { images?: InboundImage[] } {
  return images.length > 0 ? { images } : {};
}

export interface ImageSource {
  /** Whether the replica's model reads pictures. */
  acceptsImages: boolean;
  /** The platform client's download, absent where the platform has none. */
  download: ((image: InboundImage) => Promise<Uint8Array>) | undefined;
}

export interface GatheredImages {
  /** The pictures for the model, their type read from their bytes. */
  images: ChatImage[];
  report: ImageReport;
}

/** The platform client's download under the cap, bound to the message being answered; undefined where it has none. */
export function imageDownloader(client: PlatformClient, context: OutboundContext): ImageSource["download"] {
  const { downloadImage } = client;
  return downloadImage && ((image) => downloadImage.call(client, context, image, IMAGE_LIMITS.maxBytes));
}

/**
 * The message's pictures as model input: downloaded only when the model reads pictures, at most
 * IMAGE_LIMITS.maxImages of them, each under IMAGE_LIMITS.maxBytes and of a type every provider takes.
 * Never throws: a picture that cannot be passed is left out with the reason. Null when none came.
 */
export async function gatherImages(inbound: InboundImage[] | undefined, source: ImageSource): Promise<GatheredImages | null> {
  if (!inbound || inbound.length === 0) return null;
  const outcomes = await Promise.all(inbound.map((image, index) => gatherOne(image, index, source)));
  const images = outcomes.filter((o): o is ChatImage => "data" in o);
  const notPassed = outcomes.filter((o): o is ImageLeftOut => "reason" in o);
  return { images, report: { received: inbound.length, passed: images.length, notPassed } };
}

async function gatherOne(image: InboundImage, index: number, source: ImageSource): Promise<ChatImage | ImageLeftOut> {
  const leftOut = (reason: ImageLeftOut["reason"], message: string): ImageLeftOut => ({ name: image.name, reason, message });
  if (!source.acceptsImages) return leftOut("model_text_only", "The replica's model reads text only; choose a model that accepts images to have pictures read.");
  if (index >= IMAGE_LIMITS.maxImages) return leftOut("too_many", `Only the first ${IMAGE_LIMITS.maxImages} pictures of a message are passed to the model.`);
  if (image.mediaType !== null && !DECLARED_TYPES.has(image.mediaType.toLowerCase())) return unsupported(image, image.mediaType);
  if (image.size !== null && image.size > IMAGE_LIMITS.maxBytes) return tooLarge(image, image.size);
  if (!source.download) return leftOut("download_failed", "Pictures cannot be downloaded from this platform.");
  let bytes: Uint8Array;
  try {
    bytes = await source.download(image);
  } catch (error) {
    if (error instanceof PatchbayError && error.code === "PAYLOAD_TOO_LARGE") return tooLarge(image, null);
    return leftOut("download_failed", error instanceof PatchbayError ? error.message : "The picture could not be downloaded.");
  }
  const mediaType = sniffImageType(bytes);
  // Whatever the platform declared, the bytes are not a picture a model reads.
  if (!mediaType) return unsupported(image, null);
  return { mediaType, data: bytes };
}

const megabytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(2).replace(/\.?0+$/, "")} MB`;

function tooLarge(image: InboundImage, size: number | null): ImageLeftOut {
  const actual = size === null ? "larger than" : `${megabytes(size)}, over`;
  return { name: image.name, reason: "too_large", message: `The picture is ${actual} the ${megabytes(IMAGE_LIMITS.maxBytes)} a model is given; send a smaller one.` };
}

function unsupported(image: InboundImage, declared: string | null): ImageLeftOut {
  const kind = declared ? `of type ${declared}` : "not a PNG, JPEG, GIF or WebP image";
  return { name: image.name, reason: "unsupported_type", message: `The file is ${kind}; models are given PNG, JPEG, GIF and WebP pictures.` };
}

/** The type of a picture by its first bytes (platforms' declared types can be missing or wrong); null for others. */
export function sniffImageType(bytes: Uint8Array): ChatImage["mediaType"] | null {
  const starts = (offset: number, ...signature: number[]) => signature.every((byte, i) => bytes[offset + i] === byte);
  if (starts(0, 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return "image/png";
  if (starts(0, 0xff, 0xd8, 0xff)) return "image/jpeg";
  if (starts(0, 0x47, 0x49, 0x46, 0x38) && (bytes[4] === 0x37 || bytes[4] === 0x39) && bytes[5] === 0x61) return "image/gif";
  if (starts(0, 0x52, 0x49, 0x46, 0x46) && starts(8, 0x57, 0x45, 0x42, 0x50)) return "image/webp";
  return null;
}
