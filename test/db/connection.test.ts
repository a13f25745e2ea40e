import { describe, expect, it } from 'vitest';
import { resolveDatabase } from '../../src/db/connection.js';
import { maskSecrets, urlHasPassword } from '../../src/db/mask.js';
import { UserError } from '../../src/errors.js';

const SECRET = 's3cr3t-Pa55';

describe('resolveDatabase', () => {
  it('returns null when nobody names a database (embedded default)', () => {
    expect(resolveDatabase({ config: null, env: {} })).toBeNull();
    expect(resolveDatabase({ flagUrl: '', config: null, env: { DATABASE_URL: '' } })).toBeNull();
  });

  it('prefers the flag, then DATABASE_URL, then PG* variables, then the config', () => {
    const env = { DATABASE_URL: 'postgres://envuser@envhost/envdb', PGHOST: 'pghost' };
    const config = { host: 'cfghost', dbname: 'cfgdb' };
    expect(resolveDatabase({ flagUrl: 'postgres://flag@flaghost:6000/flagdb', config, env })?.config).toMatchObject({
      host: 'flaghost',
      port: 6000,
      database: 'flagdb',
      user: 'flag',
    });
    expect(resolveDatabase({ config, env })?.config).toMatchObject({ host: 'envhost', database: 'envdb' });
    expect(resolveDatabase({ config, env: { PGHOST: 'pghost', PGPORT: '5433' } })?.config).toEqual({ host: 'pghost', port: 5433 });
    expect(resolveDatabase({ config, env: {} })?.config).toEqual({ host: 'cfghost', database: 'cfgdb' });
  });

  it('treats any single PG* variable as naming a database', () => {
    for (const name of ['PGHOST', 'PGPORT', 'PGDATABASE', 'PGUSER', 'PGPASSWORD', 'PGSSLMODE']) {
      const value = name === 'PGPORT' ? '5432' : name === 'PGSSLMODE' ? 'disable' : 'x';
      expect(resolveDatabase({ config: null, env: { [name]: value } }), name).not.toBeNull();
    }
  });

  it('maps config fields, including username and sslmode, and masks the password in display', () => {
    const r = resolveDatabase({
      config: { host: 'db.example', port: 5544, dbname: 'bench', username: 'alice', password: SECRET, sslmode: 'require' },
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
    expect(r?.display).toBe('postgres://alice:***@db.example:5544/bench?sslmode=require');
    expect(r?.secrets).toContain(SECRET);
  });

  it('masks a URL password in display and lists the URL and password as secrets', () => {
    const url = `postgresql://bob:${encodeURIComponent(SECRET + '@/x')}@h:5432/d`;
    const r = resolveDatabase({ flagUrl: url, config: null, env: {} });
    expect(r?.config.password).toBe(SECRET + '@/x');
    expect(r?.display).toBe('postgresql://bob:***@h:5432/d');
    expect(r?.display).not.toContain(SECRET);
    expect(r?.secrets).toEqual(expect.arrayContaining([url, SECRET + '@/x']));
  });

  it('shows a URL without a password as is: it is no secret, so the Database line names the server', () => {
    const url = 'postgres://app@db.example:5433/shop';
    const r = resolveDatabase({ flagUrl: url, config: null, env: {} });
    expect(r?.display).toBe(url);
    expect(r?.secrets).toEqual([]);
    // What the pipeline logs: the display, through the logger's mask with the run's secrets.
    expect(maskSecrets(`Database: ${r!.display}`, r!.secrets)).toBe(`Database: ${url}`);
    // A password given as a parameter still keeps itself and the URL out of the line.
    const param = resolveDatabase({ flagUrl: `postgres://app@db.example/shop?password=${SECRET}`, config: null, env: {} });
    expect(param?.secrets).toEqual([`postgres://app@db.example/shop?password=${SECRET}`, SECRET, SECRET]);
    expect(maskSecrets(`Database: ${param!.display}`, param!.secrets)).not.toContain(SECRET);
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
        resolveDatabase({ flagUrl: url, config: null, env: {} });
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
    expect(() => resolveDatabase({ config: null, env: { DATABASE_URL: 'not a url' } })).toThrow(/^DATABASE_URL: expected/);
    expect(() => resolveDatabase({ config: { url: 'x://y' }, env: {} })).toThrow(/^database\.url: expected/);
    expect(() => resolveDatabase({ config: null, env: { PGPORT: 'abc' } })).toThrow(/^PGPORT: expected a port number/);
    expect(() => resolveDatabase({ config: null, env: { PGSSLMODE: 'maybe' } })).toThrow(/^PGSSLMODE: expected one of/);
  });
});

describe('maskSecrets', () => {
  it('masks passwords in postgres and postgresql URLs', () => {
    expect(maskSecrets(`connect to postgres://u:${SECRET}@h:5/d failed`)).toBe('connect to postgres://u:***@h:5/d failed');
    expect(maskSecrets(`POSTGRESQL://u:p@ss@h/d and postgres://v:w@k/e`)).toBe('POSTGRESQL://u:***@h/d and postgres://v:***@k/e');
    expect(maskSecrets('postgres://u@h/d has no password')).toBe('postgres://u@h/d has no password');
  });

  it('masks password=... key-value pairs, quoted or not', () => {
    expect(maskSecrets(`host=h password=${SECRET} user=u`)).toBe('host=h password=*** user=u');
    expect(maskSecrets(`password='a b\\'c' x`)).toBe('password=*** x');
    expect(maskSecrets(`PGPASSWORD=${SECRET}`)).toBe('PGPASSWORD=***');
    expect(maskSecrets(`postgres://h/d?sslmode=require&password=${SECRET}`)).toBe('postgres://h/d?sslmode=require&password=***');
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
