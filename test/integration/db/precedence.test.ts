// Which database a run uses, proven on the real server through the built CLI: each level of the
// order (--database-url, the config's database: block, DATABASE_URL, PG*) wins over the ones below
// it, a lone PG* variable never redirects a config that names its database, and --setup writes
// only into the database that was meant.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, createDatabase, runCli, scratchDir, withAdmin, ADMIN } from '../../support/reliability-helpers.js';

type Db = Awaited<ReturnType<typeof createDatabase>>;
const scratch = scratchDir('pgscale-precedence-');
const dbs: Record<'flag' | 'config' | 'envUrl' | 'pgDatabase', Db> = {} as never;

beforeAll(async () => {
  for (const key of ['flag', 'config', 'envUrl', 'pgDatabase'] as const)
    dbs[key] = await createDatabase(`prec_${key.toLowerCase()}`);
  scratch.write('tx.sql', 'SELECT 1;\n');
  // --setup leaves a mark in whichever database it ran in.
  scratch.write(
    'setup.sql',
    'DROP TABLE IF EXISTS setup_mark; CREATE TABLE setup_mark AS SELECT current_database() AS db;\n',
  );
});

afterAll(async () => {
  for (const db of Object.values(dbs)) await db?.drop();
  scratch.remove();
});

function writeConfig(name: string, databaseUrl: string | null): string {
  return scratch.write(
    name,
    [
      'progressive:',
      '  min_workers: 1',
      '  max_workers: 1',
      '  band_duration: 1s',
      '  warmup_time: 0s',
      '  cooldown_time: 0s',
      '  export_format: json',
      `  export_path: ${scratch.dir}/out-${name}`,
      'workload:',
      '  name: precedence',
      '  scripts: [{file: tx.sql}]',
      '  setup: [setup.sql]',
      ...(databaseUrl ? ['database:', `  url: ${databaseUrl}`] : []),
      '',
    ].join('\n'),
  );
}

/** The databases that hold a setup mark, after dropping every mark. */
async function marked(): Promise<string[]> {
  const found: string[] = [];
  for (const db of Object.values(dbs)) {
    await withAdmin({ ...ADMIN, database: db.name }, async (c) => {
      const r = await c.query("SELECT to_regclass('setup_mark') IS NOT NULL AS present");
      if (r.rows[0].present) found.push(db.name);
      await c.query('DROP TABLE IF EXISTS setup_mark');
    });
  }
  return found;
}

async function runWith(config: string, env: Record<string, string>, flags: string[] = []) {
  const result = await runCli(['--config', config, '--setup', ...flags], { env: cleanEnv(env) });
  const context = `exit ${result.code}\n${result.stdout}\n${result.stderr}`;
  expect(result.code, context).toBe(0);
  const line = result.stdout.split('\n').find((l) => l.includes('Database:')) ?? '';
  return { line, context };
}

describe('connection precedence on the real server', () => {
  it('--database-url wins over the config, DATABASE_URL and PG*', async () => {
    const config = writeConfig('flag.yaml', dbs.config.url);
    const env = { DATABASE_URL: dbs.envUrl.url, PGHOST: '127.0.0.1', PGDATABASE: dbs.pgDatabase.name };
    const { line } = await runWith(config, env, ['--database-url', dbs.flag.url]);
    expect(line).toContain(`database ${dbs.flag.name} (--database-url)`);
    expect(await marked()).toEqual([dbs.flag.name]);
  });

  it('the config wins over DATABASE_URL and PG*, and a lone PGHOST/PGUSER/PGDATABASE never redirects it', async () => {
    const config = writeConfig('config.yaml', dbs.config.url);
    const envs: Record<string, string>[] = [
      { DATABASE_URL: dbs.envUrl.url, PGDATABASE: dbs.pgDatabase.name },
      { PGHOST: '127.0.0.1' },
      { PGUSER: 'postgres' },
      { PGDATABASE: dbs.pgDatabase.name },
    ];
    for (const env of envs) {
      const { line, context } = await runWith(config, env);
      expect(line, context).toContain(
        `host 127.0.0.1 (database.url), port 5432 (database.url), database ${dbs.config.name} (database.url)`,
      );
      expect(await marked(), JSON.stringify(env)).toEqual([dbs.config.name]);
    }
  });

  it('DATABASE_URL wins over PG* when the config names no database', async () => {
    const config = writeConfig('env-url.yaml', null);
    const { line } = await runWith(config, { DATABASE_URL: dbs.envUrl.url, PGDATABASE: dbs.pgDatabase.name });
    expect(line).toContain(`database ${dbs.envUrl.name} (DATABASE_URL)`);
    expect(await marked()).toEqual([dbs.envUrl.name]);
  });

  it('the PG* variables alone name the database, parameter by parameter', async () => {
    const config = writeConfig('pg-env.yaml', null);
    const { line } = await runWith(config, {
      PGHOST: '127.0.0.1',
      PGUSER: 'postgres',
      PGDATABASE: dbs.pgDatabase.name,
    });
    expect(line).toContain(
      `host 127.0.0.1 (PGHOST), port 5432 (libpq default), database ${dbs.pgDatabase.name} (PGDATABASE), user postgres (PGUSER)`,
    );
    expect(await marked()).toEqual([dbs.pgDatabase.name]);
  });

  it('PGPASSWORD supplies the password of a config URL without one, and never reaches the output', async () => {
    const config = writeConfig('password.yaml', dbs.config.url);
    const secret = 'Pw-never-shown-42';
    // The server trusts local connections, so the password is sent only if asked; it must still stay unseen.
    const { line, context } = await runWith(config, { PGPASSWORD: secret });
    expect(line).toContain('password from PGPASSWORD');
    expect(context).not.toContain(secret);
    expect(await marked()).toEqual([dbs.config.name]);
  });
});
