/** Where a log group lives. */
export interface GroupRef {
  account: string;
  region: string;
  name: string;
}

export interface StreamRef extends GroupRef {
  stream: string;
}

export interface LogGroupState {
  id: number;
  account: string;
  region: string;
  name: string;
  createdAt: number;
  retentionDays?: number;
  kmsKeyId?: string;
  logGroupClass: string;
  tags: Record<string, string>;
  streams: Map<string, LogStreamState>;
}

export interface LogStreamState {
  id: number;
  groupId: number;
  name: string;
  createdAt: number;
  firstEventTs?: number;
  lastEventTs?: number;
  lastIngestion?: number;
  storedBytes: number;
}

/** One event as given to putLogEvents / appendEvents. */
export interface InputEvent {
  /** Milliseconds since the epoch; appendEvents defaults it to the clock's now. */
  timestamp?: number;
  message: string;
}

/** One stored event. `id` is the eventId (increasing in ingestion order). */
export interface LogEvent {
  id: number;
  groupId: number;
  streamId: number;
  stream: string;
  timestamp: number;
  ingestionTime: number;
  message: string;
}

export interface RejectedInfo {
  tooNewLogEventStartIndex?: number;
  tooOldLogEventEndIndex?: number;
  expiredLogEventEndIndex?: number;
}
