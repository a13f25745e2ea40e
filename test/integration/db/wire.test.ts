// The wire fast path (src/db/wire.ts) against the real PostgreSQL 15: parameter encoding,
// answers split across socket chunks, error recovery of prepared statements, handing the socket
// back to pg between flights, and a connection killed mid-flight.
import { EventEmitter } from 'node:events';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRandom } from '../../../src/random.js';
import { WireConnection, reusedBufferSocket, wireStatement, type WireStatement } from '../../../src/db/wire.js';
import { createTestDatabase } from '../../support/run-helpers.js';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let admin: pg.Client;
const clients: pg.Client[] = [];
const TAG = `wire_${process.pid}`;

/** A connected client of the test database; an 'error' listener, as the runner's pool has one. */
let socketKind: 'pg' | 'reused-buffer' = 'pg';

async function connect(): Promise<pg.Client> {
  const c = new pg.Client(socketKind === 'pg' ? db.config : { ...db.config, ssl: false, stream: reusedBufferSocket });
  c.on('error', () => {});
  await c.connect();
  clients.push(c);
  return c;
}

/** The socket pg reads from; its write is wrapped to record what the wire sends. */
interface RealStream extends EventEmitter {
  write(chunk: Buffer, ...rest: unknown[]): boolean;
}
const streamOf = (c: pg.Client): RealStream =>
  (c as unknown as { connection: { stream: RealStream } }).connection.stream;

/** Records every buffer written to the client's socket from now on. */
function recordWrites(c: pg.Client): Buffer[] {
  const stream = streamOf(c);
  const writes: Buffer[] = [];
  const write = stream.write.bind(stream);
  stream.write = (chunk: Buffer, ...rest: unknown[]) => {
    writes.push(Buffer.from(chunk));
    return write(chunk, ...rest);
  };
  return writes;
}

/** The type bytes of the frontend messages in one written buffer (all typed, after startup). */
function messageTypes(bytes: Buffer): string {
  let types = '';
  for (let at = 0; at + 5 <= bytes.length; at += 1 + bytes.readInt32BE(at + 1))
    types += String.fromCharCode(bytes[at]!);
  return types;
}
const count = (s: string, ch: string): number => s.split(ch).length - 1;

type Item = [WireStatement, unknown[]];

function queueAll(wire: WireConnection, items: Item[]): void {
  for (const [statement, values] of items) wire.queue(statement, values);
}

/** One flight: resolves with what `done` got; rejects if `done` runs more than once. */
function flight(wire: WireConnection, items: Item[]): Promise<Error | null> {
  queueAll(wire, items);
  return new Promise((resolve, reject) => {
    let calls = 0;
    wire.flush((error) => {
      if (++calls > 1) reject(new Error('done called twice'));
      resolve(error);
    });
  });
}

let statements = 0;
/** A statement with a name of its own, so no test sees another's prepared state. */
const stmt = (text: string, paramCount: number): WireStatement =>
  wireStatement(`${TAG}_${++statements}`, text, paramCount);

/** A pg.Client-shaped object over an in-memory stream, for feeding recorded answers to a wire. */
class FakeStream extends EventEmitter {
  readonly written: Buffer[] = [];
  write(chunk: Buffer): boolean {
    this.written.push(Buffer.from(chunk));
    return true;
  }
}
function fakeClient(): { client: pg.Client; stream: FakeStream; forwarded: Buffer[] } {
  const stream = new FakeStream();
  const forwarded: Buffer[] = [];
  // Stands in for pg's parser, the listener the wire takes over.
  stream.on('data', (chunk: Buffer) => void forwarded.push(Buffer.from(chunk)));
  return { client: { connection: { stream } } as unknown as pg.Client, stream, forwarded };
}

function splitRandomly(bytes: Buffer, rand: () => number, maxPiece: number): Buffer[] {
  const pieces: Buffer[] = [];
  for (let at = 0; at < bytes.length;) {
    const n = 1 + Math.floor(rand() * maxPiece);
    pieces.push(bytes.subarray(at, at + n));
    at += n;
  }
  return pieces;
}

const outcome = (e: Error | null) =>
  e === null
    ? null
    : {
        name: e.name,
        message: e.message,
        code: (e as pg.DatabaseError).code,
        severity: (e as pg.DatabaseError).severity,
      };

beforeAll(async () => {
  db = await createTestDatabase('workload_wire');
  admin = new pg.Client(db.config);
  await admin.connect();
});

afterAll(async () => {
  for (const c of clients) await c.end().catch(() => {});
  await admin?.end();
  await db?.drop();
});

describe('answers split across chunks', () => {
  const divide = stmt('SELECT 1/$1::int', 1);
  const series = stmt('SELECT g, repeat($2, 20) FROM generate_series(1, $1::int) g', 2);
  const echo = stmt('SELECT $1::text AS t', 1);
  const broken = stmt('SELEC oops', 0);
  const flights: Record<string, Item[]> = {
    'one statement': [[echo, ['ok']]],
    'division by zero': [[divide, [0]]],
    'several statements, one flush': [
      [echo, ['a']],
      [series, [500, 'é']],
      [divide, [1]],
      [echo, ['b']],
    ],
    'an error between successes, then a later different error': [
      [echo, ['a']],
      [divide, [0]],
      [broken, []],
      [series, [50, 'z']],
    ],
  };

  it.each(Object.keys(flights))('%s: one outcome, whatever the chunking', async (label) => {
    const items = flights[label]!;
    // The real flight, with a listener that sees every chunk the server sent.
    const c = await connect();
    const wire = WireConnection.of(c);
    const chunks: Buffer[] = [];
    let capturing = true;
    streamOf(c).on('data', (chunk: Buffer) => {
      if (capturing) chunks.push(Buffer.from(chunk));
    });
    const real = await flight(wire, items);
    capturing = false;
    // What the real connection sends for the same flight next: Parse only where none succeeded.
    const writes = recordWrites(c);
    expect(outcome(await flight(wire, items))).toEqual(outcome(real));
    const next = messageTypes(writes[0]!);
    const bytes = Buffer.concat(chunks);
    expect(bytes.length).toBeGreaterThan(0);
    expect(bytes[bytes.length - 6]).toBe(0x5a); // the flight ends with ReadyForQuery
    if (label === 'one statement' || label === 'several statements, one flush') expect(real).toBeNull();
    else {
      expect(real).toBeInstanceOf(pg.DatabaseError);
      expect((real as pg.DatabaseError).code).toBe('22012');
    }

    // An asynchronous message right after the flight (ParameterStatus): it belongs to pg.
    const body = Buffer.from('application_name\0after\0');
    const trailer = Buffer.concat([Buffer.from([0x53, 0, 0, 0, 0]), body]);
    trailer.writeInt32BE(4 + body.length, 1);
    const before = Buffer.from('pg-bytes-before');

    // Seeded, so a failing split can be reproduced.
    const random = createRandom(0x5eed + label.length);
    const rand = (): number => random.next();
    const deliveries: Buffer[][] = [
      [Buffer.concat([bytes, trailer])],
      [...bytes].map((b) => Buffer.from([b])).concat([trailer]),
      splitRandomly(Buffer.concat([bytes, trailer]), rand, 7),
      splitRandomly(Buffer.concat([bytes, trailer]), rand, 64),
      splitRandomly(Buffer.concat([bytes, trailer]), rand, 1024),
    ];
    for (const pieces of deliveries) {
      const fake = fakeClient();
      const w = WireConnection.of(fake.client);
      fake.stream.emit('data', before); // between flights, pg gets the bytes
      queueAll(w, items);
      const results: (Error | null)[] = [];
      w.flush((error) => void results.push(error));
      expect(fake.stream.written).toHaveLength(1);
      // The outcome is known only once the flight's last byte has arrived, and then at once.
      let delivered = 0;
      let early = 0;
      let late = 0;
      for (const piece of pieces) {
        fake.stream.emit('data', piece);
        delivered += piece.length;
        if (delivered < bytes.length && results.length > 0) early++;
        if (delivered >= bytes.length && results.length === 0) late++;
      }
      expect({ early, late, calls: results.length }).toEqual({ early: 0, late: 0, calls: 1 });
      expect(outcome(results[0]!)).toEqual(outcome(real));
      if (real !== null) expect(results[0]).toBeInstanceOf(pg.DatabaseError);
      expect(Buffer.concat(fake.forwarded)).toEqual(Buffer.concat([before, trailer]));
      // The split delivery left the same prepared state as the real one.
      queueAll(w, items);
      w.flush(() => {});
      expect(messageTypes(fake.stream.written[1]!)).toBe(next);
    }
    if (label.startsWith('an error')) expect(next).toBe('BDES' + 'BDES' + 'PBDES' + 'BDES');
    else expect(next).toBe('BDES'.repeat(items.length));
  });
});

// Every real-server case runs over pg's own socket and over the reused-buffer socket the
// runner's pool uses (reads land in one buffer that the next read overwrites).
describe.each(['pg', 'reused-buffer'] as const)('over the %s socket', (kind) => {
  beforeAll(() => {
    socketKind = kind;
  });

  describe('parameter encoding', () => {
    it('sends every kind of value a script produces as the text pg would send', async () => {
      const c = await connect();
      const table = `${TAG}_values`;
      const multibyte = `héllo "wörld" 'quoted' \\ 日本語 🎉`;
      // Longer than the 4096-byte encoding buffer, so it grows in the middle of a Bind.
      const long = 'ü€'.repeat(3000);
      const values: unknown[] = [
        0,
        -1,
        -9007199254740991,
        Number.MAX_SAFE_INTEGER,
        2n ** 62n,
        1.5,
        -0,
        null,
        undefined,
        multibyte,
        '',
        long,
        42, // an integer after the buffer grew
        -1234567,
      ];
      const expected = [
        '0',
        '-1',
        '-9007199254740991',
        '9007199254740991',
        '4611686018427387904',
        '1.5',
        '0',
        null,
        null,
        multibyte,
        '',
        long,
        '42',
        '-1234567',
      ];
      const cols = values.map((_, i) => `c${i}`);
      await c.query(`CREATE TABLE ${table} (id int PRIMARY KEY, ${cols.map((n) => `${n} text`).join(', ')})`);
      try {
        const insert = stmt(
          `INSERT INTO ${table} VALUES (${['$1', ...cols.map((_, i) => `$${i + 2}`)].join(', ')})`,
          values.length + 1,
        );
        const wire = WireConnection.of(c);
        expect(await flight(wire, [[insert, [1, ...values]]])).toBeNull();
        // The same values through pg's own query: the two encodings must agree.
        await c.query(`INSERT INTO ${table} VALUES (${['$1', ...cols.map((_, i) => `$${i + 2}`)].join(', ')})`, [
          2,
          ...values,
        ]);

        const rows = (await c.query({ text: `SELECT * FROM ${table} ORDER BY id`, rowMode: 'array' }))
          .rows as unknown[][];
        expect(rows).toHaveLength(2);
        expect(rows[0]!.slice(1)).toEqual(expected);
        expect(rows[1]!.slice(1)).toEqual(expected);
        // Byte-exact, not just JS-equal: the server stored the UTF-8 we meant.
        const octets = await c.query(
          `SELECT octet_length(c9) AS m, octet_length(c11) AS l, c7 IS NULL AS n7, c8 IS NULL AS n8, c10 IS NULL AS n10 FROM ${table} WHERE id = 1`,
        );
        expect(octets.rows[0]).toEqual({
          m: Buffer.byteLength(multibyte),
          l: Buffer.byteLength(long),
          n7: true,
          n8: true,
          n10: false,
        });
      } finally {
        await c.query(`DROP TABLE IF EXISTS ${table}`);
      }
    });

    it('reads answers larger than a read buffer, split over many reads', async () => {
      const c = await connect();
      const wire = WireConnection.of(c);
      // Each answer is a 300 kB DataRow: it arrives in many reads, so the parser must carry
      // partial messages across reads (copying them, since a reused read buffer is overwritten).
      const big = stmt("SELECT repeat('x', 300000) AS big, $1::int AS n", 1);
      expect(
        await flight(wire, [
          [big, [1]],
          [big, [2]],
          [stmt('SELECT 1 / $1::int', 1), [0]],
        ]),
      ).toMatchObject({ code: '22012' });
      expect(await flight(wire, [[big, [3]]])).toBeNull();
      expect((await c.query("SELECT length(repeat('y', 200000)) AS n")).rows).toEqual([{ n: 200000 }]);
    });

    it('encodes a pipelined flight larger than the encoding buffer', async () => {
      const c = await connect();
      const table = `${TAG}_many`;
      await c.query(`CREATE TABLE ${table} (k int PRIMARY KEY, v text NOT NULL)`);
      try {
        const insert = stmt(`INSERT INTO ${table} VALUES ($1, $2)`, 2);
        const items: Item[] = [];
        for (let k = -50; k < 250; k++) items.push([insert, [k, `v${k}-${'x'.repeat(k & 31)}`]]);
        expect(await flight(WireConnection.of(c), items)).toBeNull();
        const r = await c.query(
          `SELECT count(*)::int AS n, sum(k)::int AS s, bool_and(v = 'v' || k || '-' || repeat('x', k & 31)) AS ok FROM ${table}`,
        );
        expect(r.rows[0]).toEqual({ n: 300, s: items.reduce((s, [, v]) => s + (v[0] as number), 0), ok: true });
      } finally {
        await c.query(`DROP TABLE IF EXISTS ${table}`);
      }
    });
  });

  describe('errors', () => {
    it('a statement whose Parse fails raises 42601 each time, its Parse sent again', async () => {
      const c = await connect();
      const wire = WireConnection.of(c);
      const writes = recordWrites(c);
      const bad = stmt('SELEC 1', 0);
      for (let attempt = 0; attempt < 3; attempt++) {
        const error = await flight(wire, [[bad, []]]);
        expect(error).toBeInstanceOf(pg.DatabaseError);
        expect(error).toMatchObject({
          code: '42601',
          severity: 'ERROR',
          message: 'syntax error at or near "SELEC"',
          position: '1',
        });
        expect(messageTypes(writes[attempt]!)).toBe('PBDES');
      }
      expect(writes).toHaveLength(3);
      // The connection is fine, and nothing was prepared under that name.
      const r = await c.query('SELECT count(*)::int AS n FROM pg_prepared_statements WHERE name = $1', [bad.name]);
      expect(r.rows).toEqual([{ n: 0 }]);
    });

    it('a statement whose Execute fails stays prepared: the retry sends no Parse', async () => {
      const c = await connect();
      const table = `${TAG}_div`;
      await c.query(`CREATE TABLE ${table} (v int)`);
      try {
        const wire = WireConnection.of(c);
        const writes = recordWrites(c);
        const text = `INSERT INTO ${table} SELECT 10/$1::int`;
        const divide = stmt(text, 1);
        const failed = await flight(wire, [[divide, [0]]]);
        expect(failed).toBeInstanceOf(pg.DatabaseError);
        expect(failed).toMatchObject({ code: '22012', severity: 'ERROR', message: 'division by zero' });
        expect(await flight(wire, [[divide, [2]]])).toBeNull();
        expect(await flight(wire, [[divide, [5]]])).toBeNull();
        expect(writes.map(messageTypes)).toEqual(['PBDES', 'BDES', 'BDES']);
        expect(writes.filter((w) => w.includes(divide.parse))).toHaveLength(1);
        expect((await c.query(`SELECT v FROM ${table} ORDER BY v`)).rows).toEqual([{ v: 2 }, { v: 5 }]);
        const r = await c.query('SELECT statement FROM pg_prepared_statements WHERE name = $1', [divide.name]);
        expect(r.rows).toEqual([{ statement: text }]);
      } finally {
        await c.query(`DROP TABLE IF EXISTS ${table}`);
      }
    });

    it('a Bind that fails (bad parameter text) keeps the statement prepared', async () => {
      const c = await connect();
      const wire = WireConnection.of(c);
      const writes = recordWrites(c);
      const cast = stmt('SELECT $1::int', 1);
      expect(await flight(wire, [[cast, ['abc']]])).toMatchObject({ code: '22P02', severity: 'ERROR' });
      expect(await flight(wire, [[cast, [7]]])).toBeNull();
      expect(writes.map(messageTypes)).toEqual(['PBDES', 'BDES']);
    });

    it('a Parse refused in an aborted transaction is sent again after ROLLBACK', async () => {
      const c = await connect();
      const wire = WireConnection.of(c);
      const writes = recordWrites(c);
      const begin = stmt('BEGIN', 0);
      const divide = stmt('SELECT 1/$1::int', 1);
      const later = stmt('SELECT $1::int + 1', 1);
      const rollback = stmt('ROLLBACK', 0);
      // One flight: the division fails, so `later`'s Parse is refused (25P02) and nothing prepared.
      const error = await flight(wire, [
        [begin, []],
        [divide, [0]],
        [later, [1]],
        [rollback, []],
      ]);
      expect(error).toMatchObject({ code: '22012' });
      expect(await flight(wire, [[later, [1]]])).toBeNull();
      expect(await flight(wire, [[later, [2]]])).toBeNull();
      expect(writes.map(messageTypes)).toEqual(['PBDES'.repeat(4), 'PBDES', 'BDES']);
    });

    it('the same failing statement twice in one flight: first error wins, Parse sent again next time', async () => {
      const c = await connect();
      const wire = WireConnection.of(c);
      const writes = recordWrites(c);
      const bad = stmt('SELECT nope FROM nowhere', 0);
      const error = await flight(wire, [
        [bad, []],
        [bad, []],
      ]);
      expect(error).toMatchObject({ code: '42P01', severity: 'ERROR' });
      // The second execution had no Parse of its own: it failed with 26000, which is not reported.
      expect(messageTypes(writes[0]!)).toBe('PBDESBDES');
      expect(await flight(wire, [[bad, []]])).toMatchObject({ code: '42P01' });
      expect(messageTypes(writes[1]!)).toBe('PBDES');
    });
  });

  describe('sharing the connection with pg', () => {
    it('pg queries work before, between and after flights, and see the flight’s transaction', async () => {
      const c = await connect();
      const table = `${TAG}_shared`;
      await c.query(`CREATE TABLE ${table} (v int)`);
      try {
        const wire = WireConnection.of(c);
        const begin = stmt('BEGIN', 0);
        const insert = stmt(`INSERT INTO ${table} VALUES ($1)`, 1);
        expect(
          await flight(wire, [
            [begin, []],
            [insert, [1]],
          ]),
        ).toBeNull();
        // The flight left a transaction open: pg sees it and rolls it back, as the runner does.
        expect((await c.query(`SELECT count(*)::int AS n FROM ${table}`)).rows).toEqual([{ n: 1 }]);
        expect((await c.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
        await c.query('ROLLBACK');
        expect((await c.query(`SELECT count(*)::int AS n FROM ${table}`)).rows).toEqual([{ n: 0 }]);
        // After a flight that failed, too.
        expect(
          await flight(wire, [
            [begin, []],
            [stmt('SELECT 1/0', 0), []],
          ]),
        ).toMatchObject({ code: '22012' });
        await expect(c.query('SELECT 1')).rejects.toMatchObject({ code: '25P02' });
        await c.query('ROLLBACK');
        expect((await c.query('SELECT 2 AS two')).rows).toEqual([{ two: 2 }]);
        // A pg error, then a flight, then pg again. pg rejects on the ErrorResponse, before its
        // ReadyForQuery has arrived: a pg query in between waits for it (see the test below).
        await expect(c.query('SELECT 1/0')).rejects.toMatchObject({ code: '22012' });
        expect((await c.query('SELECT 3 AS three')).rows).toEqual([{ three: 3 }]);
        expect(await flight(wire, [[insert, [3]]])).toBeNull();
        expect((await c.query(`SELECT v FROM ${table}`)).rows).toEqual([{ v: 3 }]);
        // Interleaved many times.
        for (let i = 0; i < 20; i++) {
          expect(await flight(wire, [[insert, [i]]])).toBeNull();
          expect((await c.query('SELECT $1::int AS i', [i])).rows).toEqual([{ i }]);
        }
        expect(WireConnection.of(c)).toBe(wire);
      } finally {
        await c.query(`DROP TABLE IF EXISTS ${table}`);
      }
    });

    // pg settles a failed query on its ErrorResponse, and PostgreSQL flushes an ErrorResponse at once
    // but sends ReadyForQuery only after aborting the transaction. A flight started as soon as the
    // pg query rejected must not take that query's late ReadyForQuery for its own (it would report
    // success before the server answered, and pg would then choke on the flight's answers).
    // The temp tables make the abort slow enough to split the two messages every time.
    it('a flight right after a failed pg query waits for that query’s ReadyForQuery', async () => {
      const c = await connect();
      const errors: unknown[] = [];
      c.on('error', (e) => errors.push(e));
      const wire = WireConnection.of(c);
      const slowAbort = `DO $$ BEGIN FOR i IN 1..300 LOOP EXECUTE format('CREATE TEMP TABLE t%s (a int)', i); END LOOP; PERFORM 1/0; END $$`;
      await expect(c.query(slowAbort)).rejects.toMatchObject({ code: '22012' });
      // Expected: the flight's own outcome (22012). Actual: null, at once.
      expect(await flight(wire, [[stmt('SELECT 1/$1::int', 1), [0]]])).toMatchObject({ code: '22012' });
      await new Promise((r) => setTimeout(r, 50));
      expect(errors).toEqual([]);
      expect((await c.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    });
  });

  describe('connection lost mid-flight', () => {
    async function activeBackend(pid: number): Promise<void> {
      for (let i = 0; i < 100; i++) {
        const r = await admin.query(
          `SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND state = 'active' AND query LIKE '%pg_sleep%'`,
          [pid],
        );
        if (r.rowCount === 1) return;
        await new Promise((r) => setTimeout(r, 10));
      }
      throw new Error(`backend ${pid} never started sleeping`);
    }

    /** A flight whose backend is busy in pg_sleep(5) once this resolves; calls records done's. */
    async function sleepingFlight(): Promise<{
      c: pg.Client;
      pid: number;
      calls: (Error | null)[];
      settled: Promise<void>;
    }> {
      const c = await connect();
      const pid = (c as unknown as { processID: number }).processID;
      const wire = WireConnection.of(c);
      const calls: (Error | null)[] = [];
      const settled = new Promise<void>((resolve) => {
        wire.queue(stmt('SELECT pg_sleep(5)', 0), []);
        wire.flush((error) => {
          calls.push(error);
          resolve();
        });
      });
      await activeBackend(pid);
      return { c, pid, calls, settled };
    }

    it('pg_terminate_backend: done gets the FATAL 57P01 once, promptly', async () => {
      const { pid, calls, settled } = await sleepingFlight();
      const started = Date.now();
      expect((await admin.query('SELECT pg_terminate_backend($1) AS ok', [pid])).rows).toEqual([{ ok: true }]);
      await settled;
      expect(Date.now() - started).toBeLessThan(2000);
      await new Promise((r) => setTimeout(r, 100));
      expect(calls).toHaveLength(1);
      const error = calls[0]!;
      expect(error).not.toBeNull();
      if ((error as pg.DatabaseError).code !== undefined) {
        expect(error).toBeInstanceOf(pg.DatabaseError);
        expect(error).toMatchObject({ code: '57P01', severity: 'FATAL' });
      } else {
        expect(error.message).toMatch(/Connection terminated/);
      }
    });

    it('the socket closing without a message: done gets "Connection terminated" once', async () => {
      const { c, pid, calls, settled } = await sleepingFlight();
      (streamOf(c) as unknown as { destroy(): void }).destroy();
      await settled;
      await new Promise((r) => setTimeout(r, 100));
      expect(calls).toHaveLength(1);
      expect(calls[0]!.message).toMatch(/Connection terminated/);
      await admin.query('SELECT pg_terminate_backend($1)', [pid]);
    });

    it('a connection terminated between flights: the next flight fails at once instead of waiting forever', async () => {
      const c = await connect();
      const wire = WireConnection.of(c);
      expect(await flight(wire, [[stmt('SELECT 1', 0), []]])).toBeNull();
      const pid = (await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
      const closed = new Promise((resolve) => streamOf(c).once('close', resolve));
      await admin.query('SELECT pg_terminate_backend($1)', [pid]);
      await closed;
      const error = await flight(wire, [[stmt('SELECT 2', 0), []]]);
      expect(error?.message).toMatch(/Connection terminated/);
    });
  });

  describe('transaction status and notices', () => {
    it('tracks ReadyForQuery’s status through flights and pg’s own queries', async () => {
      const c = await connect();
      const wire = WireConnection.of(c);
      expect(await flight(wire, [[stmt('SELECT 1', 0), []]])).toBeNull();
      expect(wire.transactionStatus).toBe('I');
      expect(await flight(wire, [[stmt('BEGIN', 0), []]])).toBeNull();
      expect(wire.transactionStatus).toBe('T');
      expect(await flight(wire, [[stmt('SELECT 1/0', 0), []]])).toMatchObject({ code: '22012' });
      expect(wire.transactionStatus).toBe('E');
      await c.query('ROLLBACK');
      expect(wire.transactionStatus).toBe('I');
      expect(await flight(wire, [[stmt('SELECT 1/0', 0), []]])).toMatchObject({ code: '22012' });
      expect(wire.transactionStatus).toBe('I'); // an autocommit failure leaves nothing open
    });

    it('hands the notices of a flight to onNotice with their severity, SQLSTATE and message', async () => {
      const c = await connect();
      const wire = WireConnection.of(c);
      const seen: unknown[] = [];
      wire.onNotice = (notice) => seen.push(notice);
      const raise = stmt("DO $$BEGIN RAISE NOTICE 'n %', 1; RAISE WARNING 'w' USING ERRCODE = '01007'; END$$", 0);
      expect(
        await flight(wire, [
          [raise, []],
          [stmt('SELECT 1', 0), []],
        ]),
      ).toBeNull();
      expect(seen).toEqual([
        { severity: 'NOTICE', code: '00000', message: 'n 1' },
        { severity: 'WARNING', code: '01007', message: 'w' },
      ]);
    });
  });
});
