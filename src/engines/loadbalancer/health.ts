import { request } from 'node:http';
import { connect } from 'node:net';
import type { Scheduler } from '../queue/scheduler.ts';
import type { TargetReason } from './types.ts';

// One health check probe, as AWS does it: HTTP GET of the path (any code the matcher lists passes), or a TCP connect.

export interface ProbeResult {
  ok: boolean;
  reason?: TargetReason;
  description?: string;
}

/** Matcher.HttpCode: '200', '200,202', '200-299' (AWS allows 200-499 for ALB). */
export function parseMatcher(spec: string): (code: number) => boolean {
  const parts = spec.split(',').map((p) => p.trim()).filter(Boolean).map((p) => {
    const m = /^(\d{3})(?:-(\d{3}))?$/.exec(p);
    if (!m) return undefined;
    return [Number(m[1]), Number(m[2] ?? m[1])] as const;
  });
  if (!parts.length || parts.some((p) => !p)) return () => false;
  return (code) => parts.some((p) => code >= p![0] && code <= p![1]);
}

/** `from`: the load balancer's own address, so the target's security groups see the load balancer (see sourceAddress). */
export function probeHttp(ip: string, port: number, path: string, timeoutMs: number, matcher: (c: number) => boolean, scheduler: Scheduler, from?: string): Promise<ProbeResult> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (r: ProbeResult) => {
      if (done) return;
      done = true;
      scheduler.clearTimeout(timer);
      resolve(r);
    };
    const req = request({ host: ip, port, path, method: 'GET', agent: false, ...(from ? { localAddress: from } : {}), headers: { 'user-agent': 'ELB-HealthChecker/2.0', host: ip, connection: 'close' } }, (res) => {
      const code = res.statusCode ?? 0;
      res.resume();
      res.on('error', () => undefined);
      if (matcher(code)) finish({ ok: true });
      else finish({ ok: false, reason: 'Target.ResponseCodeMismatch', description: `Health checks failed with these codes: [${code}]` });
      req.destroy();
    });
    const timer = scheduler.setTimeout(() => {
      finish({ ok: false, reason: 'Target.Timeout', description: 'Request timed out' });
      req.destroy();
    }, timeoutMs, true);
    req.on('error', () => finish({ ok: false, reason: 'Target.FailedHealthChecks', description: 'Health checks failed' }));
    req.end();
  });
}

export function probeTcp(ip: string, port: number, timeoutMs: number, scheduler: Scheduler, from?: string): Promise<ProbeResult> {
  return new Promise((resolve) => {
    let done = false;
    const sock = connect({ host: ip, port, ...(from ? { localAddress: from } : {}) });
    const finish = (r: ProbeResult) => {
      if (done) return;
      done = true;
      scheduler.clearTimeout(timer);
      sock.destroy();
      resolve(r);
    };
    const timer = scheduler.setTimeout(() => finish({ ok: false, reason: 'Target.Timeout', description: 'Request timed out' }), timeoutMs, true);
    sock.once('connect', () => finish({ ok: true }));
    sock.once('error', () => finish({ ok: false, reason: 'Target.FailedHealthChecks', description: 'Health checks failed' }));
  });
}

/**
 * The source address of a load balancer's connections to its targets: its own bridge address, so that a target's
 * security-group rule naming the load balancer's security group admits it (EC2 counts load balancer addresses as
 * members of their groups). Undefined on loopback (no private networking: the host's address is all there is).
 */
export function sourceAddress(lbAddress: string | undefined): string | undefined {
  return lbAddress && lbAddress !== '127.0.0.1' ? lbAddress : undefined;
}
