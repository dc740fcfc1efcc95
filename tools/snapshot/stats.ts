/** What a snapshot cost: calls per operation (pages included), retries, throttled retries. */
export class CallStats {
  readonly calls = new Map<string, number>();
  /** Attempts beyond the first, any cause (throttling, 5xx, network). */
  retries = 0;
  /** Attempts AWS answered with a throttling error (each one was retried or surfaced). */
  throttled = 0;
  /** The operation of the last call that failed after its retries (for the error message). */
  lastFailed: string | undefined;

  call(operation: string): void {
    this.calls.set(operation, (this.calls.get(operation) ?? 0) + 1);
  }

  get totalCalls(): number {
    let total = 0;
    for (const count of this.calls.values()) total += count;
    return total;
  }
}
