import type { ServerResponse } from 'node:http';

/** A Server-Sent Events response: the headers when opened, then events and comments. */
export class SseResponse {
  constructor(private readonly raw: ServerResponse) {
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      // Tells nginx-style proxies not to buffer the stream.
      'x-accel-buffering': 'no',
    });
  }

  /** True once the response was ended or the client went away. */
  get closed(): boolean {
    return this.raw.writableEnded || this.raw.destroyed;
  }

  /** Writes one event whose data is the JSON of `data`. */
  event(name: string, data: unknown): void {
    if (!this.closed) this.raw.write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  /** Writes a comment line, which clients ignore; it keeps idle proxies from cutting the stream. */
  comment(text: string): void {
    if (!this.closed) this.raw.write(`: ${text}\n\n`);
  }

  end(): void {
    if (!this.closed) this.raw.end();
  }
}
