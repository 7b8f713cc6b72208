import { mkdirSync, writeFileSync, chmodSync } from 'node:fs';
import { dirname, join, normalize, sep } from 'node:path';
import { crc32, deflateRawSync, inflateRawSync } from 'node:zlib';

// A small zip reader (and writer, for tests and benches): stored and deflated entries, Unix modes from the
// central directory (so a provided runtime's `bootstrap` stays executable). Node has no unzip of its own and this
// keeps Nimbus free of a Debian `unzip` dependency. No zip64, no encryption, no multi-disk archives.

export class ZipError extends Error {}

export interface ZipEntry {
  name: string;
  /** Unix permission bits (0 when the archive was not made on Unix). */
  mode: number;
  directory: boolean;
  data: Buffer;
}

const EOCD = 0x06054b50;
const CEN = 0x02014b50;
const LOC = 0x04034b50;

/** Parses a whole archive. Throws ZipError on anything malformed or unsafe (absolute paths, `..`). */
export function readZip(buf: Buffer, maxUnzipped = 262_144_000): ZipEntry[] {
  if (buf.length < 22) throw new ZipError('too short to be a zip file');
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 65_535); i--) {
    if (buf.readUInt32LE(i) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new ZipError('end of central directory not found');
  const count = buf.readUInt16LE(eocd + 10);
  const cdSize = buf.readUInt32LE(eocd + 12);
  const cdOffset = buf.readUInt32LE(eocd + 16);
  if (cdOffset === 0xffffffff || count === 0xffff) throw new ZipError('zip64 archives are not supported');
  if (cdOffset + cdSize > eocd) throw new ZipError('central directory out of bounds');
  const out: ZipEntry[] = [];
  let total = 0;
  let p = cdOffset;
  for (let n = 0; n < count; n++) {
    if (p + 46 > buf.length || buf.readUInt32LE(p) !== CEN) throw new ZipError('bad central directory entry');
    const flags = buf.readUInt16LE(p + 8);
    const method = buf.readUInt16LE(p + 10);
    const crc = buf.readUInt32LE(p + 16);
    const csize = buf.readUInt32LE(p + 20);
    const usize = buf.readUInt32LE(p + 24);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const madeBy = buf.readUInt16LE(p + 4) >> 8;
    const external = buf.readUInt32LE(p + 38);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.subarray(p + 46, p + 46 + nameLen).toString('utf8');
    p += 46 + nameLen + extraLen + commentLen;
    if (flags & 1) throw new ZipError(`${name} is encrypted`);
    const clean = normalize(name.replace(/\\/g, '/'));
    if (!name || name.startsWith('/') || clean.startsWith('..') || clean.split(sep).includes('..')) throw new ZipError(`unsafe path ${name}`);
    if (local + 30 > buf.length || buf.readUInt32LE(local) !== LOC) throw new ZipError(`bad local header for ${name}`);
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    if (start + csize > buf.length) throw new ZipError(`${name} is truncated`);
    const raw = buf.subarray(start, start + csize);
    total += usize;
    if (total > maxUnzipped) throw new ZipError(`unzipped size must be smaller than ${maxUnzipped} bytes`);
    let data: Buffer;
    if (method === 0) data = Buffer.from(raw);
    else if (method === 8) {
      try {
        data = inflateRawSync(raw, { maxOutputLength: Math.max(usize, 1) });
      } catch (err) {
        throw new ZipError(`${name}: ${(err as Error).message}`);
      }
    } else throw new ZipError(`${name}: compression method ${method} is not supported`);
    if (data.length !== usize || (crc32(data) >>> 0) !== crc) throw new ZipError(`${name}: checksum mismatch`);
    const directory = name.endsWith('/');
    out.push({ name: clean, mode: madeBy === 3 ? (external >>> 16) & 0o7777 : 0, directory, data });
  }
  return out;
}

/** Writes the entries under `dir` (which must exist). */
export function extractZip(entries: ZipEntry[], dir: string): void {
  for (const e of entries) {
    const target = join(dir, e.name);
    if (e.directory) {
      mkdirSync(target, { recursive: true });
      continue;
    }
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, e.data);
    // Executables keep their bits; everything is readable (AWS makes the code readable by the runtime user).
    chmodSync(target, (e.mode & 0o111 ? 0o755 : 0o644));
  }
}

/** Builds a zip (deflated entries, Unix modes): for tests, benches and GetFunction downloads of local code. */
export function writeZip(files: Record<string, string | Buffer | { data: string | Buffer; mode: number }>): Buffer {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const [name, v] of Object.entries(files)) {
    const { data: raw, mode } = typeof v === 'string' || Buffer.isBuffer(v) ? { data: v, mode: 0o644 } : v;
    const data = Buffer.isBuffer(raw) ? raw : Buffer.from(raw);
    const comp = deflateRawSync(data);
    const crc = crc32(data) >>> 0;
    const nameBuf = Buffer.from(name);
    const loc = Buffer.alloc(30);
    loc.writeUInt32LE(LOC, 0);
    loc.writeUInt16LE(20, 4);
    loc.writeUInt16LE(8, 8);
    loc.writeUInt32LE(crc, 14);
    loc.writeUInt32LE(comp.length, 18);
    loc.writeUInt32LE(data.length, 22);
    loc.writeUInt16LE(nameBuf.length, 26);
    const cen = Buffer.alloc(46);
    cen.writeUInt32LE(CEN, 0);
    cen.writeUInt16LE((3 << 8) | 20, 4);
    cen.writeUInt16LE(20, 6);
    cen.writeUInt16LE(8, 10);
    cen.writeUInt32LE(crc, 16);
    cen.writeUInt32LE(comp.length, 20);
    cen.writeUInt32LE(data.length, 24);
    cen.writeUInt16LE(nameBuf.length, 28);
    cen.writeUInt32LE(((0o100000 | mode) << 16) >>> 0, 38);
    cen.writeUInt32LE(offset, 42);
    locals.push(loc, nameBuf, comp);
    central.push(cen, nameBuf);
    offset += 30 + nameBuf.length + comp.length;
  }
  const cd = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(EOCD, 0);
  const n = Object.keys(files).length;
  end.writeUInt16LE(n, 8);
  end.writeUInt16LE(n, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}
