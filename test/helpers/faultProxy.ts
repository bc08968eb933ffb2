import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { nodeAddress, nodeIds, PORTS } from '../../src/local/layout.js';
import { defined } from '../../src/defined.js';

/**
 * A TCP proxy that understands Kafka's framing (a 4-byte size, then a request
 * or response) and can misbehave on command: stall every connection, cut
 * them, or flip one byte inside a fetched record batch. Tests put it between
 * ktc and the brokers' PROXIED listener (see src/local/layout.ts), whose
 * metadata advertises the proxy's port, so every connection a client opens
 * after bootstrapping goes through it.
 */

export interface ProxyRoute {
  listenHost: string;
  /** 0 picks a free port (see FaultProxy.listening). */
  listenPort: number;
  targetHost: string;
  targetPort: number;
}

/** Where the flipped byte was, in Kafka's terms and in bytes. */
export interface FlippedByte {
  topic: string;
  partition: number;
  fetchVersion: number;
  batchBaseOffset: number;
  /** Offset of the batch's last record: a consumer must not count any record of the batch. */
  batchLastOffset: number;
  /** The record whose value holds the byte (uncompressed batches); otherwise the byte is mid-records area. */
  recordOffset?: number;
  /** From the start of the batch; always past the 61-byte header, so only the CRC can catch it. */
  positionInBatch: number;
  /** From the start of the frame (the size prefix), for tests that look at the bytes. */
  positionInFrame: number;
  before: number;
  after: number;
}

export interface ProxyCounters {
  connectionsAccepted: number;
  /** Accepted connections by the host:port they came in on (one per broker in a cluster). */
  connectionsByListener: Record<string, number>;
  connectionsOpen: number;
  connectionsCut: number;
  bytesToBroker: number;
  bytesToClient: number;
  /** Frames by Kafka API key (-1: a frame whose request was not recognised). */
  requestsByApiKey: Record<number, number>;
  responsesByApiKey: Record<number, number>;
}

const FETCH = 1;
/** Fetch 4..11 are the non-flexible versions with the fields parsed below; 12+ use compact encodings. */
const FETCH_VERSIONS = { min: 4, max: 11 } as const;
/** baseOffset 8, batchLength 4, leaderEpoch 4, magic 1, crc 4, attributes 2, lastOffsetDelta 4, timestamps 16, producer 14, count 4. */
export const BATCH_HEADER_BYTES = 61;
const FLIP_MASK = 0xff;

/** Splits a byte stream into whole frames (size prefix included), however the chunks fall. */
export class FrameSplitter {
  private chunks: Buffer[] = [];
  private buffered = 0;

  push(chunk: Buffer): Buffer[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const frames: Buffer[] = [];
    while (this.buffered >= 4) {
      const head = defined(this.chunks[0]).length >= 4 ? defined(this.chunks[0]) : Buffer.concat(this.chunks, this.buffered);
      const total = 4 + head.readInt32BE(0);
      if (this.buffered < total) break;
      const data = this.chunks.length === 1 ? defined(this.chunks[0]) : Buffer.concat(this.chunks, this.buffered);
      frames.push(data.subarray(0, total));
      const rest = data.subarray(total);
      this.chunks = rest.length ? [rest] : [];
      this.buffered = rest.length;
    }
    return frames;
  }
}

/** A bounds-checked cursor: a truncated or foreign frame throws RangeError instead of reading garbage. */
class Cursor {
  constructor(
    readonly buf: Buffer,
    public pos: number,
  ) {}

  private need(n: number): number {
    if (this.pos + n > this.buf.length) throw new RangeError(`frame ends at ${this.buf.length}, need ${this.pos + n}`);
    const at = this.pos;
    this.pos += n;
    return at;
  }
  int16(): number {
    return this.buf.readInt16BE(this.need(2));
  }
  int32(): number {
    return this.buf.readInt32BE(this.need(4));
  }
  int64(): number {
    return Number(this.buf.readBigInt64BE(this.need(8)));
  }
  skip(n: number): void {
    this.need(n);
  }
  string(): string {
    const length = this.int16();
    if (length < 0) return '';
    return this.buf.toString('utf8', this.need(length), this.pos);
  }
  /** Kafka's zigzag varint, as record fields use it. */
  varint(): number {
    let raw = 0;
    let scale = 1;
    for (;;) {
      const byte = defined(this.buf[this.need(1)]);
      raw += (byte & 0x7f) * scale;
      if (!(byte & 0x80)) break;
      scale *= 128;
    }
    return raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
  }
}

/** One partition's records field inside a Fetch response frame. */
export interface RecordsSpan {
  topic: string;
  partition: number;
  /** Frame positions of the records bytes (after their int32 length). */
  start: number;
  end: number;
}

/**
 * Finds every partition's records in a Fetch response frame (size prefix
 * included) of a non-flexible version, 4..11.
 */
export function fetchRecordSpans(frame: Buffer, version: number): RecordsSpan[] {
  if (version < FETCH_VERSIONS.min || version > FETCH_VERSIONS.max) {
    throw new RangeError(`Fetch v${version} is not parsed (only ${FETCH_VERSIONS.min}..${FETCH_VERSIONS.max})`);
  }
  const c = new Cursor(frame, 4);
  c.int32(); // correlation id
  c.int32(); // throttle_time_ms
  if (version >= 7) c.skip(2 + 4); // error_code, session_id
  const spans: RecordsSpan[] = [];
  for (let topics = c.int32(); topics > 0; topics--) {
    const topic = c.string();
    for (let partitions = c.int32(); partitions > 0; partitions--) {
      const partition = c.int32();
      c.skip(2 + 8 + 8); // error_code, high_watermark, last_stable_offset
      if (version >= 5) c.skip(8); // log_start_offset
      const aborted = c.int32();
      if (aborted > 0) c.skip(aborted * 16); // producer_id, first_offset
      if (version >= 11) c.skip(4); // preferred_read_replica
      const length = c.int32();
      if (length < 0) continue;
      const start = c.pos;
      c.skip(length);
      spans.push({ topic, partition, start, end: c.pos });
    }
  }
  return spans;
}

/**
 * Chooses the byte to flip in the first whole record batch of a span: the
 * middle of the first record's value when the batch is uncompressed (the
 * record's lengths stay intact, so a reader walks it normally and only the
 * CRC tells), else the middle of the records area. Undefined when the span
 * holds no whole batch with records.
 */
export function chooseFlip(frame: Buffer, span: RecordsSpan): Omit<FlippedByte, 'fetchVersion' | 'before' | 'after'> | undefined {
  for (let pos = span.start; pos + BATCH_HEADER_BYTES <= span.end;) {
    const batchEnd = pos + 12 + frame.readInt32BE(pos + 8);
    if (batchEnd > span.end) return undefined; // cut short by the fetch size limit
    const recordsStart = pos + BATCH_HEADER_BYTES;
    const magic = frame.readInt8(pos + 16);
    const count = frame.readInt32BE(pos + 57);
    if (magic === 2 && count > 0 && batchEnd > recordsStart) {
      const baseOffset = Number(frame.readBigInt64BE(pos));
      const where = {
        topic: span.topic,
        partition: span.partition,
        batchBaseOffset: baseOffset,
        batchLastOffset: baseOffset + frame.readInt32BE(pos + 23),
      };
      const uncompressed = (frame.readInt16BE(pos + 21) & 7) === 0;
      if (uncompressed) {
        const inValue = firstValueMiddle(frame, recordsStart, batchEnd);
        if (inValue) {
          return { ...where, recordOffset: baseOffset + inValue.offsetDelta, positionInBatch: inValue.at - pos, positionInFrame: inValue.at };
        }
      }
      const at = recordsStart + Math.floor((batchEnd - recordsStart) / 2);
      return { ...where, positionInBatch: at - pos, positionInFrame: at };
    }
    pos = batchEnd;
  }
  return undefined;
}

function firstValueMiddle(frame: Buffer, start: number, end: number): { at: number; offsetDelta: number } | undefined {
  try {
    const c = new Cursor(frame.subarray(0, end), start);
    c.varint(); // record length
    c.skip(1); // attributes
    c.varint(); // timestamp delta
    const offsetDelta = c.varint();
    const keyLength = c.varint();
    if (keyLength > 0) c.skip(keyLength);
    const valueLength = c.varint();
    if (valueLength <= 0 || c.pos + valueLength > end) return undefined;
    return { at: c.pos + Math.floor(valueLength / 2), offsetDelta };
  } catch {
    return undefined;
  }
}

interface RequestSeen {
  apiKey: number;
  version: number;
}

type Direction = 'toBroker' | 'toClient';

/** What a connection reports to, and asks of, its proxy. */
interface ConnectionHooks {
  stalled(): boolean;
  forwarded(direction: Direction, bytes: number): void;
  frame(kind: 'requests' | 'responses', apiKey: number): void;
  /** Sees every Fetch response before it is forwarded (or held), and may change its bytes. */
  fetchResponse(frame: Buffer, version: number): void;
  /** Whether Fetch responses on connections accepted by this listener are held (see FaultProxy.holdFetches). */
  holdsFetches(listener: string): boolean;
  closed(connection: ProxiedConnection): void;
}

/** One client connection and its connection to the broker. */
class ProxiedConnection {
  private readonly splitters = { toBroker: new FrameSplitter(), toClient: new FrameSplitter() };
  private readonly held: Record<Direction, Buffer[]> = { toBroker: [], toClient: [] };
  /** Requests awaiting their response, by correlation id, so a response can be told by its API. */
  private readonly inFlight = new Map<number, RequestSeen>();
  /** Directions whose target's buffer is full: their source stays paused until it drains. */
  private readonly draining = new Set<Direction>();
  /** Set at a held Fetch response: it and every response after it wait for releaseFetches(), in order. */
  private holdingResponses = false;
  closed = false;

  constructor(
    private readonly hooks: ConnectionHooks,
    readonly client: Socket,
    readonly broker: Socket,
    readonly listener: string,
  ) {
    client.on('data', (chunk: Buffer) => this.onData('toBroker', chunk));
    broker.on('data', (chunk: Buffer) => this.onData('toClient', chunk));
    for (const socket of [client, broker]) {
      socket.on('error', () => this.destroy());
      socket.on('close', () => this.destroy());
    }
    if (hooks.stalled()) this.pause();
  }

  private source(direction: Direction): Socket {
    return direction === 'toBroker' ? this.client : this.broker;
  }

  private target(direction: Direction): Socket {
    return direction === 'toBroker' ? this.broker : this.client;
  }

  private onData(direction: Direction, chunk: Buffer): void {
    for (const frame of this.splitters[direction].push(chunk)) {
      if (direction === 'toBroker') this.sawRequest(frame);
      else if (this.sawResponse(frame) === FETCH && this.hooks.holdsFetches(this.listener)) this.holdingResponses = true;
      if (this.hooks.stalled() || (direction === 'toClient' && this.holdingResponses)) this.held[direction].push(frame);
      else this.forward(direction, frame);
    }
  }

  private forward(direction: Direction, frame: Buffer): void {
    if (this.closed) return;
    this.hooks.forwarded(direction, frame.length);
    const target = this.target(direction);
    if (!target.write(frame) && !this.draining.has(direction)) {
      // Let the slower side set the pace instead of buffering without bound.
      this.draining.add(direction);
      this.source(direction).pause();
      target.once('drain', () => {
        this.draining.delete(direction);
        if (!this.hooks.stalled()) this.source(direction).resume();
      });
    }
  }

  private sawRequest(frame: Buffer): void {
    if (frame.length < 12) {
      this.hooks.frame('requests', -1);
      return;
    }
    const apiKey = frame.readInt16BE(4);
    const version = frame.readInt16BE(6);
    this.inFlight.set(frame.readInt32BE(8), { apiKey, version });
    this.hooks.frame('requests', apiKey);
  }

  /** Counts the response; returns its API key (-1 when its request was not seen). */
  private sawResponse(frame: Buffer): number {
    const request = frame.length >= 8 ? this.inFlight.get(frame.readInt32BE(4)) : undefined;
    if (!request) {
      this.hooks.frame('responses', -1);
      return -1;
    }
    this.inFlight.delete(frame.readInt32BE(4));
    this.hooks.frame('responses', request.apiKey);
    if (request.apiKey === FETCH) this.hooks.fetchResponse(frame, request.version);
    return request.apiKey;
  }

  /** Forwards the responses held since a held Fetch response, in order, and stops holding them. */
  releaseResponses(): void {
    this.holdingResponses = false;
    if (this.hooks.stalled()) return; // resume() forwards them
    const frames = this.held.toClient;
    this.held.toClient = [];
    for (const frame of frames) this.forward('toClient', frame);
  }

  pause(): void {
    this.client.pause();
    this.broker.pause();
  }

  resume(): void {
    for (const direction of ['toBroker', 'toClient'] as const) {
      if (direction === 'toClient' && this.holdingResponses) continue; // until releaseResponses()
      const frames = this.held[direction];
      this.held[direction] = [];
      for (const frame of frames) this.forward(direction, frame);
    }
    for (const direction of ['toBroker', 'toClient'] as const) {
      if (!this.draining.has(direction)) this.source(direction).resume();
    }
  }

  destroy(): void {
    if (this.closed) return;
    this.closed = true;
    this.client.destroy();
    this.broker.destroy();
    this.hooks.closed(this);
  }
}

function listeningOn(server: Server): string {
  const a = server.address() as AddressInfo;
  return `${a.address}:${a.port}`;
}

/** See the top of this file. Every control acts on all routes at once. */
export class FaultProxy {
  private readonly servers: Server[] = [];
  private readonly connections = new Set<ProxiedConnection>();
  private readonly flipWaiters: Array<(flip: FlippedByte) => void> = [];
  private readonly skippedFetchVersions = new Set<number>();
  private stalled = false;
  /** Listeners whose Fetch responses are held. */
  private readonly fetchesHeld = new Set<string>();
  readonly flips: FlippedByte[] = [];
  private readonly stats: ProxyCounters = {
    connectionsAccepted: 0,
    connectionsByListener: {},
    connectionsOpen: 0,
    connectionsCut: 0,
    bytesToBroker: 0,
    bytesToClient: 0,
    requestsByApiKey: {},
    responsesByApiKey: {},
  };

  private readonly hooks: ConnectionHooks = {
    stalled: () => this.stalled,
    forwarded: (direction, bytes) => {
      if (direction === 'toBroker') this.stats.bytesToBroker += bytes;
      else this.stats.bytesToClient += bytes;
    },
    frame: (kind, apiKey) => {
      const table = kind === 'requests' ? this.stats.requestsByApiKey : this.stats.responsesByApiKey;
      table[apiKey] = (table[apiKey] ?? 0) + 1;
    },
    fetchResponse: (frame, version) => this.maybeFlip(frame, version),
    holdsFetches: (listener) => this.fetchesHeld.has(listener),
    closed: (connection) => this.connections.delete(connection),
  };

  private constructor(readonly routes: ProxyRoute[]) {}

  static async start(routes: ProxyRoute[]): Promise<FaultProxy> {
    const proxy = new FaultProxy(routes);
    try {
      for (const route of routes) proxy.servers.push(await proxy.listen(route));
    } catch (err) {
      await proxy.close();
      throw err;
    }
    return proxy;
  }

  /** `<node>:9096` → `<node>:9095` for every node of a `ktc local` cluster. */
  static forCluster(cluster: { firstAddress: string; nodes: number }): Promise<FaultProxy> {
    return FaultProxy.start(
      nodeIds(cluster).map((n) => {
        const host = nodeAddress(cluster.firstAddress, n);
        return { listenHost: host, listenPort: PORTS.proxiedAdvertised, targetHost: host, targetPort: PORTS.proxied };
      }),
    );
  }

  /** The host:port each route listens on, in route order. */
  get listening(): string[] {
    return this.servers.map(listeningOn);
  }

  /** Stops forwarding in both directions; sockets stay open and new ones are accepted, silently. */
  stall(): void {
    this.stalled = true;
    for (const c of this.connections) c.pause();
  }

  /** Forwards what was held during the stall, in order, and carries on. */
  resume(): void {
    this.stalled = false;
    for (const c of this.connections) c.resume();
  }

  /**
   * Holds every Fetch response on connections accepted by `listener` (one of `listening`), and whatever those
   * connections answer after it: a broker that takes requests but never answers a fetch, while the others do.
   */
  holdFetches(listener: string): void {
    this.fetchesHeld.add(listener);
  }

  /** Forwards the held responses, in order, and holds no more. */
  releaseFetches(): void {
    this.fetchesHeld.clear();
    for (const c of this.connections) c.releaseResponses();
  }

  /** Destroys every current connection (both sides); new connections are still accepted. Returns how many. */
  cut(): number {
    const current = [...this.connections];
    for (const c of current) c.destroy();
    this.stats.connectionsCut += current.length;
    return current.length;
  }

  /**
   * Flips one byte (XOR 0xff) inside a record batch's records area in the next
   * Fetch response that carries records; resolves with where it was.
   */
  flipNextFetchByte(): Promise<FlippedByte> {
    return new Promise((resolve) => this.flipWaiters.push(resolve));
  }

  /** Fetch versions the proxy saw while a flip was armed but could not parse (12+ are flexible). */
  get unparsedFetchVersions(): number[] {
    return [...this.skippedFetchVersions];
  }

  counters(): ProxyCounters {
    return {
      ...this.stats,
      connectionsOpen: this.connections.size,
      connectionsByListener: { ...this.stats.connectionsByListener },
      requestsByApiKey: { ...this.stats.requestsByApiKey },
      responsesByApiKey: { ...this.stats.responsesByApiKey },
    };
  }

  async close(): Promise<void> {
    this.cut();
    await Promise.all(this.servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }

  private maybeFlip(frame: Buffer, version: number): void {
    if (this.flipWaiters.length === 0) return;
    if (version < FETCH_VERSIONS.min || version > FETCH_VERSIONS.max) {
      this.skippedFetchVersions.add(version);
      return;
    }
    let spans: RecordsSpan[];
    try {
      spans = fetchRecordSpans(frame, version);
    } catch {
      return; // not the layout expected: leave the frame alone rather than damage it elsewhere
    }
    for (const span of spans) {
      const choice = chooseFlip(frame, span);
      if (!choice) continue;
      const before = defined(frame[choice.positionInFrame]);
      frame[choice.positionInFrame] = before ^ FLIP_MASK;
      const flip: FlippedByte = { ...choice, fetchVersion: version, before, after: defined(frame[choice.positionInFrame]) };
      this.flips.push(flip);
      const waiter = defined(this.flipWaiters.shift());
      waiter(flip);
      return;
    }
  }

  private listen(route: ProxyRoute): Promise<Server> {
    const server = createServer((client) => this.accept(client, route, server));
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(route.listenPort, route.listenHost, () => {
        server.off('error', reject);
        resolve(server);
      });
    });
  }

  private accept(client: Socket, route: ProxyRoute, server: Server): void {
    this.stats.connectionsAccepted++;
    const listener = listeningOn(server);
    this.stats.connectionsByListener[listener] = (this.stats.connectionsByListener[listener] ?? 0) + 1;
    client.setNoDelay(true);
    const broker = connect({ host: route.targetHost, port: route.targetPort });
    broker.setNoDelay(true);
    this.connections.add(new ProxiedConnection(this.hooks, client, broker, listener));
  }
}
