import { createParser } from 'eventsource-parser';

/** One Server-Sent Event as received: its name and parsed JSON data. */
export interface SseEvent {
  event: string;
  data: Record<string, unknown>;
}

/**
 * Reads a text/event-stream response as it arrives, collecting events and comment lines, so a test
 * can wait (with `eventually`) for what it expects.
 */
export class SseClient {
  readonly events: SseEvent[] = [];
  readonly comments: string[] = [];
  /** Resolves when the server ends the stream, it is aborted, or reading fails (see `error`). */
  readonly closed: Promise<void>;
  /** Why reading stopped, when it was not the end of the stream or an abort. */
  error: unknown;
  private readonly parser = createParser({
    onEvent: ({ event, data }) => this.events.push({ event: event ?? 'message', data: JSON.parse(data) as Record<string, unknown> }),
    onComment: (comment) => this.comments.push(comment.trim()),
  });

  constructor(
    readonly response: Response,
    private readonly abortController: AbortController,
  ) {
    this.closed = this.read();
  }

  /** Opens GET <url> with the bearer token; resolves with the response whatever its status. */
  static async open(url: string, token?: string): Promise<SseClient> {
    const abort = new AbortController();
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    const response = await fetch(url, { headers, signal: abort.signal });
    return new SseClient(response, abort);
  }

  /** Closes the stream from the client side, as a browser tab would. */
  abort(): void {
    this.abortController.abort();
  }

  private async read(): Promise<void> {
    if (!this.response.body) return;
    const decoder = new TextDecoder();
    try {
      for await (const chunk of this.response.body) {
        this.parser.feed(decoder.decode(chunk as Uint8Array, { stream: true }));
      }
    } catch (err) {
      if (!(err instanceof Error && err.name === 'AbortError')) this.error = err;
    }
  }
}
