#!/usr/bin/env node
// Installs what is missing before `npm start` / `npm test`: npm packages (better-sqlite3 builds from
// source here), and on Debian as root the system packages the process driver and the tests use.
// Plain JavaScript with no dependencies, because it runs before node_modules exists.
import { execSync, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { buildConsoleIfStale } from './console-build.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const forTests = process.argv.includes('--test');

function log(msg) {
  process.stderr.write(`[bootstrap] ${msg}\n`);
}

function npmReady() {
  const marker = join(root, 'node_modules', '.package-lock.json');
  if (!existsSync(marker) || !existsSync(join(root, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node'))) return false;
  return statSync(marker).mtimeMs >= statSync(join(root, 'package-lock.json')).mtimeMs - 1000;
}

const isRoot = process.getuid?.() === 0;
const isDebian = existsSync('/usr/bin/dpkg') && existsSync('/usr/bin/apt-get');
// Command → Debian package that provides it.
// crun: the container driver (ECS tasks, Fargate).
const wanted = { ip: 'iproute2', nft: 'nftables', unshare: 'util-linux', nsenter: 'util-linux', crun: 'crun' };
// chromium: the web console's browser tests (playwright-core drives /usr/bin/chromium).
// busybox-static: the ECS tests build their container images from it.
const testWanted = { chromium: 'chromium', busybox: 'busybox-static', aws: 'awscli', python3: 'python3', autoconf: 'autoconf', automake: 'automake', libtoolize: 'libtool', cmake: 'cmake', make: 'make', 'g++': 'g++' };
// The VM driver (issue 8): QEMU, a guest kernel, a static busybox and e2fsprogs (volumes as disks), ~300 MB, so never by default.
// NIMBUS_DRIVER=vm (or --driver vm) prints the command when something is missing; NIMBUS_TEST_VM=1
// with --test installs them, so the VM tests run instead of skipping (CI stays fast without them).
const vmPackages = ['qemu-system-x86', 'linux-image-cloud-amd64', 'busybox-static', 'e2fsprogs'];
const vmWanted = process.env.NIMBUS_DRIVER === 'vm' || process.argv.includes('--driver=vm') || process.argv.join(' ').includes('--driver vm');
const vmForTests = forTests && process.env.NIMBUS_TEST_VM === '1';
const need = new Set();
// The VM packages go in their own apt-get run: a kernel package whose post-install fails must not take the
// test tools (chromium, awscli, …) down with it.
const vmNeed = new Set();
const has = (pkg) => spawnSync('dpkg', ['-s', pkg], { stdio: 'ignore' }).status === 0;
if (isDebian) {
  for (const pkg of Object.values(wanted)) if (!has(pkg)) need.add(pkg);
  if (forTests) {
    for (const pkg of Object.values(testWanted)) if (!has(pkg)) need.add(pkg);
    if (!has('python3-boto3')) need.add('python3-boto3');
  }
  const vmMissing = vmPackages.filter((p) => !has(p));
  if (vmForTests) for (const pkg of vmMissing) vmNeed.add(pkg);
  else if (vmWanted && vmMissing.length) log(`the vm driver needs: ${isRoot ? '' : 'sudo '}apt-get install -y ${vmPackages.join(' ')}`);
}
let aptUpdated = false;
for (const set of [need, vmNeed]) {
  if (!set.size) continue;
  if (!isRoot) {
    log(`missing Debian packages: ${[...set].join(' ')} — run: sudo apt-get install -y ${[...set].join(' ')}`);
    continue;
  }
  log(`installing Debian packages: ${[...set].join(' ')}…`);
  try {
    if (!aptUpdated) execSync('apt-get update -qq', { stdio: 'inherit' });
    aptUpdated = true;
    execSync(`DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${[...set].join(' ')}`, { stdio: 'inherit' });
  } catch {
    log(set === vmNeed
      ? 'apt-get failed for the VM driver\'s packages; the VM tests will skip and say what is missing'
      : 'apt-get failed; Nimbus will start with reduced capabilities (see its start-up warnings)');
  }
}

// npm last: the optional aws-lambda-ric builds native code with the autotools installed above.
if (!npmReady()) {
  log('installing npm packages (npm ci; better-sqlite3 compiles from source, about a minute)…');
  const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    log('npm ci failed');
    process.exit(r.status ?? 1);
  }
}

// Web console: build src/console/app into src/console/dist with Vite when dist is missing or older than its sources.
// A failed build does not stop Nimbus: /_nimbus/console then says the console is not built.
buildConsoleIfStale(log);
