/** How a replica is put to its model: the one recipe the responder and the preview share. */
import type { GatheredImages } from "./images.ts";
import type { ChatMessage, ImageReport, Replica } from "./model.ts";
import type { CompletionRequest } from "./ports.ts";

/** The replica's instructions are the system message; a bare replica at least knows its name. */
export function systemPrompt(replica: Pick<Replica, "name" | "instructions">): string {
  return replica.instructions.trim() || `You are ${replica.name}.`;
}

/**
 * The person's text exactly as written; who said it travels in `name`, in the characters providers accept.
 * Pictures the model may see ride along; of pictures it may not, a note after the text tells it, so it
 * neither answers as if nothing came nor pretends to see them.
 */
export function userTurn(text: string, userName = "", gathered: GatheredImages | null = null): ChatMessage {
  const name = userName.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 64);
  const note = gathered ? leftOutNote(gathered.report) : null;
  const content = note ? [text, note].filter((t) => t.trim() !== "").join("\n\n") : text;
  const images = gathered?.images ?? [];
  return { role: "user", content, ...(name ? { name } : {}), ...(images.length > 0 ? { images } : {}) };
}

function leftOutNote(report: ImageReport): string | null {
  const count = report.notPassed.length;
  if (count === 0) return null;
  return count === 1 ? "[The person also sent a picture that you cannot see.]" : `[The person also sent ${count} pictures that you cannot see.]`;
}

/** What the replica's model reads: its instructions, the earlier turns oldest first, then the person's turn. */
export function replicaConversation(replica: Pick<Replica, "name" | "instructions">, history: ChatMessage[], turn: ChatMessage): ChatMessage[] {
  return [{ role: "system", content: systemPrompt(replica) }, ...history, turn];
}

/** The replica's sampling settings for a completion request; an unset one leaves the provider's default. */
export function samplingSettings(replica: Pick<Replica, "temperature" | "maxOutputTokens">): Pick<CompletionRequest, "temperature" | "maxOutputTokens"> {
  return {
    ...(replica.temperature !== null ? { temperature: replica.temperature } : {}),
    ...(replica.maxOutputTokens !== null ? { maxOutputTokens: replica.maxOutputTokens } : {}),
  };
}
