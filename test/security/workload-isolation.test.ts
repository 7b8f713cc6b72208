import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { AttachVolumeCommand, CreateVolumeCommand, DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { execIn, launch, openGroup, waitState, WEB_SERVER } from '../support/ec2.ts';
import { isRoot, startTestNimbus, TEST_VPC_CIDR, type TestNimbus } from '../support/nimbus.ts';
import { createNodeFunction, json, nodeZip } from '../lambda/support.ts';
import { ALICE, BOB, clientConfig, signedForm, writeCredentials } from './support.ts';

// What a workload can reach. Two accounts' instances share Nimbus's bridge and address space; they must not reach
// each other (AWS: separate VPCs are not routable) even when every security group allows 0.0.0.0/0, while instances
// of one account still do. No workload (instance or function) may read Nimbus's data directory or use its admin
// endpoints (/_nimbus/: exec into instances, health, clock, …).

const gatewayIp = TEST_VPC_CIDR.replace(/\.0\.0\/16$/, '.0.1');

/** An HTTP GET from inside an instance: the body, or 'FAILED <reason>'. */
async function fetchFrom(endpoint: string, id: string, url: string, method = 'GET'): Promise<string> {
  const r = await execIn(endpoint, id, ['curl', '-sS', '-m', '3', '-X', method, '-o', '-', '-w', '\n%{http_code}', url]);
  return r.code === 0 ? r.stdout.trim() : `FAILED ${r.stderr.trim()}`;
}

describe('workload isolation', { skip: !isRoot && 'needs root (namespaces, bridge, nftables)' }, () => {
  let t: TestNimbus;
  let credsFile: string;
  let dataDir: string;
  let port: string;
  const ids: Record<string, { id: string; ip: string }> = {};

  before(async () => {
    credsFile = writeCredentials();
    // Outside /tmp: every instance has its own /tmp, which would hide a data dir under it for free.
    dataDir = mkdtempSync('/var/tmp/nimbus-security-');
    t = await startTestNimbus({ strictSigV4: true, credentialsFile: credsFile, dataDir });
    port = new URL(t.endpoint).port;
    const a = new EC2Client(clientConfig(t.endpoint, ALICE));
    const b = new EC2Client(clientConfig(t.endpoint, BOB));
    const aWeb = await openGroup(a, 'web', [80]);
    const bWeb = await openGroup(b, 'web', [80]);
    // A's two instances first; B's comes later, so A's firewalls must learn about a new address of another VPC.
    const [a1, a2] = await launch(a, { userData: WEB_SERVER, groups: [aWeb], count: 2 });
    for (const [k, i] of [['a1', a1!], ['a2', a2!]] as const) ids[k] = { id: i.InstanceId!, ip: i.PrivateIpAddress! };
    await waitState(a, ids.a1!.id, 'running');
    await waitState(a, ids.a2!.id, 'running');
    const [b1] = await launch(b, { userData: WEB_SERVER, groups: [bWeb] });
    ids.b1 = { id: b1!.InstanceId!, ip: b1!.PrivateIpAddress! };
    await waitState(b, ids.b1.id, 'running');
    // Every web server answers the host (the bridge gateway is not an instance of any VPC).
    for (const k of ['a1', 'a2', 'b1']) {
      const deadline = Date.now() + 15_000;
      for (;;) {
        const ok = await fetch(`http://${ids[k]!.ip}/`, { signal: AbortSignal.timeout(1000) }).then((r) => r.ok, () => false);
        if (ok) break;
        if (Date.now() > deadline) throw new Error(`${k} web server never answered`);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  });
  after(async () => {
    await t?.close();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(dirname(credsFile), { recursive: true, force: true });
  });

  test('instances of one account reach each other; another account\'s instances are unreachable both ways', async () => {
    assert.match(await fetchFrom(t.endpoint, ids.a1!.id, `http://${ids.a2!.ip}/`), /^hello from ip-/);
    assert.match(await fetchFrom(t.endpoint, ids.b1!.id, `http://${ids.a1!.ip}/`), /^FAILED/);
    assert.match(await fetchFrom(t.endpoint, ids.a1!.id, `http://${ids.b1!.ip}/`), /^FAILED/);
  });

  test('admin endpoints are not served to instances; the API is (signed, strict mode)', async () => {
    const health = await fetchFrom(t.endpoint, ids.a1!.id, `http://${gatewayIp}:${port}/_nimbus/health`);
    assert.match(health, /403$/);
    const exec = await fetchFrom(t.endpoint, ids.a1!.id, `http://${gatewayIp}:${port}/_nimbus/instances/${ids.b1!.id}/exec`, 'POST');
    assert.match(exec, /403$/);
    const clock = await fetchFrom(t.endpoint, ids.a1!.id, `http://${gatewayIp}:${port}/_nimbus/clock`);
    assert.match(clock, /403$/);
    // An unsigned API call from the instance is refused by strict mode, not served.
    const api = await fetchFrom(t.endpoint, ids.a1!.id, `http://${gatewayIp}:${port}/?Action=DescribeInstances&Version=2016-11-15`);
    assert.match(api, /AuthFailure[\s\S]*401$/);
  });

  test('an instance cannot read Nimbus\'s data directory', async () => {
    for (const argv of [['cat', `${dataDir}/state.db`], ['ls', `${dataDir}/instances`], ['cat', `${dataDir}/workload-key`]]) {
      const r = await execIn(t.endpoint, ids.a1!.id, argv);
      assert.notEqual(r.code, 0, `${argv.join(' ')} worked inside the instance: ${r.stdout.slice(0, 200)}`);
    }
    // Wherever the driver keeps host directories reachable for the instance's own mounts, the database is not there.
    const search = await execIn(t.endpoint, ids.a1!.id, ['sh', '-c', 'find / -xdev -name state.db -path "*nimbus*" 2>/dev/null; find /run -name state.db 2>/dev/null; true']);
    assert.equal(search.stdout.trim(), '');
  });

  test('instance processes lack the capabilities that would undo this (mount, setns, network admin, raw sockets)', async () => {
    const status = await execIn(t.endpoint, ids.a1!.id, ['grep', 'CapBnd', '/proc/1/status']);
    const bounding = BigInt(`0x${status.stdout.trim().split(/\s+/)[1]}`);
    const bits: Record<string, number> = { dac_read_search: 2, net_admin: 12, net_raw: 13, sys_module: 16, sys_rawio: 17, sys_ptrace: 19, sys_admin: 21, mknod: 27 };
    for (const [name, bit] of Object.entries(bits)) assert.equal((bounding >> BigInt(bit)) & 1n, 0n, `PID 1 keeps cap_${name}`);
    assert.equal((bounding >> 10n) & 1n, 1n, 'cap_net_bind_service is kept (servers on port 80)');
    // The web server user data started is a descendant of PID 1: same set.
    const web = await execIn(t.endpoint, ids.a1!.id, ['sh', '-c', 'for p in /proc/[0-9]*; do grep -q "^Name:.*node" $p/status 2>/dev/null && grep CapEff $p/status && break; done']);
    assert.equal((BigInt(`0x${web.stdout.trim().split(/\s+/)[1]}`) >> 21n) & 1n, 0n, 'the user-data server has cap_sys_admin');
  });

  test('a volume attached to a running instance still mounts (through the covered stash), and only it shows', async () => {
    const a = new EC2Client(clientConfig(t.endpoint, ALICE));
    const az = (await a.send(new DescribeInstancesCommand({ InstanceIds: [ids.a1!.id] }))).Reservations![0]!.Instances![0]!.Placement!.AvailabilityZone!;
    const vol = (await a.send(new CreateVolumeCommand({ AvailabilityZone: az, Size: 1 }))).VolumeId!;
    const other = (await a.send(new CreateVolumeCommand({ AvailabilityZone: az, Size: 1 }))).VolumeId!;
    await a.send(new AttachVolumeCommand({ VolumeId: vol, InstanceId: ids.a1!.id, Device: '/dev/sdf' }));
    const w = await execIn(t.endpoint, ids.a1!.id, ['sh', '-c', 'echo data > /mnt/sdf/file && cat /mnt/sdf/file']);
    assert.equal(w.stdout.trim(), 'data', w.stderr);
    const stash = await execIn(t.endpoint, ids.a1!.id, ['sh', '-c', `ls -A /run/*/volumes 2>&1; find / -xdev -name ${other} 2>/dev/null; true`]);
    assert.doesNotMatch(stash.stdout, /vol-/);
    a.destroy();
  });

  test('a function cannot read the data directory nor use admin endpoints; it calls the API as its own account', async () => {
    const lambda = new LambdaClient(clientConfig(t.endpoint, ALICE));
    const src = `
      const fs = require('fs');
      exports.handler = async () => {
        const tryRead = (p) => { try { fs.readFileSync(p); return 'READ'; } catch (e) { return e.code; } };
        const api = process.env.AWS_ENDPOINT_URL;
        const health = await fetch(api + '/_nimbus/health').then((r) => r.status, (e) => 'ERR ' + e.message);
        return { db: tryRead(${JSON.stringify(`${dataDir}/state.db`)}), key: tryRead(${JSON.stringify(`${dataDir}/workload-key`)}), health,
          creds: { accessKeyId: process.env.AWS_ACCESS_KEY_ID, secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY, sessionToken: process.env.AWS_SESSION_TOKEN } };
      };`;
    await createNodeFunction(lambda, 'probe', { Role: `arn:aws:iam::${ALICE.account}:role/r` }, nodeZip(src));
    const out = json((await lambda.send(new InvokeCommand({ FunctionName: 'probe' }))).Payload);
    assert.notEqual(out.db, 'READ');
    assert.notEqual(out.key, 'READ');
    assert.equal(out.health, 403);
    // The function's credentials are its account's (valid in strict mode), not a shared default.
    assert.match(out.creds.accessKeyId, new RegExp(`^ASIA${ALICE.account}`));
    const who = await signedForm(t.endpoint, 'sts', out.creds, { Action: 'GetCallerIdentity', Version: '2011-06-15' });
    assert.match(who.text, new RegExp(`<Account>${ALICE.account}</Account>`));
    lambda.destroy();
  });
});
