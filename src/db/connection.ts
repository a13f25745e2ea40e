// Which database to run against. Whoever names one first wins: the --database-url flag, then
// DATABASE_URL, then the standard PG* variables, then the config file's `database:` block.
// Nobody naming one (null) means "start the embedded server".

import type pg from 'pg';
import { parseIntoClientConfig } from 'pg-connection-string';
import { UserError } from '../errors.js';
import type { DatabaseConfig } from '../types.js';
import { maskSecrets, urlHasPassword } from './mask.js';

export interface ResolvedDatabase {
  config: pg.ClientConfig;
  /** A URL with the password replaced by ***; safe to log. */
  display: string;
  /** Strings to mask wherever text may reach logs or exports (password, full URL). */
  secrets: string[];
}

export interface ResolveDatabaseOptions {
  flagUrl?: string;
  config: DatabaseConfig | null;
  env: NodeJS.ProcessEnv;
}

type SslMode = NonNullable<DatabaseConfig['sslmode']>;
const SSL_MODES: readonly SslMode[] = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'];
const PG_ENV_VARS = ['PGHOST', 'PGPORT', 'PGDATABASE', 'PGUSER', 'PGPASSWORD', 'PGSSLMODE'] as const;
const EXPECTED_URL = 'postgres://user:pass@host:port/dbname';

export function resolveDatabase(opts: ResolveDatabaseOptions): ResolvedDatabase | null {
  const { flagUrl, config, env } = opts;
  if (flagUrl !== undefined && flagUrl !== '') return fromUrl(flagUrl, '--database-url');
  const envUrl = env.DATABASE_URL;
  if (envUrl !== undefined && envUrl !== '') return fromUrl(envUrl, 'DATABASE_URL');
  if (PG_ENV_VARS.some((name) => env[name] !== undefined && env[name] !== '')) return fromPgEnv(env);
  if (config) {
    if (config.url !== undefined && config.url !== '') return fromUrl(config.url, 'database.url');
    return fromFields(config);
  }
  return null;
}

/** What an unparseable URL looked like, without anything that could be a credential. */
function maskedForError(url: string): string {
  let shown = maskSecrets(url);
  // Whatever precedes the last '@' may be a credential, even when the URL is malformed.
  const at = shown.lastIndexOf('@');
  if (at >= 0) {
    const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(shown)?.[0] ?? '';
    shown = `${scheme}***${shown.slice(at)}`;
  }
  if (shown.length > 80) shown = `${shown.slice(0, 79)}…`;
  return shown;
}

function fromUrl(url: string, field: string): ResolvedDatabase {
  // Text without a scheme may be a password pasted in the wrong place: never echo it.
  const shown = /^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? `"${maskedForError(url)}"` : 'text that is not a URL (not shown)';
  const bad = (): UserError => new UserError(`${field}: expected ${EXPECTED_URL}, got ${shown}`);
  if (!/^postgres(?:ql)?:\/\//i.test(url)) throw bad();
  let parsed: pg.ClientConfig;
  try {
    parsed = parseIntoClientConfig(url);
  } catch {
    throw bad();
  }
  const config: pg.ClientConfig = {};
  for (const [key, value] of Object.entries(parsed)) {
    // pg-connection-string yields '' for absent parts; leave them out so pg's defaults apply.
    if (value !== '' && value !== null && value !== undefined) (config as Record<string, unknown>)[key] = value;
  }
  if (config.port !== undefined && !(Number.isInteger(config.port) && config.port > 0 && config.port < 65536)) {
    throw bad();
  }
  const password = typeof config.password === 'string' ? config.password : '';
  const secrets = password ? [url, password, encodeURIComponent(password)] : urlHasPassword(url) ? [url] : [];
  // The URL patterns cover the userinfo and ?password=; masking the bare password string too
  // would also blank a user name that happens to equal it.
  return { config, display: maskSecrets(url), secrets };
}

function sslFor(mode: SslMode | undefined): pg.ClientConfig['ssl'] {
  switch (mode) {
    // pg cannot fall back from TLS to plain, so prefer/allow connect plainly like a local libpq would.
    case undefined:
    case 'disable':
    case 'allow':
    case 'prefer':
      return undefined;
    case 'require':
      return { rejectUnauthorized: false };
    case 'verify-ca':
      return { rejectUnauthorized: true, checkServerIdentity: () => undefined };
    case 'verify-full':
      return { rejectUnauthorized: true };
  }
}

interface Fields {
  host?: string;
  port?: number;
  dbname?: string;
  user?: string;
  password?: string;
  sslmode?: SslMode;
}

function fromFieldValues(f: Fields): ResolvedDatabase {
  const config: pg.ClientConfig = {};
  if (f.host) config.host = f.host;
  if (f.port !== undefined) config.port = f.port;
  if (f.dbname) config.database = f.dbname;
  if (f.user) config.user = f.user;
  if (f.password) config.password = f.password;
  const ssl = sslFor(f.sslmode);
  if (ssl !== undefined) config.ssl = ssl;
  const userPart = f.user ? `${encodeURIComponent(f.user)}${f.password ? ':***' : ''}@` : f.password ? ':***@' : '';
  const host = f.host ? (f.host.includes(':') && !f.host.startsWith('/') ? `[${f.host}]` : encodeURIComponent(f.host)) : '';
  const port = f.port !== undefined ? `:${f.port}` : '';
  const db = f.dbname ? `/${encodeURIComponent(f.dbname)}` : '';
  const query = f.sslmode ? `?sslmode=${f.sslmode}` : '';
  const display = `postgres://${userPart}${host}${port}${db}${query}`;
  return { config, display, secrets: f.password ? [f.password, encodeURIComponent(f.password)] : [] };
}

function fromFields(c: DatabaseConfig): ResolvedDatabase {
  const fields: Fields = {};
  if (c.host !== undefined) fields.host = c.host;
  if (c.port !== undefined) fields.port = c.port;
  if (c.dbname !== undefined) fields.dbname = c.dbname;
  if (c.username !== undefined) fields.user = c.username;
  if (c.password !== undefined) fields.password = c.password;
  if (c.sslmode !== undefined) fields.sslmode = c.sslmode;
  return fromFieldValues(fields);
}

function fromPgEnv(env: NodeJS.ProcessEnv): ResolvedDatabase {
  const fields: Fields = {};
  if (env.PGHOST) fields.host = env.PGHOST;
  if (env.PGPORT) {
    const port = Number(env.PGPORT);
    if (!Number.isInteger(port) || port <= 0 || port >= 65536) {
      throw new UserError(`PGPORT: expected a port number between 1 and 65535, got "${env.PGPORT}"`);
    }
    fields.port = port;
  }
  if (env.PGDATABASE) fields.dbname = env.PGDATABASE;
  if (env.PGUSER) fields.user = env.PGUSER;
  if (env.PGPASSWORD) fields.password = env.PGPASSWORD;
  if (env.PGSSLMODE) {
    if (!(SSL_MODES as readonly string[]).includes(env.PGSSLMODE)) {
      throw new UserError(`PGSSLMODE: expected one of ${SSL_MODES.join(', ')}, got "${env.PGSSLMODE}"`);
    }
    fields.sslmode = env.PGSSLMODE as SslMode;
  }
  return fromFieldValues(fields);
}
