import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import {
  Kysely, type MigrationResultSet, Migrator, PostgresAdapter, PostgresDialect, type RawBuilder,
  type SqlBool, SqliteDialect, sql,
} from 'kysely';
import pg from 'pg';
import { StartupError } from '../startup-error.js';
import { migrations } from './migrations/index.js';
import type { KeyMove } from './migrations/0009-key-files.js';
import type { Schema } from './schema.js';

export type Dialect = 'sqlite' | 'postgres';

/** The query layer: a Kysely instance typed with the schema; a transaction is one too. */
export type Db = Kysely<Schema>;

/** The open database: the query layer, its dialect, a health check and close. */
export interface Database {
  db: Db;
  dialect: Dialect;
  /** True when the database answers a trivial query. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  dataDir: string;
  /** null for SQLite in dataDir, or a postgres:// URL. */
  databaseUrl: string | null;
  /**
   * Told when an idle PostgreSQL connection fails (the server restarted, say). The pool
   * drops that connection and opens a new one for the next query.
   */
  onConnectionError?: (error: Error) => void;
  /**
   * Where migration 0009-key-files writes the private keys it moves out of the database,
   * and the storage key they were encrypted with. Without it a database that still holds
   * keys refuses to migrate.
   */
  keyMove?: KeyMove;
}

function postgresDialect(options: DatabaseOptions, url: string): PostgresDialect {
  const pool = new pg.Pool({ connectionString: url });
  // Without a listener such an error would end the process.
  pool.on('error', (error) => options.onConnectionError?.(error));
  return new PostgresDialect({ pool });
}

function sqliteDialect(dataDir: string): SqliteDialect {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const path = join(dataDir, 'identity.db');
  const file = new SQLite(path);
  // Owner-only: the file holds password hashes and encrypted credentials. SQLite gives
  // its -wal and -shm files the same mode.
  chmodSync(path, 0o600);
  file.pragma('journal_mode = WAL');
  file.pragma('synchronous = NORMAL');
  file.pragma('foreign_keys = ON');
  file.pragma('busy_timeout = 5000');
  return new SqliteDialect({ database: withStatementCache(file) });
}

/**
 * What a transaction begins with on SQLite. The query layer begins them deferred: the
 * write lock is asked for at the first write, and when another process (a second
 * service on the same data, an operator command) has written since the transaction's
 * first read, SQLite refuses at once with "database is locked", without waiting out the
 * busy timeout. Taking the lock at the start makes such a transaction wait its turn. In
 * one process the query layer runs transactions one at a time anyway.
 */
const BEGIN_WRITE = 'begin immediate';

/** Prepared statements kept per SQL text; beyond this the oldest is dropped. */
const STATEMENT_CACHE_SIZE = 500;

/**
 * Reuses prepared statements. The query layer asks SQLite to prepare every query anew,
 * which cost about a tenth of the service's time in a sign-in; the same few SQL texts
 * come back on every request. Nothing here streams rows (which would hold a statement
 * busy), so one statement per text is enough. A transaction's `begin` is made
 * BEGIN_WRITE here.
 */
function withStatementCache(file: SQLite.Database): SQLite.Database {
  const cache = new Map<string, SQLite.Statement>();
  const prepare = file.prepare.bind(file);
  file.prepare = ((text: string) => {
    const source = text === 'begin' ? BEGIN_WRITE : text;
    let statement = cache.get(source);
    if (!statement) {
      statement = prepare(source);
      if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
      cache.set(source, statement);
    }
    return statement;
  }) as SQLite.Database['prepare'];
  return file;
}

/** Opens the database and brings its schema up to date with the versioned migrations. */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  const dialect: Dialect = options.databaseUrl ? 'postgres' : 'sqlite';
  const db = new Kysely<Schema>({
    dialect: options.databaseUrl
      ? postgresDialect(options, options.databaseUrl)
      : sqliteDialect(options.dataDir),
  });
  await migrate(db, dialect, options.keyMove ?? null).catch(async (error: unknown) => {
    await db.destroy();
    throw error;
  });
  return {
    db,
    dialect,
    async ping() {
      try {
        await sql`select 1`.execute(db);
        return true;
      } catch {
        return false;
      }
    },
    close: () => db.destroy(),
  };
}

async function migrate(db: Kysely<Schema>, dialect: Dialect, keyMove: KeyMove | null):
  Promise<void> {
  const run = (on: Kysely<Schema>) => new Migrator({
    db: on,
    provider: { getMigrations: async () => migrations(dialect, keyMove) },
  }).migrateToLatest();
  // PostgreSQL: the migrator holds an advisory lock while it works.
  const { error } = dialect === 'sqlite' ? await migrateAlone(db, run) : await run(db);
  if (error) throw error;
}

/**
 * Runs the SQLite migrations inside one write transaction, taken before the migrator
 * reads which have run. The migrator takes no lock on SQLite, so two processes starting
 * on a fresh data directory both found the schema missing, and the second failed on the
 * tables the first had just made. Now the second waits for the first (up to
 * busy_timeout), then finds nothing left to do. A failed migration leaves nothing behind.
 */
async function migrateAlone(db: Kysely<Schema>, run: (on: Kysely<Schema>) =>
  Promise<MigrationResultSet>): Promise<MigrationResultSet> {
  return db.connection().execute(async (conn) => {
    await beginMigration(conn);
    try {
      const result = await run(conn);
      await (result.error ? sql`rollback` : sql`commit`).execute(conn);
      return result;
    } catch (error) {
      await sql`rollback`.execute(conn);
      throw error;
    }
  });
}

/** Takes SQLite's write lock; a StartupError when another process keeps it too long. */
async function beginMigration(conn: Kysely<Schema>): Promise<void> {
  try {
    await sql`begin immediate`.execute(conn);
  } catch (error) {
    if ((error as { code?: string }).code !== 'SQLITE_BUSY') throw error;
    throw new StartupError('another process holds the database in DATA_DIR locked (a '
      + 'second service on the same data?): stop it, or start this one again later',
    'SQLITE_BUSY');
  }
}

/** True when a write failed on a unique constraint (SQLite or PostgreSQL). */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: string } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY'
    || code === '23505';
}

/**
 * SQL condition: the column, lower-cased, contains `text` in any letter case. `%`, `_`
 * and `\\` in `text` match themselves. The escape character is named explicitly because
 * SQLite's LIKE has none by default while PostgreSQL's is the backslash.
 */
export function containsText(column: string, text: string): RawBuilder<SqlBool> {
  const pattern = `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return sql<SqlBool>`lower(${sql.ref(column)}) like ${pattern} escape '\\'`;
}

/** Key of the PostgreSQL advisory lock that orders change feed writers. */
const FEED_LOCK = 7_240_001;

/**
 * Makes writers of the change feed take turns until they commit. Feed readers keep a
 * cursor on the sequence number; on PostgreSQL two transactions could otherwise commit
 * out of sequence order, and a reader that had already moved past the later number would
 * never see the earlier one. SQLite lets one writer at a time in, so it needs nothing.
 */
export async function serializeChangeFeed(trx: Db): Promise<void> {
  // getExecutor is the only way Kysely tells which dialect a transaction speaks.
  if (!(trx.getExecutor().adapter instanceof PostgresAdapter)) return;
  await sql`select pg_advisory_xact_lock(${FEED_LOCK}::bigint)`.execute(trx);
}

/** The current time as stored: ISO-8601 UTC with milliseconds. */
export function now(): string {
  return new Date().toISOString();
}
