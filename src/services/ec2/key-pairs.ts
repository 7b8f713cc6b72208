import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';
import type { Ec2Deps, Scope } from './deps.ts';
import { applyFilters, type FilterInput } from './domain/filters.ts';
import { InvalidKeyFormat, InvalidKeyPairDuplicate, InvalidKeyPairNotFound, InvalidParameterValue } from './errors.ts';
import { applyTagSpecifications, type TagSpecification } from './tags.ts';

// Key pairs are real keys: CreateKeyPair generates an RSA or ed25519 key and returns the private key
// once (PEM/OpenSSH as AWS does); only the public key is stored.

function sshPublicKey(type: 'rsa' | 'ed25519', pub: ReturnType<typeof createPublicKey>, name: string): string {
  const jwk = pub.export({ format: 'jwk' }) as { n?: string; e?: string; x?: string };
  const str = (b: Buffer) => { const l = Buffer.alloc(4); l.writeUInt32BE(b.length); return Buffer.concat([l, b]); };
  const mpint = (b: Buffer) => str(b[0] & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b);
  const blob = type === 'rsa'
    ? Buffer.concat([str(Buffer.from('ssh-rsa')), mpint(Buffer.from(jwk.e!, 'base64url')), mpint(Buffer.from(jwk.n!, 'base64url'))])
    : Buffer.concat([str(Buffer.from('ssh-ed25519')), str(Buffer.from(jwk.x!, 'base64url'))]);
  return `${type === 'rsa' ? 'ssh-rsa' : 'ssh-ed25519'} ${blob.toString('base64')} ${name}`;
}

/** Parses an OpenSSH public key line; returns its type and wire blob. */
function parseOpenSsh(material: string): { type: 'rsa' | 'ed25519'; blob: Buffer } {
  const m = /^(ssh-rsa|ssh-ed25519)\s+([A-Za-z0-9+/=]+)/.exec(material.trim());
  if (!m) throw new InvalidKeyFormat('Key is not in valid OpenSSH public key format');
  const blob = Buffer.from(m[2], 'base64');
  const len = blob.length >= 4 ? blob.readUInt32BE(0) : 0;
  if (blob.subarray(4, 4 + len).toString() !== m[1]) throw new InvalidKeyFormat('Key is not in valid OpenSSH public key format');
  return { type: m[1] === 'ssh-rsa' ? 'rsa' : 'ed25519', blob };
}

// AWS: fingerprints are MD5 of the DER public key for imported keys / SHA-1 of the private key for
// created RSA keys, and SHA-256 base64 for ed25519. Here: SHA-256 for ed25519 and MD5 of the ssh blob
// otherwise, which is what `ssh-keygen -l -E md5` prints, so users can compare.
function fingerprint(type: string, blob: Buffer): string {
  if (type === 'ed25519') return createHash('sha256').update(blob).digest('base64').replace(/=+$/, '') + '=';
  return createHash('md5').update(blob).digest('hex').match(/../g)!.join(':');
}

const shape = (d: Ec2Deps, k: { id: string; name: string; key_type: string; fingerprint: string; created_at: number; public_key: string }, withPublic = false) => ({
  KeyPairId: k.id, KeyName: k.name, KeyType: k.key_type, KeyFingerprint: k.fingerprint, CreateTime: new Date(k.created_at),
  PublicKey: withPublic ? k.public_key : undefined, Tags: d.store.tagsOf(k.id).map((t) => ({ Key: t.key, Value: t.value })),
});

function checkName(d: Ec2Deps, s: Scope, name: string) {
  if (!name || name.length > 255) throw new InvalidParameterValue('Key name must be 1 to 255 ASCII characters');
  if (d.store.keyPairByName(s, name)) throw new InvalidKeyPairDuplicate(`The keypair '${name}' already exists.`);
}

export function keyPairHandlers(d: Ec2Deps) {
  const save = (s: Scope, name: string, type: 'rsa' | 'ed25519', publicKey: string, blob: Buffer, tags?: TagSpecification[]) => {
    const row = { id: d.ids.next('key'), ...s, name, key_type: type, fingerprint: fingerprint(type, blob), public_key: publicKey, created_at: d.clock.now() };
    d.store.tx(() => {
      d.store.insertKeyPair(row);
      applyTagSpecifications(d, s, row.id, 'key-pair', tags);
    });
    return row;
  };
  return {
    CreateKeyPair(input: { KeyName: string; KeyType?: string; KeyFormat?: string; TagSpecifications?: TagSpecification[] }, ctx: Scope) {
      checkName(d, ctx, input.KeyName);
      const type = (input.KeyType ?? 'rsa') as 'rsa' | 'ed25519';
      if (type !== 'rsa' && type !== 'ed25519') throw new InvalidParameterValue(`Invalid value '${input.KeyType}' for KeyType`);
      const pair = type === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ed25519');
      const privatePem = pair.privateKey.export({ type: type === 'rsa' ? 'pkcs1' : 'pkcs8', format: 'pem' }).toString();
      const pub = sshPublicKey(type, pair.publicKey, input.KeyName);
      const row = save(ctx, input.KeyName, type, pub, parseOpenSsh(pub).blob, input.TagSpecifications);
      return { ...shape(d, row), KeyMaterial: privatePem, CreateTime: undefined };
    },
    ImportKeyPair(input: { KeyName: string; PublicKeyMaterial: Buffer | string; TagSpecifications?: TagSpecification[] }, ctx: Scope) {
      checkName(d, ctx, input.KeyName);
      const material = Buffer.isBuffer(input.PublicKeyMaterial) ? input.PublicKeyMaterial.toString('utf8') : String(input.PublicKeyMaterial ?? '');
      const { type, blob } = parseOpenSsh(material);
      const row = save(ctx, input.KeyName, type, material.trim(), blob, input.TagSpecifications);
      return { KeyFingerprint: row.fingerprint, KeyName: row.name, KeyPairId: row.id, Tags: d.store.tagsOf(row.id).map((t) => ({ Key: t.key, Value: t.value })) };
    },
    DescribeKeyPairs(input: { KeyNames?: string[]; KeyPairIds?: string[]; Filters?: FilterInput[]; IncludePublicKey?: boolean }, ctx: Scope) {
      let keys = d.store.keyPairs(ctx);
      for (const n of input.KeyNames ?? []) if (!keys.some((k) => k.name === n)) throw new InvalidKeyPairNotFound(`The key pair '${n}' does not exist`);
      for (const n of input.KeyPairIds ?? []) if (!keys.some((k) => k.id === n)) throw new InvalidKeyPairNotFound(`The key pair '${n}' does not exist`);
      if (input.KeyNames?.length) keys = keys.filter((k) => input.KeyNames!.includes(k.name));
      if (input.KeyPairIds?.length) keys = keys.filter((k) => input.KeyPairIds!.includes(k.id));
      keys = applyFilters(keys, input.Filters, { 'key-name': (k) => k.name, 'key-pair-id': (k) => k.id, fingerprint: (k) => k.fingerprint, 'key-type': (k) => k.key_type }, (k) => d.store.tagsOf(k.id));
      return { KeyPairs: keys.map((k) => shape(d, k, input.IncludePublicKey)) };
    },
    DeleteKeyPair(input: { KeyName?: string; KeyPairId?: string }, ctx: Scope) {
      // AWS: deleting a key pair that doesn't exist succeeds.
      const k = d.store.keyPairs(ctx).find((x) => x.name === input.KeyName || x.id === input.KeyPairId);
      if (k) d.store.deleteKeyPair(k.id);
      return { Return: true, KeyPairId: k?.id };
    },
  };
}
