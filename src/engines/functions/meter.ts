import type { Db } from '../../store/db.ts';
import type { UsageRecord } from './types.ts';

/**
 * Usage metering: one lambda_usage row per invocation (requests, duration at 1 ms granularity, GB-seconds), for
 * billing. Rows are buffered and written in one transaction every 200 ms (and at close), off the invoke path.
 */
export class UsageMeter {
  private buf: UsageRecord[] = [];
  private timer?: NodeJS.Timeout;
  private insert;

  constructor(private db: Db) {
    this.insert = db.prepare(`INSERT INTO lambda_usage (account, region, function_arn, version, request_id, started_at, duration_ms, billed_ms, memory_mb, gb_seconds, init_ms, outcome)
      VALUES (@account, @region, @functionArn, @version, @requestId, @startedAt, @durationMs, @billedMs, @memoryMiB, @gbSeconds, @initMs, @outcome)`);
  }

  record(r: UsageRecord): void {
    this.buf.push(r);
    if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), 200);
      this.timer.unref();
    }
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.buf.length) return;
    const rows = this.buf;
    this.buf = [];
    this.db.transaction(() => {
      for (const r of rows) this.insert.run(r);
    })();
  }

  /** Totals per function (tests and the billing service). */
  totals(account: string, region: string): { functionArn: string; requests: number; billedMs: number; gbSeconds: number }[] {
    this.flush();
    return this.db.prepare(`SELECT function_arn AS functionArn, COUNT(*) AS requests, SUM(billed_ms) AS billedMs, SUM(gb_seconds) AS gbSeconds
      FROM lambda_usage WHERE account = ? AND region = ? GROUP BY function_arn ORDER BY function_arn`).all(account, region) as never;
  }

  /** Requests and GB-seconds (billed ms × memory) per function per UTC hour in [fromMs, toMs) (the billing engine). */
  hourly(account: string, fromMs: number, toMs: number): { region: string; functionArn: string; hourMs: number; requests: number; gbSeconds: number }[] {
    this.flush();
    return this.db.prepare(`SELECT region, function_arn AS functionArn, CAST(started_at / 3600000 AS INTEGER) * 3600000 AS hourMs, COUNT(*) AS requests,
      SUM(billed_ms * memory_mb) / 1024000.0 AS gbSeconds
      FROM lambda_usage WHERE account = ? AND started_at >= ? AND started_at < ? GROUP BY region, function_arn, hourMs ORDER BY hourMs, region, function_arn`)
      .all(account, fromMs, toMs) as never;
  }

  close(): void {
    this.flush();
  }
}
