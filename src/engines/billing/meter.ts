import type { Db } from '../../store/db.ts';
import type { Meter, UsageInterval } from './types.ts';

interface Row {
  account: string; region: string; az: string; kind: UsageInterval['kind']; resource_id: string;
  instance_type: string | null; host_family: string | null; market: UsageInterval['market']; tenancy: UsageInterval['tenancy'];
  host_id: string | null; vcpu: number | null; memory_gib: number | null; start_ms: number; end_ms: number | null;
}

/** A raw row of the range query (columns in RANGE_COLUMNS order) → UsageInterval, without spreads. */
const RANGE_COLUMNS = 'account, region, az, kind, resource_id, instance_type, host_family, market, tenancy, host_id, vcpu, memory_gib, start_ms, end_ms, id';
type RawRow = [string, string, string, UsageInterval['kind'], string, string | null, string | null, UsageInterval['market'], UsageInterval['tenancy'], string | null, number | null, number | null, number, number | null, number];

function fromRaw(r: RawRow): UsageInterval {
  const u: UsageInterval = { account: r[0], region: r[1], az: r[2], kind: r[3], resourceId: r[4], market: r[7], tenancy: r[8], startMs: r[12], endMs: r[13] };
  if (r[5] !== null) u.instanceType = r[5];
  if (r[6] !== null) u.hostFamily = r[6];
  if (r[9] !== null) u.hostId = r[9];
  if (r[10] !== null) u.vcpu = r[10];
  if (r[11] !== null) u.memoryGiB = r[11];
  return u;
}

const toInterval = (r: Row): UsageInterval => fromRaw([r.account, r.region, r.az, r.kind, r.resource_id, r.instance_type, r.host_family, r.market, r.tenancy, r.host_id, r.vcpu, r.memory_gib, r.start_ms, r.end_ms, 0]);

/**
 * The usage_intervals table. open/close are single prepared statements (no transaction of their own), so EC2 can
 * call them inside its state-change transactions: the interval commits or rolls back with the state change.
 */
export class UsageMeter implements Meter {
  private readonly insert;
  private readonly closeStmt;
  private readonly overlapping;
  private readonly openOf;

  constructor(db: Db) {
    // INSERT OR IGNORE against the partial unique index (resource_id WHERE end_ms IS NULL): a second open while one is
    // open is a no-op, also after a restart.
    this.insert = db.prepare(`INSERT OR IGNORE INTO usage_intervals
      (account, region, az, kind, resource_id, instance_type, host_family, market, tenancy, host_id, vcpu, memory_gib, start_ms, end_ms)
      VALUES (@account, @region, @az, @kind, @resourceId, @instanceType, @hostFamily, @market, @tenancy, @hostId, @vcpu, @memoryGiB, @startMs, NULL)`);
    // An interval never ends before it starts (a clock that moved back, a close replayed late).
    this.closeStmt = db.prepare('UPDATE usage_intervals SET end_ms = MAX(start_ms, ?) WHERE resource_id = ? AND end_ms IS NULL');
    const cols = RANGE_COLUMNS;
    // Two index range scans on (account, end_ms): closed intervals ending after the range start, and open ones.
    this.overlapping = db.prepare(`SELECT ${cols} FROM usage_intervals WHERE account = @account AND end_ms > @from AND start_ms < @to
      UNION ALL SELECT ${cols} FROM usage_intervals WHERE account = @account AND end_ms IS NULL AND start_ms < @to
      ORDER BY start_ms, id`).raw(true);
    this.openOf = db.prepare('SELECT * FROM usage_intervals WHERE resource_id = ? AND end_ms IS NULL');
  }

  open(u: Omit<UsageInterval, 'endMs'>): void {
    this.insert.run({
      account: u.account, region: u.region, az: u.az, kind: u.kind, resourceId: u.resourceId,
      instanceType: u.instanceType ?? null, hostFamily: u.hostFamily ?? null, market: u.market, tenancy: u.tenancy,
      hostId: u.hostId ?? null, vcpu: u.vcpu ?? null, memoryGiB: u.memoryGiB ?? null, startMs: Math.floor(u.startMs),
    });
  }

  close(resourceId: string, atMs: number): void {
    this.closeStmt.run(Math.floor(atMs), resourceId);
  }

  /** Intervals of an account that overlap [fromMs, toMs), oldest first (open ones have endMs null). */
  intervals(account: string, fromMs: number, toMs: number): UsageInterval[] {
    return (this.overlapping.all({ account, from: fromMs, to: toMs }) as RawRow[]).map(fromRaw);
  }

  /** The open interval of a resource, if any. */
  openInterval(resourceId: string): UsageInterval | undefined {
    const r = this.openOf.get(resourceId) as Row | undefined;
    return r && toInterval(r);
  }
}
