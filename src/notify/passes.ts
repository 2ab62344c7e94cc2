/**
 * Runs a pass of some background work (a fan-out, sending, channel
 * planning) one at a time. A call while a pass runs asks for one more after
 * it (however many calls came in between) and gets the current run's
 * promise, so a change is never missed and never processed twice at once.
 * A pass that throws ends the run and goes to `failed`; the next call
 * starts again.
 */
export class Passes {
  private readonly pass: () => Promise<void>;
  private readonly failed: (err: unknown) => void;
  private readonly stopped: () => boolean;
  private running: Promise<void> | null = null;
  private again = false;

  constructor(pass: () => Promise<void>, failed: (err: unknown) => void, stopped: () => boolean = () => false) {
    this.pass = pass;
    this.failed = failed;
    this.stopped = stopped;
  }

  /** The run under way, if any (to wait for it at shutdown). */
  get current(): Promise<void> | null {
    return this.running;
  }

  run(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    const loop = async () => {
      try {
        do {
          this.again = false;
          await this.pass();
        } while (this.again && !this.stopped());
      } catch (err) {
        this.failed(err);
      }
    };
    // Cleared in a callback, not in the loop's own finally: a pass that awaits nothing would clear it
    // before this assignment, leaving a finished run that every later call waits on.
    this.running = loop().finally(() => {
      this.running = null;
    });
    return this.running;
  }
}
