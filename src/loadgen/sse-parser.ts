/** One Server-Sent Event: its name (`message` when none was given) and its data lines joined. */
export interface SseEvent {
  event: string;
  data: string;
}

/**
 * Incremental text/event-stream parser: feed it text as it arrives, get back the complete events.
 * Comment lines (keepalives) are skipped; CRLF line ends are accepted.
 */
export class SseParser {
  private buffer = '';

  push(text: string): SseEvent[] {
    this.buffer = (this.buffer + text).replaceAll('\r\n', '\n');
    const events: SseEvent[] = [];
    for (let end = this.buffer.indexOf('\n\n'); end >= 0; end = this.buffer.indexOf('\n\n')) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') event = value;
        else if (field === 'data') data.push(value);
      }
      if (data.length > 0) events.push({ event, data: data.join('\n') });
    }
    return events;
  }
}
