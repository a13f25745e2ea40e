// Which database to run against, parameter by parameter, as libpq decides: explicit settings win
// and the environment fills in the gaps. From strongest to weakest:
//   1. --database-url (the action's database-url input),
//   2. the config's database: block,
//   3. DATABASE_URL (below the config: CI jobs often set it for the application under test),
//   4. the PG* variables,
//   5. libpq's defaults (socket directory or localhost, 5432, the OS user, a database named after the user).
// Each level supplies only what it names, so a lone PGHOST never redirects a config that names its database.
// Nobody naming anything (null) means "start the embedded server".

import { existsSync } from 'node:fs';
import os from 'node:os';
import type pg from 'pg';
import { parse as parseConnectionString, parseIntoClientConfig } from 'pg-connection-string';
import { UserError } from '../errors.js';
import type { DatabaseConfig } from '../config/types.js';
import { maskSecrets, urlHasPassword } from './mask.js';

type SslMode = NonNullable<DatabaseConfig['sslmode']>;

/** The parameters that levels supply one by one. */
export const CONNECTION_PARAMETERS = ['host', 'port', 'database', 'user', 'password', 'sslmode'] as const;
export type ConnectionParameter = (typeof CONNECTION_PARAMETERS)[number];

interface Parameters {
  host?: string;
  port?: number;
  database?: string;
  user?: string;
  password?: string;
  sslmode?: SslMode;
}

/** One level's contribution: the parameters it names, what it is called, and what else it carries. */
interface Level {
  params: Parameters;
  /** Where each named parameter came from, e.g. 'database.url' or 'PGHOST'. */
  sources: Partial<Record<ConnectionParameter, string>>;
  /** TLS files and other client options a URL carries (sslrootcert, application_name, options, …). */
  extra: pg.ClientConfig;
  secrets: string[];
}

export interface ResolvedDatabase {
  /** Complete: pg reads nothing more from the environment for host, port, database, user and TLS. */
  config: pg.ClientConfig;
  /** Where each parameter came from: a level's field or variable name, or 'libpq default'. */
  sources: Record<ConnectionParameter, string>;
  /** host, port, database and user with their sources; never the password. Safe to log. */
  display: string;
  /** Strings to mask wherever text may reach logs or exports (passwords, URLs that hold one). */
  secrets: string[];
}

/** libpq's built-in defaults; injectable so tests do not depend on the machine. */
export interface ConnectionDefaults {
  /** The host when none is named, for a given port: a socket directory or 'localhost'. */
  host: (port: number) => string;
  /** The OS user name libpq connects as by default. */
  user: string;
}

export interface ResolveDatabaseOptions {
  flagUrl?: string;
  /** How the flag is named in messages: '--database-url' (CLI) or 'input database-url' (action). */
  flagName?: string;
  config: DatabaseConfig | null;
  env: NodeJS.ProcessEnv;
  defaults?: ConnectionDefaults;
}

const SSL_MODES: readonly SslMode[] = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'];
const PG_ENV_VARS = ['PGHOST', 'PGPORT', 'PGDATABASE', 'PGUSER', 'PGPASSWORD', 'PGSSLMODE'] as const;
const EXPECTED_URL = 'postgres://user:pass@host:port/dbname';
const DEFAULT_PORT = 5432;
/** Debian's and most builds' DEFAULT_PGSOCKET_DIR, then the upstream default. */
const SOCKET_DIRECTORIES = ['/var/run/postgresql', '/tmp'];

/**
 * libpq's defaults on this machine. Where libpq would use a Unix socket, so do we when the socket
 * exists; otherwise TCP to localhost, as pg and libpq on Windows do.
 */
export function libpqDefaults(): ConnectionDefaults {
  let user = '';
  try {
    user = os.userInfo().username;
  } catch {
    user = process.env.USER ?? process.env.USERNAME ?? '';
  }
  return {
    host: (port) =>
      process.platform === 'win32'
        ? 'localhost'
        : (SOCKET_DIRECTORIES.find((dir) => existsSync(`${dir}/.s.PGSQL.${port}`)) ?? 'localhost'),
    user,
  };
}

const named = (value: string | undefined): value is string => value !== undefined && value !== '';

export function resolveDatabase(opts: ResolveDatabaseOptions): ResolvedDatabase | null {
  const { flagUrl, config, env } = opts;
  const levels: Level[] = [];
  if (named(flagUrl)) levels.push(fromUrl(flagUrl, opts.flagName ?? '--database-url'));
  if (config)
    levels.push(
      config.url !== undefined && config.url !== '' ? fromUrl(config.url, 'database.url') : fromFields(config),
    );
  if (named(env.DATABASE_URL)) levels.push(fromUrl(env.DATABASE_URL, 'DATABASE_URL'));
  const pgEnv = fromPgEnv(env);
  const anyPgVariable = PG_ENV_VARS.some((name) => named(env[name]));
  if (!anyPgVariable && levels.every((level) => Object.keys(level.params).length === 0)) return null;
  levels.push(pgEnv);
  return merge(levels, opts.defaults ?? libpqDefaults());
}

/** The strongest level naming each parameter wins it; libpq's defaults fill the rest. */
function merge(levels: Level[], defaults: ConnectionDefaults): ResolvedDatabase {
  const params: Parameters = {};
  const sources: Partial<Record<ConnectionParameter, string>> = {};
  for (const name of CONNECTION_PARAMETERS) {
    const level = levels.find((candidate) => candidate.params[name] !== undefined);
    if (level) {
      (params as Record<string, unknown>)[name] = level.params[name];
      sources[name] = level.sources[name];
    }
  }
  const DEFAULT = 'libpq default';
  const port = params.port ?? DEFAULT_PORT;
  const user = params.user ?? defaults.user;
  const complete: Required<Omit<Parameters, 'password'>> & Pick<Parameters, 'password'> = {
    host: params.host ?? defaults.host(port),
    port,
    user,
    // libpq: "dbname defaults to be the same as the user name".
    database: params.database ?? user,
    sslmode: params.sslmode ?? 'prefer',
    password: params.password,
  };
  const allSources: Record<ConnectionParameter, string> = {
    host: sources.host ?? DEFAULT,
    port: sources.port ?? DEFAULT,
    user: sources.user ?? DEFAULT,
    database: sources.database ?? (sources.user ? `${sources.user}, as the user` : DEFAULT),
    sslmode: sources.sslmode ?? DEFAULT,
    password: sources.password ?? 'none',
  };

  // Extras of the levels, weakest first, so stronger ones override.
  const extra: pg.ClientConfig = Object.assign({}, ...levels.map((level) => level.extra).reverse());
  const tls = sslFor(complete.sslmode);
  const clientConfig: pg.ClientConfig = {
    ...extra,
    host: complete.host,
    port: complete.port,
    database: complete.database,
    user: complete.user,
    // Always explicit: pg would otherwise read PGSSLMODE itself, and treats prefer as require.
    ssl: tls === false ? false : { ...(typeof extra.ssl === 'object' ? extra.ssl : {}), ...tls },
  };
  if (complete.password !== undefined) clientConfig.password = complete.password;

  const secrets = [...new Set(levels.flatMap((level) => level.secrets))];
  return { config: clientConfig, sources: allSources, display: describe(complete, allSources), secrets };
}

/**
 * "host 127.0.0.1 (PGHOST), port 5432 (libpq default), database bench (database.url), user postgres (database.url)".
 */
function describe(p: Parameters, sources: Record<ConnectionParameter, string>): string {
  const password = sources.password === 'none' ? 'no password' : `password from ${sources.password}`;
  const ssl = p.sslmode && p.sslmode !== 'prefer' ? `, sslmode ${p.sslmode} (${sources.sslmode})` : '';
  return (
    `host ${p.host} (${sources.host}), port ${p.port} ` +
    `(${sources.port}), database ${p.database} (${sources.database}), ` +
    `user ${p.user} (${sources.user}), ${password}${ssl}`
  );
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

/** URL keys that are one of our parameters, or that TLS settings are built from. */
const URL_PARAMETER_KEYS = new Set(['host', 'port', 'database', 'user', 'password', 'ssl', 'sslmode', 'db', 'dbname']);

function fromUrl(url: string, field: string): Level {
  // Text without a scheme may be a password pasted in the wrong place: never echo it.
  const shown = /^[a-z][a-z0-9+.-]*:\/\//i.test(url)
    ? `"${maskedForError(url)}"`
    : 'text that is not a URL (not shown)';
  const bad = (why = ''): UserError => new UserError(`${field}: expected ${EXPECTED_URL}, got ${shown}${why}`);
  if (!/^postgres(?:ql)?:\/\//i.test(url)) throw bad();
  let raw: ReturnType<typeof parseConnectionString>;
  let client: pg.ClientConfig;
  try {
    raw = parseConnectionString(url);
    client = parseIntoClientConfig(url);
  } catch {
    throw bad();
  }
  const level: Level = { params: {}, sources: {}, extra: {}, secrets: [] };
  const set = <K extends keyof Parameters>(name: K, value: Parameters[K] | undefined): void => {
    if (value === undefined) return;
    level.params[name] = value;
    level.sources[name] = field;
  };
  if (named(raw.host ?? undefined)) set('host', raw.host as string);
  if (named(raw.port ?? undefined)) {
    const port = Number(raw.port);
    if (!(Number.isInteger(port) && port > 0 && port < 65536)) throw bad();
    set('port', port);
  }
  if (named(raw.database ?? undefined)) set('database', raw.database as string);
  if (named(raw.user ?? undefined)) set('user', raw.user as string);
  if (named(raw.password ?? undefined)) set('password', raw.password as string);
  // pg's own 'no-verify' is what libpq calls require: encrypted, certificate not checked.
  const rawSslmode = (raw as { sslmode?: string }).sslmode;
  const sslmode = rawSslmode === 'no-verify' ? 'require' : rawSslmode;
  if (named(sslmode)) {
    if (!(SSL_MODES as readonly string[]).includes(sslmode)) {
      throw bad(`: sslmode must be one of ${SSL_MODES.join(', ')}`);
    }
    set('sslmode', sslmode as SslMode);
  }
  for (const [key, value] of Object.entries(client)) {
    if (URL_PARAMETER_KEYS.has(key) || value === '' || value === null || value === undefined) continue;
    (level.extra as Record<string, unknown>)[key] = value;
  }
  // TLS files (sslrootcert, sslcert, sslkey) arrive read into ssl.{ca,cert,key}.
  if (typeof client.ssl === 'object' && client.ssl !== null) {
    const files = Object.fromEntries(Object.entries(client.ssl).filter(([key]) => ['ca', 'cert', 'key'].includes(key)));
    if (Object.keys(files).length > 0) level.extra.ssl = files;
  }
  const password = level.params.password ?? '';
  if (password) level.secrets.push(url, password, encodeURIComponent(password));
  else if (urlHasPassword(url)) level.secrets.push(url);
  return level;
}

/** libpq's sslmode in Node's terms; false is a plain connection. */
function sslFor(mode: SslMode): false | { rejectUnauthorized: boolean; checkServerIdentity?: () => undefined } {
  switch (mode) {
    // pg cannot fall back from TLS to plain, so prefer/allow connect plainly like a local libpq would.
    case 'disable':
    case 'allow':
    case 'prefer':
      return false;
    case 'require':
      return { rejectUnauthorized: false };
    case 'verify-ca':
      return { rejectUnauthorized: true, checkServerIdentity: () => undefined };
    case 'verify-full':
      return { rejectUnauthorized: true };
  }
}

function fromFields(c: DatabaseConfig): Level {
  const level: Level = { params: {}, sources: {}, extra: {}, secrets: [] };
  const fields: Array<[keyof Parameters, keyof DatabaseConfig]> = [
    ['host', 'host'],
    ['port', 'port'],
    ['database', 'dbname'],
    ['user', 'username'],
    ['password', 'password'],
    ['sslmode', 'sslmode'],
  ];
  for (const [param, key] of fields) {
    const value = c[key];
    if (value === undefined || value === '') continue;
    (level.params as Record<string, unknown>)[param] = value;
    level.sources[param] = `database.${key}`;
  }
  if (level.params.password) level.secrets.push(level.params.password, encodeURIComponent(level.params.password));
  return level;
}

function fromPgEnv(env: NodeJS.ProcessEnv): Level {
  const level: Level = { params: {}, sources: {}, extra: {}, secrets: [] };
  const set = <K extends keyof Parameters>(name: K, variable: string, value: Parameters[K]): void => {
    level.params[name] = value;
    level.sources[name] = variable;
  };
  if (named(env.PGHOST)) set('host', 'PGHOST', env.PGHOST);
  if (named(env.PGPORT)) {
    const port = Number(env.PGPORT);
    if (!Number.isInteger(port) || port <= 0 || port >= 65536) {
      throw new UserError(`PGPORT: expected a port number between 1 and 65535, got "${env.PGPORT}"`);
    }
    set('port', 'PGPORT', port);
  }
  if (named(env.PGDATABASE)) set('database', 'PGDATABASE', env.PGDATABASE);
  if (named(env.PGUSER)) set('user', 'PGUSER', env.PGUSER);
  if (named(env.PGPASSWORD)) {
    set('password', 'PGPASSWORD', env.PGPASSWORD);
    level.secrets.push(env.PGPASSWORD, encodeURIComponent(env.PGPASSWORD));
  }
  if (named(env.PGSSLMODE)) {
    if (!(SSL_MODES as readonly string[]).includes(env.PGSSLMODE)) {
      throw new UserError(`PGSSLMODE: expected one of ${SSL_MODES.join(', ')}, got "${env.PGSSLMODE}"`);
    }
    set('sslmode', 'PGSSLMODE', env.PGSSLMODE as SslMode);
  }
  return level;
}
