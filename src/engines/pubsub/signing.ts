import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

// Message signing as AWS does it (https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html):
// SignatureVersion 1 = SHA1withRSA, 2 = SHA256withRSA, over "Key\nValue\n" lines of fixed keys in byte order.
// The key is Nimbus's own: a 2048-bit RSA key and a self-signed X.509 certificate (built here with node:crypto,
// DER by hand), kept in <dataDir>/sns/ and served by the gateway at SigningCertURL.

export const CERT_PATH = '/_nimbus/sns/SimpleNotificationService.pem';

export interface Signer {
  certPem: string;
  sign(fields: Record<string, string | undefined>, version: string): string;
}

/** The string AWS signs for a message of this type. */
export function canonicalString(fields: Record<string, string | undefined>): string {
  const keys = fields.Type === 'Notification'
    ? ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type']
    : ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'];
  let out = '';
  for (const k of keys) if (fields[k] !== undefined) out += `${k}\n${fields[k]}\n`;
  return out;
}

export function loadOrCreateSigner(dir: string, now: number): Signer {
  mkdirSync(dir, { recursive: true });
  const keyFile = join(dir, 'signing-key.pem');
  const certFile = join(dir, 'SimpleNotificationService.pem');
  let key: KeyObject;
  let certPem: string;
  if (existsSync(keyFile) && existsSync(certFile)) {
    key = createPrivateKey(readFileSync(keyFile, 'utf8'));
    certPem = readFileSync(certFile, 'utf8');
  } else {
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    key = pair.privateKey;
    certPem = selfSignedCert(key, 'sns.nimbus.local', now);
    writeFileSync(keyFile, key.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    writeFileSync(certFile, certPem);
  }
  return {
    certPem,
    sign(fields, version) {
      return sign(version === '2' ? 'sha256' : 'sha1', Buffer.from(canonicalString(fields), 'utf8'), key).toString('base64');
    },
  };
}

// ---- minimal DER for one self-signed certificate ------------------------------------------------------------

function len(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let x = n; x > 0; x >>= 8) bytes.unshift(x & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}
const tlv = (tag: number, body: Buffer) => Buffer.concat([Buffer.from([tag]), len(body.length), body]);
const seq = (...items: Buffer[]) => tlv(0x30, Buffer.concat(items));
const set = (...items: Buffer[]) => tlv(0x31, Buffer.concat(items));
const nul = () => Buffer.from([0x05, 0x00]);
const utf8 = (s: string) => tlv(0x0c, Buffer.from(s, 'utf8'));
function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const out = [40 * parts[0] + parts[1]];
  for (const p of parts.slice(2)) {
    const stack: number[] = [];
    let x = p;
    do {
      stack.unshift(x & 0x7f);
      x >>= 7;
    } while (x > 0);
    for (let i = 0; i < stack.length - 1; i++) stack[i] |= 0x80;
    out.push(...stack);
  }
  return tlv(0x06, Buffer.from(out));
}
function integer(b: Buffer): Buffer {
  return tlv(0x02, b[0] & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b);
}
function time(ms: number): Buffer {
  const iso = new Date(ms).toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z'; // YYYYMMDDHHMMSSZ
  // RFC 5280: UTCTime (YYMMDDHHMMSSZ) through 2049, GeneralizedTime after.
  return new Date(ms).getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(iso.slice(2), 'ascii')) : tlv(0x18, Buffer.from(iso, 'ascii'));
}
const name = (cn: string) => seq(set(seq(oid('2.5.4.10'), utf8('Nimbus'))), set(seq(oid('2.5.4.3'), utf8(cn))));

export function selfSignedCert(key: KeyObject, cn: string, now: number): string {
  const sigAlg = seq(oid('1.2.840.113549.1.1.11'), nul()); // sha256WithRSAEncryption
  const spki = createPublicKey(key).export({ type: 'spki', format: 'der' });
  const serial = randomBytes(16);
  // Positive and without a leading zero byte: DER forbids padding a minimal INTEGER (a 0x00 first byte followed by
  // a byte below 0x80 made 1 certificate in 256 unparsable, so SNS failed to start now and then).
  serial[0] = (serial[0] & 0x7f) | 0x40;
  const tbs = seq(
    tlv(0xa0, integer(Buffer.from([2]))), // v3
    integer(serial),
    sigAlg,
    name(cn),
    seq(time(now - 24 * 3600 * 1000), time(now + 10 * 365 * 24 * 3600 * 1000)),
    name(cn),
    spki,
  );
  const signature = sign('sha256', tbs, key);
  const der = seq(tbs, sigAlg, tlv(0x03, Buffer.concat([Buffer.from([0]), signature])));
  const pem = `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`;
  new X509Certificate(pem); // parses, or throws: never serve a broken certificate
  return pem;
}
