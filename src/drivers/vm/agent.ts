import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import type { ExecResult } from '../driver.ts';
import { delay, sq } from '../process/run.ts';

// The host side of the guest agent (src/drivers/vm/image/guest.ts, agentScript): one TCP connection
// per request to <guest IP>:AGENT_PORT from the bridge gateway address (the only source the VM's
// firewall chain admits for that port), authenticated with the per-VM secret from the boot seed.

export interface AgentTarget {
  ip: string;
  port: number;
  /** Local address to connect from: the bridge gateway. */
  from: string;
  secret: string;
}

interface Reply {
  code: number | null;
  stdout: Buffer;
  stderr: Buffer;
  complete: boolean;
}

function parse(buf: Buffer): Reply | undefined {
  const nl = buf.indexOf(10);
  if (nl < 0) return undefined;
  const m = /^NIMBUS1 (\d+) (\d+) (\d+)$/.exec(buf.subarray(0, nl).toString());
  if (!m) return { code: null, stdout: Buffer.alloc(0), stderr: Buffer.from(buf.subarray(0, nl).toString()), complete: true };
  const [code, outLen, errLen] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const body = buf.subarray(nl + 1);
  if (body.length < outLen + errLen) return undefined;
  return { code, stdout: body.subarray(0, outLen), stderr: body.subarray(outLen, outLen + errLen), complete: true };
}

/** One request; resolves with whatever arrived when the connection ends (complete=false if cut short). */
function request(t: AgentTarget, header: string, body: Buffer | string | undefined, timeoutMs: number): Promise<Reply & { refused?: boolean }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let settled = false;
    const sock = connect({ host: t.ip, port: t.port, localAddress: t.from });
    const finish = (r: Reply & { refused?: boolean }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => finish({ code: null, stdout: Buffer.concat(chunks), stderr: Buffer.from('timed out'), complete: false }), timeoutMs);
    sock.on('connect', () => {
      sock.write(header);
      if (body !== undefined && body.length) sock.write(body);
      sock.end();
    });
    sock.on('data', (c: Buffer) => {
      chunks.push(c);
      const r = parse(Buffer.concat(chunks));
      if (r) finish(r);
    });
    sock.on('error', (err: NodeJS.ErrnoException) => {
      const refused = err.code === 'ECONNREFUSED' || err.code === 'EHOSTUNREACH' || err.code === 'ECONNRESET';
      finish({ code: null, stdout: Buffer.concat(chunks), stderr: Buffer.from(`agent: ${err.message}`), complete: false, refused: refused && !chunks.length });
    });
    sock.on('close', () => finish(parse(Buffer.concat(chunks)) ?? {
      code: null, stdout: Buffer.alloc(0), stderr: Buffer.from('the instance closed the connection before the command finished (shutting down?)'), complete: false,
    }));
  });
}

/** Runs argv in the guest (as root, cwd /, the instance's environment). */
export async function agentExec(t: AgentTarget, argv: string[], opts: { input?: Buffer | string; timeoutMs?: number } = {}): Promise<ExecResult> {
  const id = randomBytes(6).toString('hex');
  const cmd = Buffer.from(`exec ${argv.map(sq).join(' ')}\n`).toString('base64');
  const header = `NIMBUS1 ${t.secret} exec ${id}\n${cmd}\n`;
  const limit = opts.timeoutMs && opts.timeoutMs > 0 ? opts.timeoutMs : 24 * 3600_000;
  // The agent may still be binding right after boot or a restart of nc: retry refused connections briefly.
  const deadline = Date.now() + Math.min(limit, 3000);
  for (;;) {
    const r = await request(t, header, opts.input, limit);
    if (r.refused && Date.now() < deadline) {
      await delay(50);
      continue;
    }
    if (r.refused) throw new Error(`cannot reach the instance agent at ${t.ip}:${t.port}: ${r.stderr.toString()}`);
    if (!r.complete && r.stderr.toString() === 'timed out') {
      // The command outlived its timeout: kill its process group, as the process driver kills its own.
      await request(t, `NIMBUS1 ${t.secret} kill ${id}\n`, undefined, 3000);
      return { code: null, stdout: r.stdout.toString(), stderr: `timed out after ${limit} ms` };
    }
    return { code: r.code, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
  }
}

/** Asks the guest init to shut down cleanly (TERM to everything, sync, power off). */
export async function agentShutdown(t: AgentTarget): Promise<boolean> {
  const r = await request(t, `NIMBUS1 ${t.secret} shutdown x\n`, undefined, 2000);
  return r.complete && r.code === 0;
}

export async function agentPing(t: AgentTarget, timeoutMs = 2000): Promise<boolean> {
  const r = await request(t, `NIMBUS1 ${t.secret} ping x\n`, undefined, timeoutMs);
  return r.complete && r.code === 0;
}
