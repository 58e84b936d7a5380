import type { ChatImage, CompletionRequest, ReplicaModel } from "@patchbay/core";

export const ECHO_PREFIX = "[echo — development model, no AI]";

/**
 * Development-only model: answers with the user's own text, clearly marked as an echo, and says which
 * images came with it, so the whole path (platform, history, streaming, images) can be tried without a key.
 */
export function createEchoModel(): ReplicaModel {
  const answer = ({ messages }: CompletionRequest) => {
    const last = messages.findLast((m) => m.role === "user");
    const images = last?.images ?? [];
    const seen = images.length > 0 ? ` [${images.length} image${images.length === 1 ? "" : "s"}: ${images.map(describe).join(", ")}]` : "";
    return `${ECHO_PREFIX} ${last?.content ?? ""}${seen}`;
  };
  return {
    acceptsImages: () => true,
    async complete(request) {
      return answer(request);
    },
    async *stream(request) {
      // Word by word, like a model writing.
      for (const piece of answer(request).match(/\s*\S+/g) ?? []) yield piece;
    },
  };
}

function describe(image: ChatImage): string {
  const bytes = typeof image.data === "string" ? Buffer.from(image.data, "base64").length : image.data.length;
  return `${image.mediaType}, ${bytes} bytes`;
}
