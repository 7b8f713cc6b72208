// A tiny client-side router: paths under /_nimbus/console/, history API, <Link>. Nimbus serves index.html for every
// client route, so a reload or a shared link opens the same page.
import { useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent } from 'react';

export const BASE = '/_nimbus/console';

const listeners = new Set<() => void>();
const notify = () => listeners.forEach((l) => l());
window.addEventListener('popstate', notify);

function subscribe(l: () => void) {
  listeners.add(l);
  return () => listeners.delete(l);
}

/** The route inside the console ("/instances/i-0abc"), without the base. */
export function currentRoute(): string {
  const p = window.location.pathname;
  const rest = p.startsWith(BASE) ? p.slice(BASE.length) : p;
  return rest.replace(/\/+$/, '') || '/';
}

export function useRoute(): string {
  return useSyncExternalStore(subscribe, currentRoute);
}

export function navigate(to: string): void {
  const url = BASE + (to.startsWith('/') ? to : `/${to}`);
  if (url !== window.location.pathname) window.history.pushState(null, '', url);
  notify();
  window.scrollTo(0, 0);
}

/** Matches "/instances/:id" against a route; returns the params or undefined. */
export function match(pattern: string, route: string): Record<string, string> | undefined {
  const p = pattern.split('/');
  const r = route.split('/');
  if (p.length !== r.length) return undefined;
  const out: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    if (p[i]!.startsWith(':')) out[p[i]!.slice(1)] = decodeURIComponent(r[i]!);
    else if (p[i] !== r[i]) return undefined;
  }
  return out;
}

export function Link({ to, children, ...rest }: { to: string } & AnchorHTMLAttributes<HTMLAnchorElement>) {
  const onClick = (e: MouseEvent<HTMLAnchorElement>) => {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(to);
  };
  return <a href={BASE + to} onClick={onClick} {...rest}>{children}</a>;
}
