/**
 * A readers-writer lock for one process: readers share it, a writer holds it alone. Waiters are
 * served in arrival order, so a waiting writer holds back the readers that come after it and a
 * steady stream of readers cannot starve it.
 */
export class ReadWriteLock {
  private readers = 0;
  private writing = false;
  private readonly queue: Array<{ write: boolean; grant: () => void }> = [];

  read<T>(fn: () => Promise<T>): Promise<T> {
    return this.hold(false, fn);
  }

  write<T>(fn: () => Promise<T>): Promise<T> {
    return this.hold(true, fn);
  }

  /** Who holds the lock and how many wait (for tests and diagnostics). */
  get state(): { readers: number; writing: boolean; waiting: number } {
    return { readers: this.readers, writing: this.writing, waiting: this.queue.length };
  }

  private async hold<T>(write: boolean, fn: () => Promise<T>): Promise<T> {
    await this.acquire(write);
    try {
      return await fn();
    } finally {
      this.release(write);
    }
  }

  // Takes the lock synchronously when it is free, so a caller's place is fixed at call time.
  private acquire(write: boolean): Promise<void> {
    if (this.queue.length === 0 && this.free(write)) {
      this.take(write);
      return Promise.resolve();
    }
    return new Promise((grant) => this.queue.push({ write, grant }));
  }

  private release(write: boolean): void {
    if (write) this.writing = false;
    else this.readers--;
    while (this.queue.length > 0 && this.free(this.queue[0]!.write)) {
      const next = this.queue.shift()!;
      this.take(next.write);
      next.grant();
    }
  }

  private free(write: boolean): boolean {
    return !this.writing && (!write || this.readers === 0);
  }

  private take(write: boolean): void {
    if (write) this.writing = true;
    else this.readers++;
  }
}
