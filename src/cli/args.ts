/** Tiny flag parser: --name value, --name=value, --flag. Positional args are kept in order. */
export function parseArgs(argv: string[]): { positional: string[]; flags: Record<string, string | true>; rest: string[] } {
  const positional: string[] = [];
  const flags: Record<string, string | true> = {};
  let rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      rest = argv.slice(i + 1);
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      if (eq > 0) flags[a.slice(2, eq)] = a.slice(eq + 1);
      else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) flags[a.slice(2)] = argv[++i];
      else flags[a.slice(2)] = true;
    } else positional.push(a);
  }
  return { positional, flags, rest };
}

/** The Nimbus the CLI talks to: --endpoint, else AWS_ENDPOINT_URL, else 127.0.0.1 on --port / NIMBUS_PORT / 4566. */
export function endpointOf(flags: Record<string, string | true>): string {
  if (typeof flags.endpoint === 'string') return flags.endpoint.replace(/\/$/, '');
  return process.env.AWS_ENDPOINT_URL ?? `http://127.0.0.1:${flags.port ?? process.env.NIMBUS_PORT ?? 4566}`;
}
