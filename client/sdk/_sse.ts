/**
 * A Server-Sent Events reader over `fetch` (EventSource cannot send an `Authorization` header).
 *
 * @module
 */

/** One event: its name (`message` when unnamed) and data lines joined by newlines. */
export interface SseEvent {
  event: string;
  data: string;
}

/**
 * Yields the events of an SSE response body, in order.
 *
 * @example Usage
 * ```ts ignore
 * for await (const { event, data } of readSse(response.body!)) console.log(event, data);
 * ```
 */
export async function* readSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseEvent> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  let event = "";
  let data: string[] = [];
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let newline;
      while ((newline = buffer.search(/\r\n|\r|\n/)) !== -1) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + (buffer.startsWith("\r\n", newline) ? 2 : 1));
        if (line === "") {
          if (data.length > 0) yield { event: event || "message", data: data.join("\n") };
          event = "";
          data = [];
          continue;
        }
        if (line.startsWith(":")) continue;
        const colon = line.indexOf(":");
        const field = colon === -1 ? line : line.slice(0, colon);
        const text = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
        if (field === "event") event = text;
        else if (field === "data") data.push(text);
      }
    }
  } finally {
    // Early exit (a terminal event, an abort): close the connection.
    await reader.cancel().catch(() => {});
  }
}
