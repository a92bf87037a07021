/**
 * The bouncer's database: one SQLite file under `<dataDir>/bouncer/` (better-sqlite3), or
 * `:memory:` running the same SQL for unit tests. Migrations run at open; a restarted bouncer
 * on the same file keeps everything.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { MIGRATIONS } from './migrations';

export type Db = Database.Database;

export const DB_FILE_NAME = 'bouncer.sqlite3';

export function openDatabase(file: string | ':memory:'): Db {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  if (file !== ':memory:') db.pragma('journal_mode = WAL');
  // WAL + NORMAL: a committed write is in the WAL before the response goes out, so it survives
  // a crash (even SIGKILL) of the bouncer process; only a power loss could lose the last
  // commits. FULL would fsync every request's last_request_datetime update (6x slower).
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  migrate(db);
  return db;
}

export function migrate(db: Db): void {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at REAL NOT NULL)`);
  const applied = new Set(
    db.prepare('SELECT version FROM schema_migrations').pluck().all() as number[],
  );
  for (const m of MIGRATIONS) {
    if (applied.has(m.version)) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
        m.version,
        m.name,
        Date.now() / 1000,
      );
    })();
  }
}
