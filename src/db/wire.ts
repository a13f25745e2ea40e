// The benchmark's hot path speaks PostgreSQL's extended query protocol itself. pg's Query turns
// every answer into message objects, events and callbacks, and its writer assembles each message
// from several buffers; a benchmark only needs to know that a statement completed or how it
// failed. On a small machine the client's CPU is taken from the server it measures, so this path
// writes each transaction's (or statement's) messages with one socket write from pre-encoded
// parts and reads the answers by type byte and length, decoding nothing but errors.
//
// pg still opens, authenticates (SCRAM, TLS) and closes every connection. The socket's data
// listener is wrapped once per connection: while a wire transaction is in flight the bytes come
// here, otherwise they go to pg's own parser unchanged, so pg's queries on the same connection
// (the runner's ROLLBACK, setup, schema checks) keep working.

import net from 'node:net';
import pg from 'pg';

/** One named prepared statement, encoded once. */
export interface WireStatement {
  readonly name: string;
  /** The Parse message, sent once per connection. */
  readonly parse: Buffer;
  /** Bind up to its parameter values: portal "", the statement name, text format. */
  readonly bindHead: Buffer;
  readonly paramCount: number;
}

// After the values: all results in text format; Describe the portal (as libpq's
// PQsendQueryPrepared does, so the server's work matches pgbench -M prepared); Execute with no
// row limit; Sync, so each statement gets its own ReadyForQuery and error recovery point.
const BIND_TAIL_AND_EXECUTE = Buffer.from([
  0,
  0, // result format codes: none (all text)
  0x44,
  0,
  0,
  0,
  6,
  0x50,
  0, // Describe portal ""
  0x45,
  0,
  0,
  0,
  9,
  0,
  0,
  0,
  0,
  0, // Execute portal "", all rows
  0x53,
  0,
  0,
  0,
  4, // Sync
]);

export function wireStatement(name: string, text: string, paramCount: number): WireStatement {
  const nameBytes = Buffer.byteLength(name);
  const textBytes = Buffer.byteLength(text);
  const parse = Buffer.alloc(1 + 4 + nameBytes + 1 + textBytes + 1 + 2);
  parse[0] = 0x50; // 'P'
  parse.writeInt32BE(parse.length - 1, 1);
  parse.write(name, 5);
  parse.write(text, 5 + nameBytes + 1);
  // The parameter type count stays 0: the server infers the types, as pg and libpq let it.
  const bindHead = Buffer.alloc(1 + 4 + 1 + nameBytes + 1 + 2 + 2);
  bindHead[0] = 0x42; // 'B'; the length is patched per execution
  bindHead.write(name, 6);
  bindHead.writeInt16BE(paramCount, bindHead.length - 2);
  return { name, parse, bindHead, paramCount };
}

// One encoding buffer for every connection: encoding is synchronous and each flush copies the
// bytes out, so a single growable buffer serves the whole event loop.
let scratch = Buffer.allocUnsafe(4096);
let used = 0;

function reserve(bytes: number): void {
  if (used + bytes <= scratch.length) return;
  let size = scratch.length * 2;
  while (size < used + bytes) size *= 2;
  const bigger = Buffer.allocUnsafe(size);
  scratch.copy(bigger, 0, 0, used);
  scratch = bigger;
}

function append(bytes: Buffer): void {
  reserve(bytes.length);
  bytes.copy(scratch, used);
  used += bytes.length;
}

/** Writes a safe integer's decimal digits (what String() gives) without making a string. */
function appendInteger(value: number): void {
  reserve(4 + 17);
  const lengthAt = used;
  used += 4;
  let v = value;
  if (v < 0) {
    scratch[used++] = 0x2d; // '-'
    v = -v;
  }
  const start = used;
  do {
    scratch[used++] = 0x30 + (v % 10);
    v = Math.floor(v / 10);
  } while (v > 0);
  scratch.subarray(start, used).reverse();
  scratch.writeInt32BE(used - lengthAt - 4, lengthAt);
}

/** A parameter in text format, as pg's prepareValue would send the values a script produces. */
function appendValue(value: unknown): void {
  if (value === null || value === undefined) {
    reserve(4);
    scratch.writeInt32BE(-1, used);
    used += 4;
    return;
  }
  if (typeof value === 'number' && Number.isSafeInteger(value) && !Object.is(value, -0)) {
    appendInteger(value);
    return;
  }
  const text = typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
  const bytes = Buffer.byteLength(text);
  reserve(4 + bytes);
  scratch.writeInt32BE(bytes, used);
  scratch.write(text, used + 4);
  used += 4 + bytes;
}

/** A flight's end: its first error (null: none) and that statement's position in the flight (-1: none). */
type Done = (error: Error | null, failedAt: number) => void;

interface WireStream {
  write(chunk: Buffer): boolean;
  listeners(event: 'data'): Function[];
  removeAllListeners(event: 'data'): unknown;
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
}

const WIRE = Symbol('pgscale.wire');
const READ_HOOK = Symbol('pgscale.readHook');

interface HookedSocket extends net.Socket {
  [READ_HOOK]: ((view: Buffer) => void) | null;
}

/**
 * A plain TCP socket for pg (config.stream) whose reads land in one reused buffer, handed over
 * without Node's Readable machinery and without a fresh allocation per read. Until a wire
 * connection hooks it, each read is copied and emitted as 'data' for pg's parser (which may keep
 * a partial message). Not for TLS: pg wraps TLS around the socket's handle, not its reads.
 */
export function reusedBufferSocket(): net.Socket {
  // onread is read by the Socket constructor (net.connect passes its options through to it);
  // @types/node lists it only among the connect options.
  const socket = new net.Socket({
    onread: {
      buffer: Buffer.allocUnsafe(64 * 1024),
      callback: (nread: number, buffer: Uint8Array): boolean => {
        const view = Buffer.from(buffer.buffer, buffer.byteOffset, nread);
        const hook = socket[READ_HOOK];
        if (hook !== null) hook(view);
        else socket.emit('data', Buffer.from(view));
        return true;
      },
    },
  } as net.SocketConstructorOpts) as HookedSocket;
  socket[READ_HOOK] = null;
  return socket;
}

// Backend message types this path acts on.
const PARSE_COMPLETE = 0x31; // '1'
const ERROR_RESPONSE = 0x45; // 'E'
const NOTICE_RESPONSE = 0x4e; // 'N'
const READY_FOR_QUERY = 0x5a; // 'Z'

/** The transaction status of a ReadyForQuery: idle, in a transaction, in a failed transaction. */
export type TransactionStatus = 'I' | 'T' | 'E';

/** A NoticeResponse (NOTICE, WARNING, …) the server sent on a connection. */
export interface WireNotice {
  /** Non-localised severity (field V, PostgreSQL ≥ 9.6), else the localised one (S). */
  severity: string;
  code: string | undefined;
  message: string;
}

/** The fields of an ErrorResponse or NoticeResponse body, by their one-letter codes. */
function messageFields(buf: Buffer, start: number, end: number): Record<string, string> {
  const fields: Record<string, string> = {};
  let at = start;
  while (at < end && buf[at] !== 0) {
    const key = String.fromCharCode(buf[at]!);
    const stop = buf.indexOf(0, at + 1);
    if (stop < 0 || stop >= end) break;
    fields[key] = buf.toString('utf8', at + 1, stop);
    at = stop + 1;
  }
  return fields;
}

/** Builds the error pg would have raised, so callers see the same code, severity and fields. */
function databaseError(buf: Buffer, start: number, end: number): pg.DatabaseError {
  const fields = messageFields(buf, start, end);
  const error = new pg.DatabaseError(fields.M ?? 'unknown server error', end - start + 4, 'error');
  error.severity = fields.S;
  error.code = fields.C;
  error.detail = fields.D;
  error.hint = fields.H;
  error.position = fields.P;
  error.internalPosition = fields.p;
  error.internalQuery = fields.q;
  error.where = fields.W;
  error.schema = fields.s;
  error.table = fields.t;
  error.column = fields.c;
  error.dataType = fields.d;
  error.constraint = fields.n;
  error.file = fields.F;
  error.line = fields.L;
  error.routine = fields.R;
  return error;
}

/**
 * A pooled connection's wire-level channel. One transaction (or one pipelined block) is in
 * flight at a time: queue() encodes statements, flush() sends them in one write and calls back
 * once every statement's ReadyForQuery has arrived, with the first error if any.
 */
export class WireConnection {
  /** Statement names the server has (or is about to have) prepared on this connection. */
  private readonly prepared = new Set<string>();
  private readonly forward: (chunk: Buffer) => void;
  private queued = 0;
  /** The Parse sent with each statement of the flight, in order (null: already prepared). */
  private readonly parses: (string | null)[] = [];
  private segment = 0;
  private segmentParsed = false;
  private due = 0;
  private firstError: Error | null = null;
  private firstErrorAt = -1;
  private done: Done | null = null;
  private carry: Buffer | null = null;
  /** A flight held back until pg has read the ReadyForQuery of its own last query. */
  private held: Buffer | null = null;
  /** Set once the socket closed; a flight sent afterwards fails at once with it. */
  private lost: Error | null = null;
  /** The status byte of the last ReadyForQuery, the wire's or pg's; null before the first. */
  private status: TransactionStatus | null = null;
  /** Receives the notices that arrive during a flight (pg emits 'notice' for the others). */
  onNotice: ((notice: WireNotice) => void) | null = null;

  private constructor(
    private readonly stream: WireStream,
    private readonly pgState: { readyForQuery?: boolean },
  ) {
    // pg's parser (and anything else reading the socket) gets the bytes between flights.
    if (READ_HOOK in stream) {
      // Reads arrive as views of one reused buffer: what pg is handed is a copy.
      this.forward = (chunk) => (stream as unknown as net.Socket).emit('data', Buffer.from(chunk));
      (stream as unknown as HookedSocket)[READ_HOOK] = (view) => this.onData(view);
    } else {
      const listeners = stream.listeners('data');
      stream.removeAllListeners('data');
      stream.on('data', (chunk) => this.onData(chunk));
      this.forward = (chunk) => {
        for (const listener of listeners) listener.call(stream, chunk);
      };
    }
    stream.on('close', () => {
      // Between flights nobody is waiting: the next flight must not wait for answers that
      // cannot come (it would hang until the band closes its pool), so it fails with this.
      const error = (this.done !== null ? this.firstError : null) ?? new Error('Connection terminated unexpectedly');
      this.lost ??= error;
      this.settle(error);
    });
    // pg's own queries (the runner's ROLLBACK, setup) end with a ReadyForQuery pg parses.
    const connection = (pgState as { connection?: { on?: unknown } }).connection;
    if (connection && typeof connection.on === 'function') {
      (connection as { on(event: 'readyForQuery', listener: (msg: { status?: string }) => void): unknown }).on(
        'readyForQuery',
        (msg) => {
          if (msg.status === 'I' || msg.status === 'T' || msg.status === 'E') this.status = msg.status;
        },
      );
    }
  }

  /**
   * Whether a transaction is open on this connection, from the last ReadyForQuery: 'I' idle,
   * 'T' in a transaction, 'E' in a failed one (only ROLLBACK helps); null before the first.
   */
  get transactionStatus(): TransactionStatus | null {
    return this.status;
  }

  /** The channel of a connected pg client, created on first use. */
  static of(client: pg.Client): WireConnection {
    const holder = client as unknown as { [WIRE]?: WireConnection; connection: { stream: WireStream } };
    return (holder[WIRE] ??= new WireConnection(holder.connection.stream, holder as { readyForQuery?: boolean }));
  }

  /** Encodes one statement execution (with its Parse the first time on this connection). */
  queue(statement: WireStatement, values: ArrayLike<unknown>): void {
    if (this.queued === 0) used = 0;
    if (this.prepared.has(statement.name)) {
      this.parses.push(null);
    } else {
      append(statement.parse);
      this.prepared.add(statement.name);
      this.parses.push(statement.name);
    }
    const bindAt = used;
    append(statement.bindHead);
    for (let p = 0; p < statement.paramCount; p++) appendValue(values[p]);
    scratch.writeInt32BE(used + 2 - bindAt - 1, bindAt + 1); // Bind's length covers the result formats
    append(BIND_TAIL_AND_EXECUTE);
    this.queued++;
  }

  /** Sends what was queued in one write; `done` runs once with the first error or null. */
  flush(done: Done): void {
    const bytes = Buffer.allocUnsafe(used);
    scratch.copy(bytes, 0, 0, used);
    used = 0;
    this.due = this.queued;
    this.queued = 0;
    this.segment = 0;
    this.segmentParsed = false;
    this.firstError = null;
    this.firstErrorAt = -1;
    if (this.lost !== null) {
      // Called back from a microtask, as a flight's answers would be, never from inside flush.
      const lost = this.lost;
      this.parses.length = 0;
      queueMicrotask(() => done(lost, 0));
      return;
    }
    this.done = done;
    // pg settles a failed query on its ErrorResponse, before the ReadyForQuery that follows;
    // that ReadyForQuery is pg's, so the flight waits for it rather than taking it as its own.
    if (this.pgState.readyForQuery === false) this.held = bytes;
    else this.stream.write(bytes);
  }

  private onData(chunk: Buffer): void {
    if (this.done === null || this.held !== null) {
      this.forward(chunk);
      if (this.held !== null && this.pgState.readyForQuery !== false) {
        const bytes = this.held;
        this.held = null;
        this.stream.write(bytes);
      }
      return;
    }
    let buf = chunk;
    if (this.carry !== null) {
      buf = Buffer.concat([this.carry, chunk]);
      this.carry = null;
    }
    let at = 0;
    while (this.done !== null && at + 5 <= buf.length) {
      const end = at + 1 + buf.readInt32BE(at + 1);
      if (end > buf.length) break;
      this.onMessage(buf[at]!, buf, at + 5, end);
      at = end;
    }
    if (at >= buf.length) return;
    // A copy: the chunk may be a view of a read buffer that the next read overwrites.
    if (this.done !== null) this.carry = Buffer.from(buf.subarray(at));
    // Bytes after the flight's last ReadyForQuery (an asynchronous notice) belong to pg.
    else this.forward(buf.subarray(at));
  }

  private onMessage(type: number, buf: Buffer, start: number, end: number): void {
    if (type === READY_FOR_QUERY) {
      const status = buf[start];
      this.status = status === 0x54 ? 'T' : status === 0x45 ? 'E' : 'I';
      this.segment++;
      this.segmentParsed = false;
      if (--this.due === 0) this.settle(this.firstError);
    } else if (type === PARSE_COMPLETE) {
      this.segmentParsed = true;
    } else if (type === ERROR_RESPONSE) {
      // A Parse that failed left nothing prepared: the next execution must send it again.
      const parsed = this.parses[this.segment];
      if (parsed && !this.segmentParsed) this.prepared.delete(parsed);
      const error = databaseError(buf, start, end);
      if (this.firstError === null) {
        this.firstError = error;
        this.firstErrorAt = this.segment;
      }
    } else if (type === NOTICE_RESPONSE) {
      if (this.onNotice !== null) {
        const fields = messageFields(buf, start, end);
        this.onNotice({ severity: fields.V ?? fields.S ?? 'NOTICE', code: fields.C, message: fields.M ?? '' });
      }
    }
    // Everything else (BindComplete, RowDescription, DataRow, CommandComplete) is read past:
    // the benchmark counts completions, not rows.
  }

  private settle(error: Error | null): void {
    const done = this.done;
    if (done === null) return;
    this.done = null;
    this.held = null;
    this.parses.length = 0;
    this.carry = null;
    // A connection lost mid-flight fails the statement whose answer was due.
    done(error, error === null ? -1 : this.firstErrorAt >= 0 ? this.firstErrorAt : this.segment);
  }
}
