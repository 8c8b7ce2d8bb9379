/** Every async contract method takes these; `signal` cancels the call and rejects with an AbortError. */
export interface CallOptions {
  signal?: AbortSignal;
}

/** A provider holding connections or timers releases them here. Idempotent. */
export interface Closeable {
  close(): Promise<void>;
}
