/**
 * The timers of a fake server, cancelled together when it closes, and a way to wait until its state changes
 * (a connection opens, a session is identified) without polling.
 */
export function createFakeTimers() {
  const timers = new Set<NodeJS.Timeout>();
  const waiters = new Set<() => void>();

  const later = (ms: number, run: () => void): NodeJS.Timeout => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      run();
    }, ms);
    timers.add(timer);
    return timer;
  };

  return {
    later,
    /** Stops a timer `later` started before it runs. */
    cancel(timer: NodeJS.Timeout): void {
      clearTimeout(timer);
      timers.delete(timer);
    },
    /** Wakes everyone waiting in `nextChange`. */
    changed(): void {
      for (const wake of [...waiters]) wake();
    },
    /** Resolves at the next `changed()`, or after `ms` at the latest. */
    nextChange(ms: number): Promise<void> {
      return new Promise<void>((resolve) => {
        const wake = () => {
          waiters.delete(wake);
          clearTimeout(timer);
          resolve();
        };
        const timer = later(Math.max(1, ms), wake);
        waiters.add(wake);
      });
    },
    /** Cancels every timer still pending. */
    clear(): void {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    },
  };
}
