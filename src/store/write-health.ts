/**
 * Whether the embedded engine's files take writes: a file whose last write failed (a full disk, a read-only
 * remount) is named until a write to it succeeds. /healthz said "ok" while every declare and subscribe
 * answered 503 `storage_unavailable`, so a monitor could not tell that the Comms Lead could not publish.
 */
export class WriteHealth {
  /** The files whose last write failed, with its error code, oldest failure first. */
  private readonly failing = new Map<string, string>();

  /** Records the outcome of a write to `file`: an error code, or null when it succeeded. */
  record(file: string, code: string | null): void {
    if (code === null) this.failing.delete(file);
    else if (!this.failing.has(file)) this.failing.set(file, code);
  }

  /** Why writes fail, for /healthz (public: the code and the file's name, never its path), or null. */
  get reason(): string | null {
    if (this.failing.size === 0) return null;
    const which = [...this.failing].map(([file, code]) => `${file.split('/').at(-1)} (${code})`);
    return `Writes to the data folder fail: ${which.join(', ')}; changes answer 503 until one succeeds.`;
  }
}
