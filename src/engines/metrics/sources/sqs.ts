import type { QueueEngine } from '../../queue/index.ts';
import type { MetricsSource, Scope, SourceDatum } from '../types.ts';

/**
 * AWS/SQS per QueueName: ApproximateNumberOfMessagesVisible, ApproximateNumberOfMessagesNotVisible,
 * ApproximateNumberOfMessagesDelayed (Count), from the queue engine's public API.
 * The queue engine lists queues per account and region only, so `scopes()` says which to look at (app.ts: the
 * default account/region plus every scope that has metrics or alarms).
 */
export function sqsSource(queues: QueueEngine, scopes: () => Scope[]): MetricsSource {
  return {
    name: 'sqs',
    collect(now: number): SourceDatum[] {
      const out: SourceDatum[] = [];
      const seen = new Set<string>();
      for (const s of scopes()) {
        const k = `${s.account}\u0000${s.region}`;
        if (seen.has(k)) continue;
        seen.add(k);
        let token: string | undefined;
        do {
          const page = queues.listQueues(s.account, s.region, { maxResults: 1000, nextToken: token });
          token = page.nextToken;
          for (const q of page.queues) {
            let a: Record<string, string>;
            try {
              a = queues.getQueueAttributes(q, ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed']);
            } catch {
              continue; // deleted meanwhile
            }
            const base = { account: q.account, region: q.region, namespace: 'AWS/SQS', unit: 'Count', timestamp: now, dimensions: [{ name: 'QueueName', value: q.name }] };
            out.push({ ...base, metricName: 'ApproximateNumberOfMessagesVisible', value: Number(a.ApproximateNumberOfMessages ?? 0) });
            out.push({ ...base, metricName: 'ApproximateNumberOfMessagesNotVisible', value: Number(a.ApproximateNumberOfMessagesNotVisible ?? 0) });
            out.push({ ...base, metricName: 'ApproximateNumberOfMessagesDelayed', value: Number(a.ApproximateNumberOfMessagesDelayed ?? 0) });
          }
        } while (token);
      }
      return out;
    },
  };
}
