// Decoder for the LZ4 "legacy" frame the Linux build uses for CONFIG_KERNEL_LZ4 (`lz4 -l`): a magic
// number, then blocks of at most 8 MiB each prefixed by their compressed length. Node has no LZ4, and
// Debian's cloud kernel is LZ4-compressed, so the image builder decodes it here instead of needing
// the lz4 tool. Only what the kernel payload uses is implemented.

const LEGACY_MAGIC = 0x184c2102;

/** Decodes one LZ4 block (src[start..end)) into dst at `at`; returns the new write position. */
export function lz4Block(src: Uint8Array, start: number, end: number, dst: Uint8Array, at: number): number {
  let s = start;
  let d = at;
  while (s < end) {
    const token = src[s++];
    let literals = token >> 4;
    if (literals === 15) {
      let b: number;
      do {
        b = src[s++];
        literals += b;
      } while (b === 255 && s < end);
    }
    if (s + literals > end || d + literals > dst.length) throw new Error('lz4: literal run past the end');
    dst.set(src.subarray(s, s + literals), d);
    s += literals;
    d += literals;
    if (s >= end) break; // the last sequence carries literals only
    const offset = src[s] | (src[s + 1] << 8);
    s += 2;
    if (offset === 0 || offset > d) throw new Error('lz4: bad match offset');
    let match = token & 15;
    if (match === 15) {
      let b: number;
      do {
        b = src[s++];
        match += b;
      } while (b === 255 && s < end);
    }
    match += 4;
    if (d + match > dst.length) throw new Error('lz4: match past the end of the output');
    // Byte by byte: a match may overlap the bytes it is producing (offset < length).
    for (let i = 0; i < match; i++, d++) dst[d] = dst[d - offset];
  }
  return d;
}

/** Decodes a legacy-frame stream whose decompressed size is known (the kernel appends it). */
export function lz4Legacy(src: Uint8Array, size: number): Uint8Array {
  const view = new DataView(src.buffer, src.byteOffset, src.byteLength);
  if (src.length < 8 || view.getUint32(0, true) !== LEGACY_MAGIC) throw new Error('lz4: not a legacy frame');
  const dst = new Uint8Array(size);
  let s = 4;
  let d = 0;
  while (s + 4 <= src.length && d < size) {
    const len = view.getUint32(s, true);
    s += 4;
    if (len === LEGACY_MAGIC) continue; // concatenated frames
    if (s + len > src.length) throw new Error('lz4: truncated block');
    d = lz4Block(src, s, s + len, dst, d);
    s += len;
  }
  if (d !== size) throw new Error(`lz4: decoded ${d} bytes, expected ${size}`);
  return dst;
}
