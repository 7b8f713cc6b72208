import type { MessageAttributes } from './types.ts';

// Message states. Counters per state give ApproximateNumberOfMessages (READY), ...NotVisible (INFLIGHT)
// and ...Delayed (DELAYED) without scanning.
export const DELAYED = 0;
export const READY = 1;
export const INFLIGHT = 2;
export const NEW = 3;
export const GONE = 4;
export type MsgState = typeof DELAYED | typeof READY | typeof INFLIGHT | typeof NEW | typeof GONE;

export interface MsgInit {
  mid: number;
  queueId: number;
  messageId: string;
  body: string;
  md5Body: string;
  attrs?: MessageAttributes;
  md5Attrs?: string;
  sysAttrs?: MessageAttributes;
  md5Sys?: string;
  senderId: string;
  sentAt: number;
  visibleAt: number;
  receiveCount: number;
  firstReceiveAt: number;
  groupId?: string;
  dedupId?: string;
  seqNo?: string;
  dlqSource?: string;
}

/** One message entry in one queue (a dead-lettered or redriven copy is a new Msg with the same messageId). */
export class Msg {
  mid: number;
  queueId: number;
  messageId: string;
  body: string;
  md5Body: string;
  attrs: MessageAttributes | undefined;
  md5Attrs: string | undefined;
  sysAttrs: MessageAttributes | undefined;
  md5Sys: string | undefined;
  senderId: string;
  sentAt: number;
  /** Delay end or visibility deadline (epoch ms). */
  visibleAt: number;
  receiveCount: number;
  /** 0 until first received. */
  firstReceiveAt: number;
  groupId: string | undefined;
  dedupId: string | undefined;
  seqNo: string | undefined;
  dlqSource: string | undefined;
  state: MsgState = NEW;
  /** Bumped on every state change; heap/list entries from an older epoch are ignored. */
  epoch = 0;
  /** The row exists in SQLite. */
  persisted = false;
  /** When it was last received (not persisted): bounds the 12-hour total visibility. */
  receivedAt = 0;

  constructor(i: MsgInit) {
    this.mid = i.mid;
    this.queueId = i.queueId;
    this.messageId = i.messageId;
    this.body = i.body;
    this.md5Body = i.md5Body;
    this.attrs = i.attrs;
    this.md5Attrs = i.md5Attrs;
    this.sysAttrs = i.sysAttrs;
    this.md5Sys = i.md5Sys;
    this.senderId = i.senderId;
    this.sentAt = i.sentAt;
    this.visibleAt = i.visibleAt;
    this.receiveCount = i.receiveCount;
    this.firstReceiveAt = i.firstReceiveAt;
    this.groupId = i.groupId;
    this.dedupId = i.dedupId;
    this.seqNo = i.seqNo;
    this.dlqSource = i.dlqSource;
  }
}
