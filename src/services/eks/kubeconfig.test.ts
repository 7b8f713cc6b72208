import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { kubeTarget, parseYaml } from './kubeconfig.ts';

// The kubeconfig subset parser on what kind, k3s and `aws eks update-kubeconfig` write.

const dir = mkdtempSync(join(tmpdir(), 'nimbus-kubeconfig-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const KIND = `apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: ${Buffer.from('-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n').toString('base64')}
    server: https://127.0.0.1:40123
  name: kind-kind
- cluster:
    server: "https://other:6443"   # a comment
    insecure-skip-tls-verify: true
  name: other
contexts:
- context:
    cluster: kind-kind
    user: kind-kind
  name: kind-kind
- context: {cluster: other, user: tok}
  name: flow
- name: other
  context:
    cluster: other
    user: tok
current-context: kind-kind
kind: Config
preferences: {}
users:
- name: kind-kind
  user:
    client-certificate-data: ${Buffer.from('CERT').toString('base64')}
    client-key-data: ${Buffer.from('KEY').toString('base64')}
- name: tok
  user:
    token: 'abc''def'
`;

describe('kubeconfig', () => {
  test('parses block mappings, sequences of mappings, quoted scalars, comments, {}', () => {
    const doc = parseYaml(KIND.replace('- context: {cluster: other, user: tok}\n  name: flow\n', '')) as Record<string, unknown>;
    assert.equal(doc['current-context'], 'kind-kind');
    assert.deepEqual(doc.preferences, {});
    const clusters = doc.clusters as Array<{ name: string; cluster: Record<string, unknown> }>;
    assert.equal(clusters.length, 2);
    assert.equal(clusters[1]!.cluster.server, 'https://other:6443');
    assert.equal(clusters[1]!.cluster['insecure-skip-tls-verify'], true);
  });

  test('refuses what it does not understand, with the line', () => {
    assert.throws(() => parseYaml(KIND), /line \d+: unsupported YAML/);
    assert.throws(() => parseYaml('a:\n\tb: 1\n'), /tabs/);
  });

  test('resolves the current context (client certificate) and a named one (token, insecure)', () => {
    const file = join(dir, 'config');
    writeFileSync(file, KIND.replace('- context: {cluster: other, user: tok}\n  name: flow\n', ''));
    const t = kubeTarget(file);
    assert.equal(t.server, 'https://127.0.0.1:40123');
    assert.match(t.ca!, /BEGIN CERTIFICATE/);
    assert.equal(t.cert, 'CERT');
    assert.equal(t.key, 'KEY');
    const o = kubeTarget(file, 'other');
    assert.equal(o.token, "abc'def");
    assert.equal(o.insecure, true);
    assert.throws(() => kubeTarget(file, 'nope'), /no context named nope/);
  });

  test('JSON kubeconfigs work too; exec plugins are refused plainly', () => {
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({
      'current-context': 'eks', contexts: [{ name: 'eks', context: { cluster: 'c', user: 'u' } }], clusters: [{ name: 'c', cluster: { server: 'https://x' } }],
      users: [{ name: 'u', user: { exec: { command: 'aws', args: ['eks', 'get-token'] } } }],
    }));
    assert.throws(() => kubeTarget(file), /exec plugin/);
  });
});
