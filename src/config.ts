import { statSync } from 'node:fs';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';

/**
 * Settings of the service, read from the environment. Every option has a default that
 * runs on a laptop; `loadConfig` validates all of them at once and refuses to start
 * with the whole list of problems.
 */
export interface Config {
  /** TCP port to listen on. Default 8080. */
  port: number;
  /** Address to listen on. Default 127.0.0.1 (loopback only, the safe choice). */
  host: string;
  /** Base of every URL the service hands out (entity IDs, metadata, links). No trailing slash. */
  publicUrl: string;
  /** Folder for the database, generated secrets and outgoing mail. */
  dataDir: string;
  /**
   * File of the generated secrets (session secret, storage key). Default
   * `<dataDir>/secrets.json`. It belongs to the database: back both up together.
   */
  secretsFile: string;
  /**
   * Folder for the applications' signing key pairs and certificates, one folder per
   * application (0700), private keys 0600. Back it up with the database.
   */
  certsDir: string;
  /** `sqlite` (default, file in dataDir) or a `postgres://` URL. */
  databaseUrl: string | null;
  /** Log level for the structured logger. */
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** scrypt cost as log2(N). 15 (32 MiB per hash) by default; lower only for tests. */
  passwordHashCost: number;
  /** Validity of generated application certificates, in days. Default 3650. */
  certificateValidityDays: number;
  /** Largest request body accepted, in bytes. Default 256 KiB. */
  maxBodyBytes: number;
  /**
   * On SIGTERM, how long requests in flight may take to finish, in seconds, before their
   * connections are cut. Default 30.
   */
  shutdownGraceSeconds: number;
  /** First SCIM retry delay after a 5xx or network error, in ms (doubles). Default 2000. */
  scimRetryBaseMs: number;
  /** SCIM attempts before an operation is parked as failed. Default 8. */
  scimMaxAttempts: number;
  /**
   * SMTP server for notices, as a URL (smtp:// or smtps://, credentials inside), or null:
   * then each message is written as a file under `<dataDir>/outbox/` instead.
   */
  smtpUrl: string | null;
  /** Sender address of notices. Default `identity@localhost`. */
  mailFrom: string;
  /** Where notices to the administrators go (import completed). Default `admin@localhost`. */
  adminEmail: string;
  /**
   * How long a service process holds an import job without renewing its claim, in
   * seconds. Default 60. After a crash, the job resumes once this has passed.
   */
  importLeaseSeconds: number;
}

/** Thrown by loadConfig with every problem found, one line each. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const WHOLE_NUMBER = /^\d+$/;

function readInt(env: Env, name: string, fallback: number, min: number, max: number,
  problems: string[]): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  // Digits only: Number() would take "1e3", " 80" or "0x50", and parseInt "80abc".
  const value = WHOLE_NUMBER.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    problems.push(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
    return fallback;
  }
  return value;
}

const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$/;

function readHost(env: Env, problems: string[]): string {
  const host = env.HOST || '127.0.0.1';
  if (isIP(host) === 0 && !HOSTNAME.test(host)) {
    problems.push(`HOST must be an IP address or a host name, got "${host}"`);
  }
  return host;
}

/** A folder setting: resolved to an absolute path; refused when a file is in the way. */
function readDir(env: Env, name: string, fallback: string, problems: string[]): string {
  const path = resolve(env[name] || fallback);
  const problem = folderProblem(path);
  if (problem) problems.push(`${name} must name a folder, but ${problem}`);
  return path;
}

/**
 * Why `path` cannot be used as a folder, or null when it is one or can be made. A file
 * on the way to it (ENOTDIR) or an unreadable parent (EACCES) is a problem of the
 * setting, listed with the others, not a crash.
 */
function folderProblem(path: string): string | null {
  try {
    const found = statSync(path, { throwIfNoEntry: false });
    return found && !found.isDirectory() ? `${path} is a file` : null;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR') return `a part of ${path} is a file`;
    return `${path} cannot be read (${code ?? String(error)})`;
  }
}

/** A host as it goes into a URL: an IPv6 address in brackets. */
export function urlHost(host: string): string {
  return isIP(host) === 6 ? `[${host}]` : host;
}

/**
 * The secrets file: absolute; refused when a folder, or a file on its way, is in the way.
 * The default inside DATA_DIR is checked with DATA_DIR itself.
 */
function readSecretsFile(env: Env, dataDir: string, problems: string[]): string {
  if (!env.SECRETS_FILE) return join(dataDir, 'secrets.json');
  const path = resolve(env.SECRETS_FILE);
  try {
    if (statSync(path, { throwIfNoEntry: false })?.isDirectory()) {
      problems.push(`SECRETS_FILE must name a file, but ${path} is a folder`);
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    problems.push(`SECRETS_FILE cannot be used: ${path} cannot be read (${code})`);
  }
  return path;
}

function readPublicUrl(env: Env, host: string, port: number, problems: string[]): string {
  const fallbackHost = host === '0.0.0.0' || host === '::' ? 'localhost' : urlHost(host);
  const raw = env.PUBLIC_URL || `http://${fallbackHost}:${port}`;
  try {
    const url = new URL(raw);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      problems.push(`PUBLIC_URL must be an http or https URL, got "${raw}"`);
    }
    if (url.search || url.hash) problems.push('PUBLIC_URL must not have a query or fragment');
    if (url.username || url.password) problems.push('PUBLIC_URL must not hold credentials');
    return url.toString().replace(/\/+$/, '');
  } catch {
    problems.push(`PUBLIC_URL is not a URL: "${raw}"`);
    return raw;
  }
}

function readDatabaseUrl(env: Env, problems: string[]): string | null {
  const raw = env.DATABASE_URL;
  if (!raw || raw === 'sqlite') return null;
  if (!/^postgres(ql)?:\/\//.test(raw) || !URL.canParse(raw)) {
    // The value itself is left out: it may carry a database password.
    problems.push('DATABASE_URL must be "sqlite" or a postgres:// URL');
  }
  return raw;
}

function readSmtpUrl(env: Env, problems: string[]): string | null {
  const raw = env.SMTP_URL;
  if (!raw) return null;
  // The URL may hold a password: the problem names the variable, never the value.
  const url = URL.canParse(raw) ? new URL(raw) : null;
  if (!url || (url.protocol !== 'smtp:' && url.protocol !== 'smtps:')) {
    problems.push('SMTP_URL must be an smtp:// or smtps:// URL');
  } else if (!url.hostname) {
    // "smtp://user:pw@" parses, yet names no server to send to.
    problems.push('SMTP_URL must name the mail server\'s host');
  }
  return raw;
}

const MAIL_ADDRESS = /^[^\s@<>]+@[^\s@<>]+$/;

function readAddress(env: Env, name: string, fallback: string, problems: string[]): string {
  const raw = env[name] || fallback;
  if (!MAIL_ADDRESS.test(raw)) problems.push(`${name} must be a mail address, got "${raw}"`);
  return raw;
}

/** Reads and validates the configuration; throws ConfigError listing every problem. */
export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = [];
  const port = readInt(env, 'PORT', 8080, 0, 65535, problems);
  const host = readHost(env, problems);
  const logLevel = (env.LOG_LEVEL || 'info') as Config['logLevel'];
  if (!LOG_LEVELS.includes(logLevel)) {
    problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  }
  const dataDir = readDir(env, 'DATA_DIR', 'data', problems);
  const config: Config = {
    port,
    host,
    publicUrl: readPublicUrl(env, host, port, problems),
    dataDir,
    secretsFile: readSecretsFile(env, dataDir, problems),
    certsDir: readDir(env, 'CERTS_DIR', 'certs', problems),
    databaseUrl: readDatabaseUrl(env, problems),
    logLevel,
    passwordHashCost: readInt(env, 'PASSWORD_HASH_COST', 15, 10, 20, problems),
    certificateValidityDays: readInt(env, 'CERT_VALIDITY_DAYS', 3650, 1, 36500, problems),
    maxBodyBytes: readInt(env, 'MAX_BODY_BYTES', 256 * 1024, 1024, 50 * 1024 * 1024, problems),
    shutdownGraceSeconds: readInt(env, 'SHUTDOWN_GRACE_SECONDS', 30, 0, 3600, problems),
    scimRetryBaseMs: readInt(env, 'SCIM_RETRY_BASE_MS', 2000, 1, 600_000, problems),
    scimMaxAttempts: readInt(env, 'SCIM_MAX_ATTEMPTS', 8, 1, 100, problems),
    smtpUrl: readSmtpUrl(env, problems),
    mailFrom: readAddress(env, 'MAIL_FROM', 'identity@localhost', problems),
    adminEmail: readAddress(env, 'ADMIN_EMAIL', 'admin@localhost', problems),
    importLeaseSeconds: readInt(env, 'IMPORT_LEASE_SECONDS', 60, 2, 3600, problems),
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** Warnings about settings that are only fit for development, printed at start-up. */
export function developmentNotices(config: Config): string[] {
  const notices: string[] = [];
  if (config.publicUrl.startsWith('http://') && !/\/\/(localhost|127\.0\.0\.1)[:/]/.test(
    `${config.publicUrl}/`)) {
    notices.push('PUBLIC_URL is plain http on a non-local host: session cookies are not Secure');
  }
  if (config.passwordHashCost < 14) {
    notices.push(`PASSWORD_HASH_COST=${config.passwordHashCost} is below 14: fit for tests only`);
  }
  return notices;
}
