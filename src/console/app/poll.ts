import { useCallback, useEffect, useRef, useState } from 'react';

/** How often pages refresh what they show. */
export const POLL_MS = 2000;

export interface Polled<T> {
  data: T | undefined;
  error: unknown;
  /** Fetch again now (after an action), then keep polling. */
  refresh: () => void;
}

/**
 * Runs `load` now and every POLL_MS while the component is mounted (the next call starts only after the previous one
 * finished, so a slow Nimbus is never flooded). `deps` restart it (e.g. another selected resource).
 */
export function usePoll<T>(load: () => Promise<T>, deps: unknown[], intervalMs = POLL_MS): Polled<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<unknown>();
  const loadRef = useRef(load);
  loadRef.current = load;
  const kick = useRef<() => void>(() => undefined);

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let running = false;
    let again = false;
    setData(undefined);
    setError(undefined);
    const run = async () => {
      if (running) {
        again = true;
        return;
      }
      running = true;
      clearTimeout(timer);
      try {
        const v = await loadRef.current();
        if (!stopped) {
          setData(v);
          setError(undefined);
        }
      } catch (err) {
        if (!stopped) setError(err);
      }
      running = false;
      if (stopped) return;
      if (again) {
        again = false;
        void run();
      } else timer = setTimeout(run, intervalMs);
    };
    kick.current = () => void run();
    void run();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);

  const refresh = useCallback(() => kick.current(), []);
  return { data, error, refresh };
}

/** Runs an action, tracking busy/error/result for a button. */
export function useAction<A extends unknown[], R>(fn: (...args: A) => Promise<R>, after?: (r: R) => void) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [result, setResult] = useState<R>();
  const run = async (...args: A) => {
    setBusy(true);
    setError(undefined);
    try {
      const r = await fn(...args);
      setResult(r);
      after?.(r);
      return r;
    } catch (err) {
      setError(err);
      return undefined;
    } finally {
      setBusy(false);
    }
  };
  return { run, busy, error, result, setResult };
}
