/** Anything a test starts and must stop: a process, a Redis, a client. */
export interface Stoppable {
  stop(): Promise<unknown> | void;
}

/**
 * What a test started, stopped in reverse order at the end (so clients go before the services they
 * talk to, and services before Redis). A failure to stop one does not keep the others running.
 */
export class Stack {
  private readonly items: Stoppable[] = [];

  /** Remembers `item` for stop() and returns it. */
  add<T extends Stoppable>(item: T): T {
    this.items.push(item);
    return item;
  }

  async stop(): Promise<void> {
    const errors: unknown[] = [];
    for (const item of this.items.splice(0).reverse()) {
      try {
        await item.stop();
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length > 0) throw new AggregateError(errors, 'stopping the test stack failed');
  }
}
