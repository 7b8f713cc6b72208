// Receipt handles are opaque to clients but carry what we need to judge them without a lookup table:
// the queue's numeric id, the message row, the receive count at the time (so a handle from an earlier receive
// is recognisably stale) and the MessageId (so a row id reused after a restart cannot match an old handle).

export interface Receipt {
  queueId: number;
  mid: number;
  receiveCount: number;
  messageId: string;
}

const VERSION = 'N1';

export function encodeReceipt(r: Receipt): string {
  return Buffer.from(`${VERSION}:${r.queueId}:${r.mid}:${r.receiveCount}:${r.messageId}`, 'utf8').toString('base64url');
}

export function decodeReceipt(handle: string): Receipt | undefined {
  if (typeof handle !== 'string' || handle.length === 0 || handle.length > 1024) return undefined;
  const parts = Buffer.from(handle, 'base64url').toString('utf8').split(':');
  if (parts.length !== 5 || parts[0] !== VERSION) return undefined;
  const [queueId, mid, receiveCount] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  if (![queueId, mid, receiveCount].every((n) => Number.isSafeInteger(n) && n >= 0)) return undefined;
  return { queueId, mid, receiveCount, messageId: parts[4]! };
}
