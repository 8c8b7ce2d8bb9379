import { useEffect, useRef, useState } from 'preact/hooks';

/**
 * How often the page polls a value the live feed also wakes. Tests (and an operator on a slow link) set
 * `sessionStorage['latigo.pollMs']` to poll less often: a larger value wins over each page's default.
 */
export function pollMs(defaultMs: number): number {
  const configured = Number(sessionStorage.getItem('latigo.pollMs'));
  return Number.isFinite(configured) && configured > defaultMs ? configured : defaultMs;
}

/**
 * Keeps a value current by polling the HTTP API every `intervalMs` while the page is visible, and at once when
 * `refresh()` is called (the live feed calls it when an event says the value changed). A failed poll keeps the
 * last value and reports the error; the next poll tries again. `loads` counts the loads, for the tests.
 */
export function usePolled<T>(load: (signal: AbortSignal) => Promise<T>, intervalMs: number, deps: unknown[] = []) {
  const [value, setValue] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [updatedAt, setUpdatedAt] = useState<number | undefined>(undefined);
  const [loads, setLoads] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  const wake = useRef<() => void>(() => {});
  useEffect(() => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let running = false;
    let again = false;
    const tick = async () => {
      clearTimeout(timer);
      // One load at a time; a refresh asked for during a load runs right after it.
      if (running) return void (again = true);
      running = true;
      if (document.visibilityState !== 'hidden') {
        try {
          setValue(await loadRef.current(controller.signal));
          setError(undefined);
          setUpdatedAt(Date.now());
          setLoads((n) => n + 1);
        } catch (err) {
          if (controller.signal.aborted) return;
          setError(err instanceof Error ? err.message : String(err));
        }
      }
      running = false;
      if (controller.signal.aborted) return;
      if (again) {
        again = false;
        return void tick();
      }
      timer = setTimeout(() => void tick(), pollMs(intervalMs));
    };
    wake.current = () => void tick();
    void tick();
    return () => {
      controller.abort();
      clearTimeout(timer);
      wake.current = () => {};
    };
  }, deps);
  return { value, error, updatedAt, loads, refresh: () => wake.current() };
}

/** `fn` at most once per `ms`, the last call always honoured (trailing): a burst of events makes one or two loads. */
export function throttled(fn: () => void, ms: number): () => void {
  let last = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  return () => {
    const wait = last + ms - Date.now();
    if (wait <= 0) {
      last = Date.now();
      fn();
    } else if (timer === undefined) {
      timer = setTimeout(() => {
        timer = undefined;
        last = Date.now();
        fn();
      }, wait);
    }
  };
}
