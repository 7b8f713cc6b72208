import type { EngineContext } from './context.ts';
import { copyInto, enqueue } from './delivery.ts';
import { InvalidParameterValue, ResourceNotFoundException } from './errors.ts';
import type { QueueState } from './queue-state.ts';
import type { TaskRow } from './store.ts';
import type { MoveTaskEntry } from './types.ts';

const DEFAULT_RATE = 500; // AWS's maximum; without a limit we move at that pace
const TICK_MS = 1000;

interface Task {
  row: TaskRow;
  timer?: unknown;
}

function handleOf(row: TaskRow): string {
  return Buffer.from(JSON.stringify({ taskId: row.id, sourceArn: row.source_arn }), 'utf8').toString('base64');
}

/**
 * Message move tasks (dead-letter queue redrive): move the messages that were visible in a DLQ when the task
 * started back to their source queues (or to one destination), at most MaxNumberOfMessagesPerSecond per second.
 * They run in the background on the scheduler, persist their progress, and resume after a restart. Each move
 * (delete from the DLQ + insert in the destination) lands in the same group commit, so it is atomic.
 */
export class MoveTasks {
  private tasks = new Map<string, Task>();

  constructor(private ctx: EngineContext) {}

  load(): void {
    for (const row of this.ctx.store.loadTasks()) {
      const t: Task = { row };
      this.tasks.set(row.id, t);
      if (row.status === 'RUNNING') this.arm(t, 0);
    }
  }

  stop(): void {
    for (const t of this.tasks.values()) if (t.timer !== undefined) this.ctx.sched.clearTimeout(t.timer);
  }

  start(input: { sourceArn: string; destinationArn?: string; maxNumberOfMessagesPerSecond?: number }): { taskHandle: string } {
    const { ctx } = this;
    const source = ctx.byArn.get(input.sourceArn);
    if (!source) throw new ResourceNotFoundException();
    const isDlq = [...ctx.byId.values()].some((q) => q.config.redrivePolicy?.deadLetterTargetArn === source.arn);
    if (!isDlq) throw new InvalidParameterValue('Source queue must be configured as a Dead Letter Queue.');
    if (input.destinationArn !== undefined && !ctx.byArn.has(input.destinationArn))
      throw new ResourceNotFoundException('The resource that you specified for the DestinationArn parameter doesn\'t exist.');
    const rate = input.maxNumberOfMessagesPerSecond;
    if (rate !== undefined && (!Number.isInteger(rate) || rate < 1 || rate > 500))
      throw new InvalidParameterValue(`Value ${rate} for parameter MaxNumberOfMessagesPerSecond is invalid. Reason: Must be between 1 and 500.`);
    for (const t of this.tasks.values())
      if (t.row.source_arn === source.arn && t.row.status === 'RUNNING')
        throw new InvalidParameterValue('There is already a task running. Only one active task is allowed for a source queue arn at a given time.');
    const now = ctx.clock.now();
    source.promote(now);
    const row: TaskRow = {
      id: ctx.ids.requestId(), account: source.account, region: source.region, source_arn: source.arn,
      destination_arn: input.destinationArn ?? null, max_per_second: rate ?? null, status: 'RUNNING',
      moved: 0, to_move: source.counts[1]!, failure_reason: null, started_at: now,
    };
    ctx.store.insertTask(row);
    const t: Task = { row };
    this.tasks.set(row.id, t);
    this.arm(t, 0);
    return { taskHandle: handleOf(row) };
  }

  cancel(taskHandle: string): { approximateNumberOfMessagesMoved: number } {
    let id: string | undefined;
    try {
      id = (JSON.parse(Buffer.from(taskHandle, 'base64').toString('utf8')) as { taskId?: string }).taskId;
    } catch {
      /* unknown handle */
    }
    const t = id === undefined ? undefined : this.tasks.get(id);
    if (!t || t.row.status !== 'RUNNING') throw new ResourceNotFoundException('Task does not exist.');
    this.finish(t, 'CANCELLED');
    return { approximateNumberOfMessagesMoved: t.row.moved };
  }

  list(sourceArn: string, maxResults = 1): MoveTaskEntry[] {
    if (!this.ctx.byArn.has(sourceArn)) throw new ResourceNotFoundException();
    if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > 10)
      throw new InvalidParameterValue(`Value ${maxResults} for parameter MaxResults is invalid. Reason: Must be between 1 and 10.`);
    return [...this.tasks.values()]
      .map((t) => t.row)
      .filter((r) => r.source_arn === sourceArn)
      .reverse()
      .slice(0, maxResults)
      .map((r) => ({
        ...(r.status === 'RUNNING' ? { taskHandle: handleOf(r) } : {}),
        status: r.status,
        sourceArn: r.source_arn,
        ...(r.destination_arn ? { destinationArn: r.destination_arn } : {}),
        ...(r.max_per_second !== null ? { maxNumberOfMessagesPerSecond: r.max_per_second } : {}),
        approximateNumberOfMessagesMoved: r.moved,
        approximateNumberOfMessagesToMove: r.to_move,
        ...(r.failure_reason ? { failureReason: r.failure_reason } : {}),
        startedTimestamp: r.started_at,
      }));
  }

  private arm(t: Task, ms: number): void {
    t.timer = this.ctx.sched.setTimeout(() => {
      t.timer = undefined;
      this.tick(t);
    }, ms);
  }

  private finish(t: Task, status: TaskRow['status'], reason?: string): void {
    if (t.timer !== undefined) this.ctx.sched.clearTimeout(t.timer);
    t.timer = undefined;
    t.row.status = status;
    t.row.failure_reason = reason ?? null;
    this.ctx.store.updateTask(t.row.id, status, t.row.moved, t.row.failure_reason);
  }

  private tick(t: Task): void {
    const { ctx } = this;
    if (ctx.closed || t.row.status !== 'RUNNING') return;
    const source = ctx.byArn.get(t.row.source_arn);
    if (!source) return this.finish(t, 'FAILED', 'The source queue no longer exists.');
    const fixed = t.row.destination_arn ? ctx.byArn.get(t.row.destination_arn) : undefined;
    if (t.row.destination_arn && !fixed) return this.finish(t, 'FAILED', 'The destination queue no longer exists.');
    const now = ctx.clock.now();
    const want = Math.min(t.row.max_per_second ?? DEFAULT_RATE, t.row.to_move - t.row.moved);
    const batch = want > 0 ? source.drain(want, now) : [];
    let failure: string | undefined;
    for (const m of batch) {
      ctx.writer.touch(m);
      const dest: QueueState | undefined = fixed ?? (m.dlqSource ? ctx.byArn.get(m.dlqSource) : undefined);
      if (!dest || failure) {
        failure ??= `The source queue of message ${m.messageId} (${m.dlqSource ?? 'unknown'}) does not exist.`;
        enqueue(ctx, source, copyInto(ctx, m, source, now, {}), now); // stays in the DLQ
        continue;
      }
      const patch: Parameters<typeof copyInto>[4] = { receiveCount: 0, firstReceiveAt: 0, dlqSource: undefined, sentAt: now };
      if (dest.fifo) {
        dest.fifoSeq += 1;
        patch.seqNo = (10n ** 19n + BigInt(dest.fifoSeq)).toString();
        patch.groupId = m.groupId ?? 'redrive';
        ctx.writer.sequence(dest.id, dest.fifoSeq);
      }
      enqueue(ctx, dest, copyInto(ctx, m, dest, now, patch), now);
      t.row.moved++;
    }
    ctx.writer.schedule();
    if (failure) return this.finish(t, 'FAILED', failure);
    if (t.row.moved >= t.row.to_move || batch.length < want) return this.finish(t, 'COMPLETED');
    ctx.store.updateTask(t.row.id, 'RUNNING', t.row.moved, null);
    this.arm(t, TICK_MS);
  }
}
