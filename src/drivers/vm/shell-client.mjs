#!/usr/bin/env node
// `nimbus ssh` into a VM: connects to the guest agent and asks for a shell (sh -i; no terminal, so
// line editing is the local terminal's). Plain JavaScript: it runs with the host's node directly.
// Usage: node shell-client.mjs <guest ip> <agent port> <local address> <secret file>
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';

const [ip, port, from, secretFile] = process.argv.slice(2);
const secret = readFileSync(secretFile, 'utf8').trim();
const sock = connect({ host: ip, port: Number(port), localAddress: from });
let header = true;
let pending = Buffer.alloc(0);
sock.on('connect', () => {
  sock.write(`NIMBUS1 ${secret} shell ${process.pid}\n`);
  process.stdin.pipe(sock);
});
sock.on('data', (chunk) => {
  if (!header) return void process.stdout.write(chunk);
  pending = Buffer.concat([pending, chunk]);
  const nl = pending.indexOf(10);
  if (nl < 0) return;
  const line = pending.subarray(0, nl).toString();
  if (!line.startsWith('NIMBUS1 0')) {
    process.stderr.write(`nimbus: the instance refused the shell (${line})\n`);
    process.exit(1);
  }
  header = false;
  process.stdout.write(pending.subarray(nl + 1));
});
sock.on('error', (err) => {
  process.stderr.write(`nimbus: ${err.message}\n`);
  process.exit(1);
});
sock.on('close', () => process.exit(0));
