import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { migrate } from './migrate.ts';

export type Db = Database.Database;

/**
 * Opens the state database. WAL + synchronous=NORMAL: a committed transaction is in the OS page cache
 * before the API answers, so it survives `kill -9` of Nimbus (not a power cut: that would need FULL,
 * which costs an fsync per write; use NIMBUS_SYNC=full if you want that).
 */
export function openDb(path: string | ':memory:'): Db {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${process.env.NIMBUS_SYNC === 'full' ? 'FULL' : 'NORMAL'}`);
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db);
  return db;
}
