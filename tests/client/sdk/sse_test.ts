import assert from "node:assert/strict";
import { readSse, type SseEvent } from "../../../client/sdk/_sse.ts";

function streamOf(chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
}

async function collect(chunks: string[]): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  for await (const event of readSse(streamOf(chunks))) events.push(event);
  return events;
}

Deno.test("readSse() yields named events whose lines arrive split across chunks", async () => {
  const events = await collect([
    "event: step\nda",
    'ta: {"step":1,"total":4}\n',
    "\nevent: done\r\ndata: {}\r\n\r\n",
  ]);
  assert.deepEqual(events, [
    { event: "step", data: '{"step":1,"total":4}' },
    { event: "done", data: "{}" },
  ]);
});

Deno.test("readSse() joins multi-line data, skips comments and names unnamed events 'message'", async () => {
  const events = await collect([": keep-alive\n\ndata: a\ndata: b\n\n", "data:c\n\n"]);
  assert.deepEqual(events, [{ event: "message", data: "a\nb" }, { event: "message", data: "c" }]);
});

Deno.test("readSse() cancels the stream when the consumer stops early", async () => {
  let cancelled = false;
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      controller.enqueue(encoder.encode("event: step\ndata: 1\n\n"));
    },
    cancel() {
      cancelled = true;
    },
  });
  for await (const event of readSse(body)) {
    assert.equal(event.event, "step");
    break;
  }
  assert.equal(cancelled, true);
});
