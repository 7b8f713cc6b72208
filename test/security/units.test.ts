import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { CredentialStore, parseCredentialsFile } from '../../src/core/credentials.ts';
import { ipToInt } from '../../src/engines/network/ipam.ts';
import { normalizePath, parseAuth, timeProblem, uriEncode, verifySignature } from '../../src/gateway/auth/sigv4-verify.ts';
import { inCidr } from '../../src/gateway/limits.ts';
import { subtractAddresses } from '../../src/services/ec2/security-groups.ts';
import { policyAllows } from '../../src/services/sqs/access.ts';
import { signer } from './support.ts';

// The pure pieces behind issue 8: key → account mapping, SigV4 canonicalization (against the SDK's own signer),
// CIDR arithmetic for VPC isolation, queue policies.

test('credentials file: validated with readable errors', () => {
  const ok = parseCredentialsFile(JSON.stringify({ AKIA1: { secretAccessKey: 's', account: '123456789012', userName: 'ann' } }), 'f');
  assert.deepEqual(ok.get('AKIA1'), { secretAccessKey: 's', account: '123456789012', userName: 'ann' });
  assert.throws(() => parseCredentialsFile('{', 'f'), /not valid JSON/);
  assert.throws(() => parseCredentialsFile('[]', 'f'), /expected an object/);
  assert.throws(() => parseCredentialsFile(JSON.stringify({ K: { secretAccessKey: 's', account: '12' } }), 'f'), /12 digits/);
  assert.throws(() => parseCredentialsFile(JSON.stringify({ K: { account: '123456789012' } }), 'f'), /secretAccessKey/);
});

test('workload keys: derived, stable for a key, scoped to their account, unforgeable without it', () => {
  const key = randomBytes(32);
  const a = new CredentialStore(undefined, key);
  const c = a.workloadCredentials('123456789012');
  assert.match(c.accessKeyId, /^ASIA123456789012[A-Z0-9]{4}$/);
  assert.equal(new CredentialStore(undefined, key).lookup(c.accessKeyId)?.secretAccessKey, c.secretAccessKey);
  assert.notEqual(new CredentialStore(undefined, randomBytes(32)).lookup(c.accessKeyId)?.secretAccessKey, c.secretAccessKey);
  assert.equal(a.lookup(c.accessKeyId)?.account, '123456789012');
  assert.equal(a.lookup('AKIAUNKNOWN'), undefined);
  assert.equal(a.resolvePermissive('210987654321').account, '210987654321');
  assert.equal(a.resolvePermissive('test').account, '000000000000');
});

test('SigV4 pieces: RFC 3986 encoding and path normalization as the SDKs sign', () => {
  assert.equal(uriEncode("a b+c/d~e_f.g-h!*'()"), 'a%20b%2Bc%2Fd~e_f.g-h%21%2A%27%28%29');
  assert.equal(uriEncode('/x/ü', true), '/x/%C3%BC');
  assert.equal(normalizePath('/a/./b/../c//d/'), '/a/c/d/');
  assert.equal(normalizePath(''), '/');
});

test('SigV4: the SDK signer\'s requests verify; any change to method, path, query, signed header or body does not', async () => {
  const creds = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
  const base = {
    method: 'POST', protocol: 'http:', hostname: 'localhost', port: 4566, path: '/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Af/invocations',
    query: { Qualifier: 'a b', 'x-id': 'ünï' }, headers: { host: 'localhost:4566', 'content-type': 'application/json', 'x-amz-invocation-type': 'RequestResponse' }, body: '{"k":"v"}',
  };
  const signed = await signer('lambda', creds).sign(base);
  const query = Object.entries(signed.query as Record<string, string>).map(([k, v]) => `${uriEncode(k)}=${uriEncode(v)}`).join('&');
  const req = { method: 'POST', path: base.path, query, headers: Object.fromEntries(Object.entries(signed.headers).map(([k, v]) => [k.toLowerCase(), String(v)])), body: Buffer.from(base.body) };
  const parsed = parseAuth(req);
  assert.equal(parsed.state, 'signed');
  if (parsed.state !== 'signed') return;
  assert.equal(timeProblem(parsed.sig, Date.now()), undefined);
  assert.deepEqual(verifySignature(req, parsed.sig, creds.secretAccessKey), { ok: true });
  assert.equal(verifySignature(req, parsed.sig, 'wrong').ok, false);
  assert.equal(verifySignature({ ...req, method: 'PUT' }, parsed.sig, creds.secretAccessKey).ok, false);
  assert.equal(verifySignature({ ...req, path: req.path.replace('function%3Af', 'function%3Ag') }, parsed.sig, creds.secretAccessKey).ok, false);
  assert.equal(verifySignature({ ...req, query: `${query}&extra=1` }, parsed.sig, creds.secretAccessKey).ok, false);
  assert.equal(verifySignature({ ...req, headers: { ...req.headers, 'x-amz-invocation-type': 'Event' } }, parsed.sig, creds.secretAccessKey).ok, false);
  assert.deepEqual(verifySignature({ ...req, body: Buffer.from('{"k":"w"}') }, parsed.sig, creds.secretAccessKey), { ok: false, reason: 'payload' });
  // 16 minutes later the same signature is stale; 14 minutes is within AWS's window.
  assert.equal(timeProblem(parsed.sig, Date.now() + 16 * 60_000)?.kind, 'expired');
  assert.equal(timeProblem(parsed.sig, Date.now() + 14 * 60_000), undefined);
  assert.equal(timeProblem(parsed.sig, Date.now() - 16 * 60_000)?.kind, 'future');
});

test('VPC isolation arithmetic: CIDRs minus addresses, exact and non-overlapping', () => {
  const cover = (cidrs: string[]) => cidrs.reduce((n, c) => n + 2 ** (32 - Number(c.split('/')[1])), 0);
  const all = subtractAddresses(['0.0.0.0/0'], [ipToInt('10.1.0.5'), ipToInt('10.1.0.9')]);
  assert.equal(cover(all), 2 ** 32 - 2);
  assert.ok(!all.some((c) => inCidr('10.1.0.5', c) || inCidr('10.1.0.9', c)));
  assert.ok(all.some((c) => inCidr('10.1.0.6', c)) && all.some((c) => inCidr('8.8.8.8', c)));
  assert.deepEqual(subtractAddresses(['10.1.0.0/30'], [ipToInt('10.1.0.1')]), ['10.1.0.0/32', '10.1.0.2/31']);
  // Overlapping input is merged (nft interval sets must not overlap); untouched CIDRs come back as they were.
  assert.deepEqual(subtractAddresses(['10.0.0.0/8', '10.1.0.0/16'], []), ['10.0.0.0/8']);
  assert.deepEqual(subtractAddresses(['10.1.0.7/32'], [ipToInt('10.1.0.7')]), []);
});

test('queue policies: who may do what across accounts', () => {
  const policy = JSON.stringify({ Statement: [
    { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::222222222222:root' }, Action: 'SQS:SendMessage', Resource: 'q' },
    { Effect: 'Allow', Principal: '*', Action: 'sqs:GetQueueAttributes', Condition: { ArnEquals: { 'aws:SourceArn': 'x' } } },
    { Effect: 'Deny', Principal: { AWS: ['333333333333'] }, Action: '*' },
    { Effect: 'Allow', Principal: { AWS: '*' }, Action: ['sqs:ReceiveMessage'] },
  ] });
  assert.equal(policyAllows(policy, '222222222222', 'SendMessage'), true);
  assert.equal(policyAllows(policy, '222222222222', 'DeleteQueue'), false);
  assert.equal(policyAllows(policy, '444444444444', 'GetQueueAttributes'), false, 'conditions are not evaluated, so they never grant');
  assert.equal(policyAllows(policy, '444444444444', 'ReceiveMessage'), true);
  assert.equal(policyAllows(policy, '333333333333', 'ReceiveMessage'), false, 'an explicit deny wins');
  assert.equal(policyAllows(undefined, '222222222222', 'SendMessage'), false);
  assert.equal(policyAllows('not json', '222222222222', 'SendMessage'), false);
});
