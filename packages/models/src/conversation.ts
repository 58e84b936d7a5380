import type { ChatImage, ChatMessage } from "@patchbay/core";
import { refused } from "./provider-errors.ts";

/** One turn for providers with a top-level system prompt and strictly alternating turns (Anthropic, Bedrock). */
export interface Turn {
  role: "user" | "assistant";
  text: string;
  images: ChatImage[];
}

/**
 * The system text and the turns, shaped the way Anthropic and Bedrock accept them: system messages
 * joined into one prompt, neighbouring turns of the same role merged (Bedrock refuses them: "A
 * conversation must alternate between user and assistant roles"), the conversation starting with the
 * person (a greeting in the history would otherwise come first), and empty turns left out. Neither has a
 * field for who spoke, so the speakers go into the system prompt, never into the person's text.
 */
export function alternatingTurns(messages: ChatMessage[]): { system: string; turns: Turn[] } {
  const turns: Turn[] = [];
  for (const message of messages) {
    if (message.role === "system") continue;
    const images = message.role === "user" ? (message.images ?? []) : [];
    if (message.content.trim() === "" && images.length === 0) continue;
    const last = turns.at(-1);
    if (last && last.role === message.role) {
      last.text = [last.text, message.content].filter((t) => t !== "").join("\n\n");
      last.images.push(...images);
    } else if (last || message.role === "user") {
      turns.push({ role: message.role, text: message.content, images: [...images] });
    }
  }
  const note = speakerNote(messages);
  const system = [...messages.filter((m) => m.role === "system").map((m) => m.content), ...(note ? [note] : [])]
    .filter((t) => t.trim() !== "")
    .join("\n\n");
  return { system, turns };
}

/** Who wrote the user messages, for providers that cannot carry a name per message; null when nobody is named. */
export function speakerNote(messages: ChatMessage[]): string | null {
  const users = messages.filter((m) => m.role === "user");
  if (!users.some((m) => m.name)) return null;
  const names = users.map((m) => m.name || "someone unnamed");
  return `The user messages come from people in a chat. Their senders, oldest first: ${names.join(", ")}. The latest message is from ${names.at(-1)}.`;
}

/** The image's bytes as base64 (OpenAI data URLs, Anthropic base64 sources). */
export function imageBase64(image: ChatImage): string {
  return typeof image.data === "string" ? image.data : Buffer.from(image.data).toString("base64");
}

/** The image's raw bytes (Bedrock's `source.bytes`; the SDK base64-encodes them on the wire). */
export function imageBytes(image: ChatImage): Uint8Array {
  return typeof image.data === "string" ? Buffer.from(image.data, "base64") : image.data;
}

const IMAGE_FORMATS = { "image/png": "png", "image/jpeg": "jpeg", "image/jpg": "jpeg", "image/gif": "gif", "image/webp": "webp" } as const;

export type ImageFormat = (typeof IMAGE_FORMATS)[keyof typeof IMAGE_FORMATS];

/** The short format name of a supported image type; other types are refused before any call is made. */
export function imageFormat(image: ChatImage): ImageFormat {
  const format = IMAGE_FORMATS[image.mediaType.toLowerCase() as keyof typeof IMAGE_FORMATS];
  if (!format) throw refused(`Images of type "${image.mediaType}" cannot be sent to a model; use PNG, JPEG, GIF or WebP.`);
  return format;
}

/** The media type providers expect (`image/jpg` is not one of them). */
export function imageMediaType(image: ChatImage): `image/${ImageFormat}` {
  return `image/${imageFormat(image)}`;
}
