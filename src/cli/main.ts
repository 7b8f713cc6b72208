#!/usr/bin/env node
import { mailCommand, MAIL_HELP } from './mail.ts';
import { logsCommand, LOGS_HELP } from './logs.ts';
import { billCommand, clockCommand, spotCommand, BILLING_HELP } from './billing.ts';
import { imageCommand, IMAGE_HELP } from './image.ts';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startNimbus } from '../app.ts';
import { defaultConfig, type NimbusConfig } from '../core/config.ts';
import { createLogger } from '../core/log.ts';
import { RoutingDriver } from '../drivers/routing.ts';
import { VM_IMAGE_ID } from '../services/ec2/catalog/images.ts';
import { endpointOf, parseArgs } from './args.ts';

const HELP = `nimbus — a local AWS-compatible compute cloud

Usage:
  nimbus up [--port 4566] [--host 127.0.0.1] [--data-dir ./.nimbus] [--in-memory] [--plain] [--driver process|vm] [--max-instances N] [--clock-speed N]
            [--strict-sigv4] [--credentials FILE]
  nimbus down [--data-dir ./.nimbus]           stop the server started from that data dir
  nimbus status [--endpoint URL]               show services, driver and instances
  nimbus ssh <instance-id> [--endpoint URL]    interactive shell inside a running instance
  nimbus exec <instance-id> -- <cmd> [args…]   run a command inside a running instance
${MAIL_HELP}
${LOGS_HELP}
${BILLING_HELP}
${IMAGE_HELP}`;

function configFrom(flags: Record<string, string | true>): NimbusConfig {
  const over: Partial<NimbusConfig> = {};
  if (typeof flags.port === 'string') over.port = Number(flags.port);
  if (typeof flags.host === 'string') over.host = flags.host;
  if (typeof flags['data-dir'] === 'string') over.dataDir = resolve(flags['data-dir']);
  if (flags['in-memory']) over.inMemory = true;
  if (flags.plain) over.plainProcesses = true;
  if (flags.driver === 'vm' || flags.driver === 'process') over.driver = flags.driver;
  else if (flags.driver !== undefined) throw new Error(`--driver must be process or vm (got ${String(flags.driver)})`);
  if (typeof flags['max-instances'] === 'string') over.maxInstances = Number(flags['max-instances']);
  if (typeof flags.region === 'string') over.region = flags.region;
  if (typeof flags['clock-speed'] === 'string') over.clockSpeed = Number(flags['clock-speed']);
  if (flags['strict-sigv4']) over.strictSigV4 = flags['strict-sigv4'] !== 'false';
  if (typeof flags.credentials === 'string') over.credentialsFile = resolve(flags.credentials);
  return defaultConfig(over);
}

async function up(flags: Record<string, string | true>): Promise<void> {
  const config = configFrom(flags);
  const log = createLogger(config.logLevel);
  const nimbus = await startNimbus(config, log).catch((err: Error) => {
    console.error(`nimbus: could not start: ${err.message}`);
    process.exit(1);
  });
  const pidFile = join(config.dataDir, 'nimbus.pid');
  if (!config.inMemory) writeFileSync(pidFile, String(process.pid));
  const caps = nimbus.capabilities;
  const lines = [
    `Nimbus is running at ${nimbus.endpoint}`,
    `  state:    ${config.inMemory ? 'in memory (lost on exit)' : join(config.dataDir, 'state.db')}`,
    `  services: ${nimbus.registry.services.map((s) => s.name).join(', ')}`,
    `  console:  ${nimbus.endpoint}/_nimbus/console`,
    `  driver:   ${caps.driver} (isolation: ${caps.isolation}; limits: ${caps.resourceLimits ? (caps.cgroupVersion ? `cgroups v${caps.cgroupVersion}` : 'VM size') : 'none'}; private network: ${caps.privateNetwork ? 'yes' : 'no'}; security groups: ${caps.firewall ? 'enforced' : 'not enforced'})`,
    ...(nimbus.driver instanceof RoutingDriver
      ? [`  vm AMI:   ${VM_IMAGE_ID} (nimbus/microvm-debian-x86_64) ${nimbus.driver.unavailable('vm') ? 'unavailable (see the warning below)' : 'runs QEMU microVMs on the vm driver'}`]
      : []),
    `  instances: ${nimbus.reconciled.adopted} adopted, ${nimbus.reconciled.rebooted} booted again, ${nimbus.reconciled.finished} transitions finished`,
    `  auth:     ${config.strictSigV4 ? 'strict SigV4 (signatures verified)' : 'permissive (any access key; 12-digit key id = account)'}${nimbus.credentials.source ? `; ${nimbus.credentials.size} key(s) from ${nimbus.credentials.source}` : ''}`,
    ...(config.clockSpeed !== 1 ? [`  clock:    simulated, ${config.clockSpeed}× real time (nimbus clock; nimbus clock advance 30d)`] : []),
    ...caps.warnings.map((w) => `  WARNING:  ${w}`),
    `Try: aws --endpoint-url ${nimbus.endpoint} ec2 describe-instance-types --region ${config.region}`,
  ];
  console.log(lines.join('\n'));
  const stop = async (sig: string) => {
    console.log(`\nnimbus: ${sig}, stopping instances and shutting down…`);
    await nimbus.close({ stopInstances: true });
    if (!config.inMemory) rmSync(pidFile, { force: true });
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

async function down(flags: Record<string, string | true>): Promise<void> {
  const config = configFrom(flags);
  const pidFile = join(config.dataDir, 'nimbus.pid');
  if (!existsSync(pidFile)) {
    console.log(`nimbus: no server running from ${config.dataDir}`);
    return;
  }
  const pid = Number(readFileSync(pidFile, 'utf8'));
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    rmSync(pidFile, { force: true });
    console.log(`nimbus: server ${pid} was not running`);
    return;
  }
  for (let i = 0; i < 300; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      console.log(`nimbus: stopped (pid ${pid})`);
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  console.error(`nimbus: server ${pid} did not stop within 30 s`);
  process.exit(1);
}

async function status(flags: Record<string, string | true>): Promise<void> {
  const endpoint = endpointOf(flags);
  const res = await fetch(`${endpoint}/_nimbus/health`).catch(() => undefined);
  if (!res?.ok) {
    console.log(`nimbus: not running at ${endpoint}`);
    process.exit(1);
  }
  const h = (await res.json()) as { services: Record<string, { limitations: string[] }>; driver: { driver: string; isolation: string; warnings: string[] }; pid: number; dataDir: string };
  console.log(`Nimbus at ${endpoint} (pid ${h.pid}, data ${h.dataDir ?? 'in memory'})`);
  for (const [name, s] of Object.entries(h.services)) console.log(`  ${name.padEnd(8)} available${s.limitations.length ? ` — ${s.limitations.length} limitation(s)` : ''}`);
  console.log(`  driver   ${h.driver.driver} (${h.driver.isolation})`);
  for (const w of h.driver.warnings) console.log(`  WARNING  ${w}`);
}

async function shell(id: string | undefined, flags: Record<string, string | true>): Promise<void> {
  if (!id) throw new Error('usage: nimbus ssh <instance-id>');
  const res = await fetch(`${endpointOf(flags)}/_nimbus/instances/${id}/shell`);
  const body = (await res.json()) as { argv?: string[]; message?: string };
  if (!res.ok || !body.argv) throw new Error(body.message ?? `HTTP ${res.status}`);
  const r = spawnSync(body.argv[0], body.argv.slice(1), { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}

async function exec(id: string | undefined, argv: string[], flags: Record<string, string | true>): Promise<void> {
  if (!id || !argv.length) throw new Error('usage: nimbus exec <instance-id> -- <command> [args…]');
  const res = await fetch(`${endpointOf(flags)}/_nimbus/instances/${id}/exec`, { method: 'POST', body: JSON.stringify({ argv }) });
  const body = (await res.json()) as { code?: number; stdout?: string; stderr?: string; message?: string };
  if (!res.ok) throw new Error(body.message ?? `HTTP ${res.status}`);
  process.stdout.write(body.stdout ?? '');
  process.stderr.write(body.stderr ?? '');
  process.exit(body.code ?? 1);
}

async function main(): Promise<void> {
  const { positional, flags, rest } = parseArgs(process.argv.slice(2));
  const [cmd, arg] = positional;
  try {
    switch (cmd) {
      case 'up': return await up(flags);
      case 'down': return await down(flags);
      case 'status': return await status(flags);
      case 'ssh': return await shell(arg, flags);
      case 'exec': return await exec(arg, rest.length ? rest : positional.slice(2), flags);
      case 'mail': return process.exit(await mailCommand(process.argv.slice(3)));
      case 'logs': return process.exit(await logsCommand(process.argv.slice(3)));
      case 'bill': return process.exit(await billCommand(process.argv.slice(3)));
      case 'clock': return process.exit(await clockCommand(process.argv.slice(3)));
      case 'spot': return process.exit(await spotCommand(process.argv.slice(3)));
      case 'image': return process.exit(await imageCommand(process.argv.slice(3)));
      default:
        console.log(HELP);
        if (cmd && cmd !== 'help') process.exit(2);
    }
  } catch (err) {
    console.error(`nimbus: ${(err as Error).message}`);
    process.exit(1);
  }
}

void main();
