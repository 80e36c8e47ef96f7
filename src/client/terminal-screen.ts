import termkit from 'terminal-kit';

type Terminal = typeof termkit.terminal;

/**
 * The whole terminal as a grid of text lines, drawn through a terminal-kit ScreenBuffer so that each
 * frame writes only the cells that changed; keys come in raw. `close` gives the terminal back as it was.
 */
export class TerminalScreen {
  private buffer: termkit.ScreenBuffer;

  constructor(private readonly term: Terminal = termkit.terminal) {
    term.fullscreen(true);
    term.hideCursor(true);
    term.grabInput(true);
    this.buffer = this.newBuffer();
    term.on('resize', () => {
      this.buffer = this.newBuffer();
      term.clear();
    });
  }

  /** Columns and rows available. */
  get size(): { cols: number; rows: number } {
    return { cols: this.term.width, rows: this.term.height };
  }

  /** Calls `handler` with each key's terminal-kit name (e.g. UP, w, CTRL_C). */
  onKey(handler: (name: string) => void): void {
    this.term.on('key', handler);
  }

  /** Shows these lines from the top, each cut to the width; the rest of the screen is blank. */
  draw(lines: readonly string[]): void {
    this.buffer.fill({ attr: {}, char: ' ' });
    lines.slice(0, this.buffer.height).forEach((line, y) => this.buffer.put({ x: 0, y, attr: {}, wrap: false, dx: 1, dy: 0 }, '%s', line));
    this.buffer.draw({ delta: true });
  }

  /** Restores the terminal: input mode, cursor, main screen. */
  close(): void {
    this.term.grabInput(false);
    this.term.hideCursor(false);
    this.term.fullscreen(false);
  }

  private newBuffer(): termkit.ScreenBuffer {
    return new termkit.ScreenBuffer({ dst: this.term, width: this.term.width, height: this.term.height });
  }
}
