import { randomBytes, randomUUID } from 'node:crypto';

// AWS resource ids are a prefix plus 17 lowercase hex digits (i-0123456789abcdef0).
export interface IdSource {
  /** e.g. next('i') → 'i-0a1b2c3d4e5f60718' */
  next(prefix: string): string;
  requestId(): string;
}

export const randomIds: IdSource = {
  next: (prefix) => `${prefix}-${randomBytes(9).toString('hex').slice(0, 17)}`,
  requestId: () => randomUUID(),
};

/** Deterministic ids for tests. */
export class SequentialIds implements IdSource {
  private n = 0;
  next(prefix: string): string {
    this.n += 1;
    return `${prefix}-${this.n.toString(16).padStart(17, '0')}`;
  }
  requestId(): string {
    this.n += 1;
    return `00000000-0000-4000-8000-${this.n.toString(16).padStart(12, '0')}`;
  }
}
