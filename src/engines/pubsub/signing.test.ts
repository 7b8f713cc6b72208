import assert from 'node:assert/strict';
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { test } from 'node:test';
import { selfSignedCert } from './signing.ts';

test('every self-signed SNS certificate parses (random serials never break DER)', () => {
  // A serial with a padded leading zero made 1 certificate in 256 unparsable: 600 tries catch that ~90% of the time.
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
  for (let i = 0; i < 600; i++) {
    const cert = new X509Certificate(selfSignedCert(privateKey, 'sns.nimbus.local', Date.UTC(2026, 10, 27)));
    assert.match(cert.subject, /CN=sns\.nimbus\.local/);
  }
});
