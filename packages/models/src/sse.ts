import { EventSourceParserStream } from "eventsource-parser/stream";
import type { EventSourceMessage } from "eventsource-parser/stream";

/** Longest event the decoder buffers; a provider event is a few KB, so more is a broken stream. */
const MAX_EVENT_CHARS = 1_000_000;

/**
 * The server-sent events of a response body, in order. eventsource-parser does the framing (CR/LF/CRLF
 * line ends, multi-line `data:`, `:` comments such as OpenRouter's keep-alives), which hand-rolled
 * decoders get wrong; the providers only interpret the events.
 */
export async function* serverSentEvents(body: ReadableStream<Uint8Array<ArrayBuffer>>): AsyncGenerator<EventSourceMessage> {
  const events = body
    .pipeThrough(new TextDecoderStream())
    .pipeThrough(new EventSourceParserStream({ onError: "terminate", maxBufferSize: MAX_EVENT_CHARS }));
  const reader = events.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    // Stops the body download when the consumer stops early or fails.
    await reader.cancel().catch(() => undefined);
  }
}

/** The JSON of an event's data, or undefined when it is not JSON. */
export function eventJson(event: EventSourceMessage): unknown {
  try {
    return JSON.parse(event.data) as unknown;
  } catch {
    return undefined;
  }
}
