import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level = process.env.NIMBUS_LOG_LEVEL ?? 'info'): Logger {
  return pino({ level, base: undefined });
}

/** A logger that drops everything (tests). */
export const silentLogger: Logger = pino({ level: 'silent' });
