// Small shared building blocks: panels, errors, state badges, key/value lists.
import { createContext, useContext, type ReactNode } from 'react';
import { errorText } from '../aws.ts';
import type { RangeKey } from '../metrics.ts';

export function Panel({ title, actions, children, testId }: { title: ReactNode; actions?: ReactNode; children: ReactNode; testId?: string }) {
  return (
    <section className="panel" data-testid={testId}>
      <header><h2>{title}</h2>{actions && <div className="actions">{actions}</div>}</header>
      <div className="body">{children}</div>
    </section>
  );
}

export function ErrorText({ error }: { error: unknown }) {
  if (!error) return null;
  return <div className="error" role="alert">{errorText(error)}</div>;
}

export function Loading({ what }: { what?: string }) {
  return <div className="muted">Loading{what ? ` ${what}` : ''}…</div>;
}

const STATE_CLASS: Record<string, string> = {
  running: 'ok', healthy: 'ok', Healthy: 'ok', InService: 'ok', available: 'ok', active: 'ok', Active: 'ok', 'in-use': 'ok', Successful: 'ok', ACTIVE: 'ok', RUNNING: 'ok', Confirmed: 'ok',
  pending: 'warn', stopping: 'warn', 'shutting-down': 'warn', initial: 'warn', draining: 'warn', Pending: 'warn', provisioning: 'warn', InProgress: 'warn', PreInService: 'warn', PENDING: 'warn', PendingConfirmation: 'warn',
  stopped: 'off', terminated: 'off', unused: 'off', Terminating: 'off', STOPPED: 'off', INACTIVE: 'off',
  unhealthy: 'bad', Failed: 'bad', failed: 'bad', Unhealthy: 'bad',
};

export function State({ value }: { value: string | undefined }) {
  const v = value ?? 'unknown';
  return <span className={`state ${STATE_CLASS[v] ?? ''}`} data-state={v}>{v}</span>;
}

export function KeyValues({ items }: { items: Array<[string, ReactNode]> }) {
  return (
    <dl className="kv">
      {items.map(([k, v]) => (
        <div key={k}><dt>{k}</dt><dd data-field={k}>{v ?? '–'}</dd></div>
      ))}
    </dl>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="empty">{children}</div>;
}

/** The chart range chosen in the top bar, shared by every page. */
export const RangeContext = createContext<RangeKey>('15m');
export const useRange = () => useContext(RangeContext);

export const time = (d: Date | string | number | undefined) => (d === undefined ? '–' : new Date(d).toISOString().replace('T', ' ').slice(0, 19));
export const money = (v: number | string | undefined) => (v === undefined ? '–' : `$${Number(v).toFixed(Number(v) !== 0 && Math.abs(Number(v)) < 0.01 ? 4 : 2)}`);
