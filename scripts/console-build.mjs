// Builds the web console (src/console/app → src/console/dist) with Vite when dist is missing or older than its
// sources or the lock file. Used by bootstrap.mjs (npm start / npm test), the console tests and the screenshot script.
// Plain JavaScript with no dependencies (bootstrap imports it before it knows node_modules is complete).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const consoleDir = join(root, 'src', 'console');

function newestMtime(path) {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  return Math.max(s.mtimeMs, ...readdirSync(path).map((n) => newestMtime(join(path, n))));
}

/** True when src/console/dist/index.html is missing or older than the app's sources. */
export function consoleBuildIsStale() {
  const built = join(consoleDir, 'dist', 'index.html');
  if (!existsSync(built)) return true;
  const sources = ['app', 'index.html', 'vite.config.ts'].map((p) => join(consoleDir, p)).concat(join(root, 'package-lock.json'));
  return statSync(built).mtimeMs < Math.max(...sources.filter(existsSync).map(newestMtime));
}

/** Runs `vite build` when stale. Returns false when the build failed or Vite is not installed. */
export function buildConsoleIfStale(log = (m) => process.stderr.write(`${m}\n`)) {
  if (!consoleBuildIsStale()) return true;
  const vite = join(root, 'node_modules', 'vite', 'bin', 'vite.js');
  if (!existsSync(vite)) {
    log('web console not built: vite is not installed (npm ci installs it)');
    return false;
  }
  log('building the web console (vite build → src/console/dist)…');
  const r = spawnSync(process.execPath, [vite, 'build', '--config', join(consoleDir, 'vite.config.ts')], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) log('web console build failed: /_nimbus/console will say it is not built');
  return r.status === 0;
}
