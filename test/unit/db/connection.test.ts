import { describe, expect, it } from 'vitest';
import { resolveDatabase } from '../../../src/db/connection.js';
import { maskSecrets, urlHasPassword } from '../../../src/db/mask.js';
import { UserError } from '../../../src/errors.js';

const SECRET = 's3cr3t-Pa55';

const DEFAULTS = { host: () => '/var/run/postgresql', user: 'osuser' };
const resolve = (opts: Omit<Parameters<typeof resolveDatabase>[0], 'defaults'>) =>
  resolveDatabase({ ...opts, defaults: DEFAULTS });

describe('resolveDatabase', () => {
  it('returns null when nobody names a database and no PG* variable is set (embedded default)', () => {
    expect(resolve({ config: null, env: {} })).toBeNull();
    expect(resolve({ flagUrl: '', config: null, env: { DATABASE_URL: '', PGHOST: '' } })).toBeNull();
  });

  it('takes each parameter from the strongest level naming it: flag, config, DATABASE_URL, PG*, libpq default', () => {
    const env = {
      DATABASE_URL: 'postgres://envuser@envhost:7000/envdb',
      PGHOST: 'pghost',
      PGPORT: '7001',
      PGUSER: 'pguser',
    };
    const config = { host: 'cfghost', dbname: 'cfgdb' };
    const flag = resolve({ flagUrl: 'postgres://flag@flaghost:6000/flagdb', config, env });
    expect(flag?.config).toMatchObject({ host: 'flaghost', port: 6000, database: 'flagdb', user: 'flag', ssl: false });
    expect(flag?.sources).toMatchObject({ host: '--database-url', port: '--database-url', database: '--database-url' });
    // The config names host and database; DATABASE_URL fills port and user, which the config does not name.
    const cfg = resolve({ config, env });
    expect(cfg?.config).toMatchObject({ host: 'cfghost', port: 7000, database: 'cfgdb', user: 'envuser' });
    expect(cfg?.sources).toMatchObject({
      host: 'database.host',
      port: 'DATABASE_URL',
      database: 'database.dbname',
      user: 'DATABASE_URL',
    });
    // Without DATABASE_URL the PG* variables fill the gaps.
    const pgOnly = resolve({ config, env: { PGHOST: 'pghost', PGPORT: '7001', PGUSER: 'pguser' } });
    expect(pgOnly?.config).toMatchObject({ host: 'cfghost', port: 7001, database: 'cfgdb', user: 'pguser' });
    expect(pgOnly?.sources).toMatchObject({ host: 'database.host', port: 'PGPORT', user: 'PGUSER' });
    // And libpq's defaults fill what nobody names: 5432, the OS user, a database named after the user.
    const bare = resolve({ config: null, env: { PGHOST: '127.0.0.1' } });
    expect(bare?.config).toEqual({ host: '127.0.0.1', port: 5432, database: 'osuser', user: 'osuser', ssl: false });
    expect(bare?.sources).toMatchObject({
      host: 'PGHOST',
      port: 'libpq default',
      user: 'libpq default',
      database: 'libpq default',
    });
    const named = resolve({ config: null, env: { PGUSER: 'alice' } });
    expect(named?.config).toMatchObject({ host: '/var/run/postgresql', database: 'alice', user: 'alice' });
    expect(named?.sources.database).toBe('PGUSER, as the user');
  });

  it('never lets a lone PGHOST, PGUSER or PGDATABASE redirect a config URL that names its database', () => {
    const config = { url: 'postgres://postgres@127.0.0.1:5432/bench' };
    for (const env of [
      { PGHOST: '10.9.9.9' },
      { PGUSER: 'intruder' },
      { PGDATABASE: 'postgres' },
      { PGPORT: '6543' },
    ]) {
      const r = resolve({ config, env });
      expect(r?.config, JSON.stringify(env)).toMatchObject({
        host: '127.0.0.1',
        port: 5432,
        database: 'bench',
        user: 'postgres',
      });
      expect(r?.display).toBe(
        'host 127.0.0.1 (database.url), port 5432 (database.url), database bench (database.url), user postgres (database.url), no password',
      );
    }
  });

  it('lets PGPASSWORD supply the password of a URL that has none, and names it without showing it', () => {
    const r = resolve({ config: { url: 'postgres://postgres@127.0.0.1/bench' }, env: { PGPASSWORD: SECRET } });
    expect(r?.config.password).toBe(SECRET);
    expect(r?.sources.password).toBe('PGPASSWORD');
    expect(r?.display).toContain('password from PGPASSWORD');
    expect(r?.display).not.toContain(SECRET);
    expect(r?.secrets).toContain(SECRET);
    // A password the URL names wins over PGPASSWORD.
    const own = resolve({ flagUrl: 'postgres://u:mine@h/d', config: null, env: { PGPASSWORD: SECRET } });
    expect(own?.config.password).toBe('mine');
    expect(own?.secrets).toEqual(expect.arrayContaining(['postgres://u:mine@h/d', 'mine', SECRET]));
  });

  it('treats any single PG* variable as naming a database', () => {
    for (const name of ['PGHOST', 'PGPORT', 'PGDATABASE', 'PGUSER', 'PGPASSWORD', 'PGSSLMODE']) {
      const value = name === 'PGPORT' ? '5432' : name === 'PGSSLMODE' ? 'disable' : 'x';
      expect(resolve({ config: null, env: { [name]: value } }), name).not.toBeNull();
    }
  });

  it('maps config fields, including username and sslmode, and keeps the password out of display', () => {
    const r = resolve({
      config: {
        host: 'db.example',
        port: 5544,
        dbname: 'bench',
        username: 'alice',
        password: SECRET,
        sslmode: 'require',
      },
      env: {},
    });
    expect(r?.config).toEqual({
      host: 'db.example',
      port: 5544,
      database: 'bench',
      user: 'alice',
      password: SECRET,
      ssl: { rejectUnauthorized: false },
    });
    expect(r?.display).toBe(
      'host db.example (database.host), port 5544 (database.port), database bench (database.dbname), ' +
        'user alice (database.username), password from database.password, sslmode require (database.sslmode)',
    );
    expect(r?.secrets).toContain(SECRET);
  });

  it('sets TLS explicitly, so pg never reads PGSSLMODE behind our back', () => {
    expect(resolve({ config: null, env: { PGSSLMODE: 'prefer', PGHOST: 'h' } })?.config.ssl).toBe(false);
    expect(resolve({ config: null, env: { PGSSLMODE: 'verify-full', PGHOST: 'h' } })?.config.ssl).toEqual({
      rejectUnauthorized: true,
    });
    // A config that says disable beats PGSSLMODE=require.
    expect(resolve({ config: { host: 'h', sslmode: 'disable' }, env: { PGSSLMODE: 'require' } })?.config.ssl).toBe(
      false,
    );
    expect(resolve({ flagUrl: 'postgres://h/d?sslmode=no-verify', config: null, env: {} })?.config.ssl).toEqual({
      rejectUnauthorized: false,
    });
  });

  it('keeps a URL password out of display and lists the URL and password as secrets', () => {
    const url = `postgresql://bob:${encodeURIComponent(SECRET + '@/x')}@h:5432/d`;
    const r = resolve({ flagUrl: url, config: null, env: {} });
    expect(r?.config.password).toBe(SECRET + '@/x');
    expect(r?.display).toBe(
      'host h (--database-url), port 5432 (--database-url), database d (--database-url), user bob (--database-url), password from --database-url',
    );
    expect(r?.secrets).toEqual(expect.arrayContaining([url, SECRET + '@/x']));
  });

  it('a password given as a URL parameter still keeps itself and the URL out of every line', () => {
    const param = resolve({ flagUrl: `postgres://app@db.example/shop?password=${SECRET}`, config: null, env: {} });
    expect(param?.config.password).toBe(SECRET);
    expect(param?.secrets).toEqual(
      expect.arrayContaining([`postgres://app@db.example/shop?password=${SECRET}`, SECRET]),
    );
    expect(maskSecrets(`Database: ${param!.display}`, param!.secrets)).not.toContain(SECRET);
  });

  it('names the action input when the URL came from it', () => {
    const r = resolve({ flagUrl: 'postgres://h/d', flagName: 'input database-url', config: null, env: {} });
    expect(r?.sources.host).toBe('input database-url');
    expect(() => resolve({ flagUrl: 'mysql://h/d', flagName: 'input database-url', config: null, env: {} })).toThrow(
      /^input database-url: expected/,
    );
  });

  it('rejects a bad URL with a one-line UserError naming the field, never showing the password', () => {
    const cases: Array<[string, string]> = [
      [`mysql://root:${SECRET}@h/d`, '--database-url'],
      [`postgres://root:${SECRET}@h:notaport/d`, '--database-url'],
      [`postgres://root:${SECRET}@h:99999/d`, '--database-url'],
    ];
    for (const [url, field] of cases) {
      let caught: unknown;
      try {
        resolve({ flagUrl: url, config: null, env: {} });
      } catch (error) {
        caught = error;
      }
      expect(caught, url).toBeInstanceOf(UserError);
      const message = (caught as Error).message;
      expect(message.startsWith(`${field}: expected postgres://user:pass@host:port/dbname, got "`)).toBe(true);
      expect(message).not.toContain(SECRET);
      expect(message).not.toContain('root');
      expect(message).not.toContain('\n');
    }
    expect(() => resolve({ config: null, env: { DATABASE_URL: 'not a url' } })).toThrow(/^DATABASE_URL: expected/);
    expect(() => resolve({ config: { url: 'x://y' }, env: {} })).toThrow(/^database\.url: expected/);
    expect(() => resolve({ config: null, env: { PGPORT: 'abc' } })).toThrow(/^PGPORT: expected a port number/);
    expect(() => resolve({ config: null, env: { PGSSLMODE: 'maybe' } })).toThrow(/^PGSSLMODE: expected one of/);
  });
});

describe('maskSecrets', () => {
  it('masks passwords in postgres and postgresql URLs', () => {
    expect(maskSecrets(`connect to postgres://u:${SECRET}@h:5/d failed`)).toBe(
      'connect to postgres://u:***@h:5/d failed',
    );
    expect(maskSecrets(`POSTGRESQL://u:p@ss@h/d and postgres://v:w@k/e`)).toBe(
      'POSTGRESQL://u:***@h/d and postgres://v:***@k/e',
    );
    expect(maskSecrets('postgres://u@h/d has no password')).toBe('postgres://u@h/d has no password');
  });

  it('masks password=... key-value pairs, quoted or not', () => {
    expect(maskSecrets(`host=h password=${SECRET} user=u`)).toBe('host=h password=*** user=u');
    expect(maskSecrets(`password='a b\\'c' x`)).toBe('password=*** x');
    expect(maskSecrets(`PGPASSWORD=${SECRET}`)).toBe('PGPASSWORD=***');
    expect(maskSecrets(`postgres://h/d?sslmode=require&password=${SECRET}`)).toBe(
      'postgres://h/d?sslmode=require&password=***',
    );
  });

  it('a database URL is a secret only when it carries a password (or is no URL at all)', () => {
    expect(urlHasPassword('postgres://app@db.example:5433/shop')).toBe(false);
    expect(urlHasPassword('postgresql://db.example/shop?sslmode=require')).toBe(false);
    expect(urlHasPassword(`postgres://app:${SECRET}@db.example/shop`)).toBe(true);
    expect(urlHasPassword(`postgres://db.example/shop?password=${SECRET}`)).toBe(true);
    expect(urlHasPassword(`mysql://root:${SECRET}@h/d`)).toBe(true);
    expect(urlHasPassword(SECRET)).toBe(true);
  });

  it('masks every given secret, wherever it appears', () => {
    expect(maskSecrets(`auth failed for ${SECRET} (${SECRET})`, [SECRET])).toBe('auth failed for *** (***)');
    expect(maskSecrets('a.b*c', ['.b*'])).toBe('a***c');
    expect(maskSecrets('nothing here', [''])).toBe('nothing here');
  });
});
