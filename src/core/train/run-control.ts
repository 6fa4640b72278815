/**
 * Pause, resume and stop for a long-running loop. The loop awaits
 * `checkpoint()` between steps: it resolves at once while running, waits
 * while paused, and returns false once a stop was requested.
 */
export class RunControl {
  private paused = false;
  private stopped = false;
  private wake: (() => void) | null = null;

  get isPaused(): boolean {
    return this.paused;
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.release();
  }

  stop(): void {
    this.stopped = true;
    this.release();
  }

  async checkpoint(): Promise<boolean> {
    // Yield once per step so messages (pause, stop) reach the worker.
    await new Promise<void>((resolve) => setTimeout(resolve, 0));

    while (this.paused && !this.stopped) {
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
    return !this.stopped;
  }

  private release(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }
}
