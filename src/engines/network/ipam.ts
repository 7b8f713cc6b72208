// IPv4 address management for subnets. AWS reserves the first four addresses and the last one of
// every subnet (network, router, DNS, future use, broadcast); Nimbus does the same.

export function ipToInt(ip: string): number {
  const p = ip.split('.').map(Number);
  return ((p[0] << 24) >>> 0) + (p[1] << 16) + (p[2] << 8) + p[3];
}

export function intToIp(n: number): string {
  return [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function parseCidr(cidr: string): { base: number; prefix: number; size: number } {
  const [ip, p] = cidr.split('/');
  const prefix = Number(p);
  const size = 2 ** (32 - prefix);
  const base = (ipToInt(ip) & (prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0)) >>> 0;
  return { base, prefix, size };
}

export function cidrContains(cidr: string, ip: string): boolean {
  const { base, size } = parseCidr(cidr);
  const n = ipToInt(ip);
  return n >= base && n < base + size;
}

export function isValidCidr(cidr: string): boolean {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  return !!m && m.slice(1, 5).every((o) => Number(o) <= 255) && Number(m[5]) <= 32;
}

/** Lowest free address of the subnet, or undefined when it is full. */
export function allocateIp(subnetCidr: string, used: Set<string>, reserved: Set<string> = new Set()): string | undefined {
  const { base, size } = parseCidr(subnetCidr);
  for (let n = base + 4; n < base + size - 1; n++) {
    const ip = intToIp(n);
    if (!used.has(ip) && !reserved.has(ip)) return ip;
  }
  return undefined;
}

/** A stable locally-administered MAC for an IP (AWS ENIs have 0e/02 prefixes too). */
export function macFor(ip: string): string {
  const n = ipToInt(ip);
  return ['02', '4e', ...[24, 16, 8, 0].map((s) => ((n >>> s) & 255).toString(16).padStart(2, '0'))].join(':');
}
