/** True when src/console/dist/index.html is missing or older than the app's sources. */
export function consoleBuildIsStale(): boolean;
/** Runs `vite build` when stale. Returns false when the build failed or Vite is not installed. */
export function buildConsoleIfStale(log?: (message: string) => void): boolean;
