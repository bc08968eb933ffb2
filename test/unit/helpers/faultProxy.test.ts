import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { crc32c } from '../../../src/engine/wire/crc32c.js';
import { BATCH_HEADER_BYTES, FaultProxy, FrameSplitter, fetchRecordSpans } from '../../helpers/faultProxy.js';
import { defined } from '../../../src/defined.js';

// ---- Kafka bytes, built by hand so the proxy's parser is checked against the protocol, not against ktc's writer.

function varint(v: number): Buffer {
  let z = v >= 0 ? v * 2 : -v * 2 - 1;
  const out: number[] = [];
  while (z > 0x7f) {
    out.push((z & 0x7f) | 0x80);
    z = Math.floor(z / 128);
  }
  out.push(z);
  return Buffer.from(out);
}

const int16 = (v: number) => Buffer.from([(v >> 8) & 0xff, v & 0xff]);
function int32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(v);
  return b;
}
function int64(v: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(BigInt(v));
  return b;
}
const str = (s: string) => Buffer.concat([int16(Buffer.byteLength(s)), Buffer.from(s)]);

/** A magic-2 batch of keyed records with a correct CRC-32C. */
function recordBatch(baseOffset: number, values: string[], key = 'k'): Buffer {
  const records = values.map((value, i) => {
    const body = Buffer.concat([
      Buffer.from([0]), // attributes
      varint(0), // timestamp delta
      varint(i), // offset delta
      varint(key.length),
      Buffer.from(key),
      varint(Buffer.byteLength(value)),
      Buffer.from(value),
      varint(0), // headers
    ]);
    return Buffer.concat([varint(body.length), body]);
  });
  const afterCrc = Buffer.concat([
    int16(0), // attributes: uncompressed
    int32(values.length - 1),
    int64(1000),
    int64(1000),
    int64(-1),
    int16(-1),
    int32(-1),
    int32(values.length),
    ...records,
  ]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32c(afterCrc));
  const afterLength = Buffer.concat([int32(0), Buffer.from([2]), crc, afterCrc]);
  return Buffer.concat([int64(baseOffset), int32(afterLength.length), afterLength]);
}

/** Whether a batch's stored CRC still matches its bytes. */
function crcHolds(batch: Buffer): boolean {
  return batch.readUInt32BE(17) === crc32c(batch, 21);
}

interface PartitionData {
  partition: number;
  records: Buffer | null;
}

/** A Fetch response frame (size prefix included) in the non-flexible layout of `version`. */
function fetchResponse(correlation: number, version: number, topic: string, partitions: PartitionData[]): Buffer {
  const parts: Buffer[] = [int32(correlation), int32(0)];
  if (version >= 7) parts.push(int16(0), int32(0));
  parts.push(int32(1), str(topic), int32(partitions.length));
  for (const p of partitions) {
    parts.push(int32(p.partition), int16(0), int64(100), int64(100));
    if (version >= 5) parts.push(int64(0));
    parts.push(int32(1), int64(77), int64(5)); // one aborted transaction, to be skipped
    if (version >= 11) parts.push(int32(-1));
    parts.push(p.records ? Buffer.concat([int32(p.records.length), p.records]) : int32(-1));
  }
  const body = Buffer.concat(parts);
  return Buffer.concat([int32(body.length), body]);
}

function request(apiKey: number, version: number, correlation: number, payload = Buffer.alloc(16, 7)): Buffer {
  const body = Buffer.concat([int16(apiKey), int16(version), int32(correlation), str('ktc-test'), payload]);
  return Buffer.concat([int32(body.length), body]);
}

// ---- a fake broker and client on ephemeral loopback ports

interface Peer {
  socket: Socket;
  received: Buffer[];
  bytes(): Buffer;
  closed: Promise<void>;
}

function peer(socket: Socket): Peer {
  const received: Buffer[] = [];
  socket.on('data', (c: Buffer) => received.push(c));
  socket.on('error', () => undefined);
  return { socket, received, bytes: () => Buffer.concat(received), closed: new Promise((r) => socket.once('close', () => r())) };
}

let server: Server | undefined;
let proxy: FaultProxy | undefined;
const clients: Socket[] = [];
/** Broker-side sockets, in the order the proxy opened them. */
let brokerSide: Peer[] = [];

async function setup(): Promise<void> {
  brokerSide = [];
  server = createServer((s) => brokerSide.push(peer(s)));
  await new Promise<void>((r) => defined(server).listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  proxy = await FaultProxy.start([{ listenHost: '127.0.0.1', listenPort: 0, targetHost: '127.0.0.1', targetPort: port }]);
}

async function client(): Promise<Peer> {
  const [host, port] = defined(defined(proxy).listening[0]).split(':') as [string, string];
  const before = brokerSide.length;
  const socket = await new Promise<Socket>((resolve) => {
    const s = connect({ host, port: Number(port) }, () => resolve(s));
  });
  clients.push(socket);
  const p = peer(socket);
  await until(() => brokerSide.length > before);
  return p;
}

async function until(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await proxy?.close();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  proxy = undefined;
  server = undefined;
});

describe('FrameSplitter', () => {
  it('returns whole frames however the stream is chunked', () => {
    const a = request(3, 5, 1);
    const b = request(0, 7, 2, Buffer.alloc(300, 1));
    const stream = Buffer.concat([a, b]);
    const splitter = new FrameSplitter();
    const frames: Buffer[] = [];
    for (const cut of [
      [0, 2],
      [2, 9],
      [9, a.length + 1],
      [a.length + 1, stream.length],
    ] as const) {
      frames.push(...splitter.push(stream.subarray(cut[0], cut[1])));
    }
    expect(frames.map((f) => f.toString('hex'))).toEqual([a.toString('hex'), b.toString('hex')]);
  });
});

describe('fetchRecordSpans', () => {
  it.each([4, 5, 7, 11])('finds each partition record set in a Fetch v%i response', (version) => {
    const batch = recordBatch(40, ['x']);
    const frame = fetchResponse(9, version, 'topic-a', [
      { partition: 0, records: null },
      { partition: 2, records: batch },
    ]);
    const spans = fetchRecordSpans(frame, version);
    expect(spans.map((s) => ({ topic: s.topic, partition: s.partition }))).toEqual([{ topic: 'topic-a', partition: 2 }]);
    expect(frame.subarray(defined(spans[0]).start, defined(spans[0]).end).equals(batch)).toBe(true);
  });

  it('refuses the flexible versions (12+) instead of misreading them', () => {
    expect(() => fetchRecordSpans(fetchResponse(1, 11, 't', []), 12)).toThrow(/Fetch v12 is not parsed/);
  });
});

describe('FaultProxy against a fake broker', () => {
  it('forwards both ways byte for byte and counts connections, bytes and frames by API', async () => {
    await setup();
    const c = await client();
    const req = request(3, 5, 11);
    c.socket.write(req.subarray(0, 3));
    await pause(20);
    c.socket.write(req.subarray(3));
    await until(() => defined(brokerSide[0]).bytes().length === req.length);
    expect(defined(brokerSide[0]).bytes().equals(req)).toBe(true);
    const res = Buffer.concat([int32(8), int32(11), int32(0)]);
    defined(brokerSide[0]).socket.write(res);
    await until(() => c.bytes().length === res.length);
    expect(c.bytes().equals(res)).toBe(true);
    expect(defined(proxy).counters()).toMatchObject({
      connectionsAccepted: 1,
      connectionsByListener: { [defined(defined(proxy).listening[0])]: 1 },
      connectionsOpen: 1,
      bytesToBroker: req.length,
      bytesToClient: res.length,
      requestsByApiKey: { 3: 1 },
      responsesByApiKey: { 3: 1 },
    });
  });

  it('forwards a 4 MB response intact across many TCP chunks', async () => {
    await setup();
    const c = await client();
    c.socket.write(request(1, 4, 21));
    await until(() => defined(brokerSide[0]).bytes().length > 0);
    const body = Buffer.alloc(4 * 1024 * 1024);
    for (let i = 0; i < body.length; i += 4) body.writeUInt32BE(i, i);
    body.writeInt32BE(21, 0); // correlation id
    const res = Buffer.concat([int32(body.length), body]);
    defined(brokerSide[0]).socket.write(res);
    await until(() => c.bytes().length === res.length, 10_000);
    expect(c.bytes().equals(res)).toBe(true);
    expect(defined(proxy).counters().responsesByApiKey).toEqual({ 1: 1 });
  });

  it('stall() holds every byte in both directions with the sockets open; resume() delivers them in order', async () => {
    await setup();
    const c = await client();
    defined(proxy).stall();
    const req = request(0, 7, 1);
    c.socket.write(req);
    defined(brokerSide[0]).socket.write(Buffer.concat([int32(4), int32(99)])); // unsolicited: must be held too
    const late = await client(); // accepted during the stall, and stalled as well
    late.socket.write(request(3, 5, 2));
    await pause(300);
    expect(defined(brokerSide[0]).bytes().length).toBe(0);
    expect(c.bytes().length).toBe(0);
    expect(defined(brokerSide[1]).bytes().length).toBe(0);
    expect(c.socket.destroyed).toBe(false);
    expect(defined(proxy).counters().connectionsOpen).toBe(2);

    defined(proxy).resume();
    await until(() => defined(brokerSide[0]).bytes().length === req.length && c.bytes().length === 8 && defined(brokerSide[1]).bytes().length > 0);
    expect(defined(brokerSide[0]).bytes().equals(req)).toBe(true);
    expect(c.bytes().readInt32BE(4)).toBe(99);
  });

  it('cut() closes every current connection on both sides and still accepts new ones', async () => {
    await setup();
    const a = await client();
    const b = await client();
    expect(defined(proxy).cut()).toBe(2);
    await Promise.all([a.closed, b.closed, defined(brokerSide[0]).closed, defined(brokerSide[1]).closed]);
    expect(defined(proxy).counters()).toMatchObject({ connectionsOpen: 0, connectionsCut: 2 });

    const c = await client();
    const req = request(18, 3, 5);
    c.socket.write(req);
    await until(() => defined(brokerSide[2]).bytes().length === req.length);
    expect(defined(proxy).counters().connectionsAccepted).toBe(3);
  });

  it.each([4, 11])(
    'flips one byte in the middle of the first record value of the next Fetch v%i response with records, so only the CRC can tell',
    async (version) => {
      await setup();
      const c = await client();
      const flipped = defined(proxy).flipNextFetchByte();
      // A Produce response and an empty Fetch response pass untouched; the flip waits for records.
      c.socket.write(Buffer.concat([request(0, 7, 1), request(1, version, 2), request(1, version, 3), request(1, version, 4)]));
      await until(() => defined(proxy).counters().requestsByApiKey[1] === 3);
      const batchA = recordBatch(40, ['first-value', 'second'], 'key');
      const batchB = recordBatch(42, ['third']);
      const produceReply = fetchResponse(1, version, 't', [{ partition: 0, records: batchA }]); // same bytes, other API
      const empty = fetchResponse(2, version, 't', [{ partition: 0, records: Buffer.alloc(0) }]);
      const withRecords = fetchResponse(3, version, 'orders', [
        { partition: 0, records: null },
        { partition: 5, records: Buffer.concat([batchA, batchB]) },
      ]);
      const next = fetchResponse(4, version, 'orders', [{ partition: 5, records: batchB }]);
      const sent = Buffer.concat([produceReply, empty, withRecords, next]);
      defined(brokerSide[0]).socket.write(sent);
      await until(() => c.bytes().length === sent.length);
      const got = c.bytes();

      const diff = [...sent.keys()].filter((i) => sent[i] !== got[i]);
      expect(diff).toHaveLength(1);
      const at = defined(diff[0]);
      expect(got[at]).toBe(defined(sent[at]) ^ 0xff);
      const flip = await flipped;
      const batchStart = produceReply.length + empty.length + defined(fetchRecordSpans(withRecords, version)[0]).start;
      expect(flip).toMatchObject({
        topic: 'orders',
        partition: 5,
        fetchVersion: version,
        batchBaseOffset: 40,
        batchLastOffset: 41,
        recordOffset: 40,
        positionInBatch: at - batchStart,
      });
      expect(flip.positionInBatch).toBeGreaterThanOrEqual(BATCH_HEADER_BYTES);
      // The byte sits in "first-value" (bytes 'first-value'.length / 2 of it), so every length still reads right.
      const valueStart = batchStart + batchA.indexOf('first-value');
      expect(at).toBe(valueStart + Math.floor('first-value'.length / 2));
      const received = got.subarray(batchStart, batchStart + batchA.length);
      expect(crcHolds(batchA)).toBe(true);
      expect(crcHolds(received)).toBe(false);
    },
  );

  it('leaves a Fetch response whose only batch is cut short alone, and flips the next one', async () => {
    await setup();
    const c = await client();
    const flipped = defined(proxy).flipNextFetchByte();
    c.socket.write(Buffer.concat([request(1, 4, 1), request(1, 4, 2)]));
    await until(() => defined(proxy).counters().requestsByApiKey[1] === 2);
    const batch = recordBatch(7, ['abcdef']);
    const partial = fetchResponse(1, 4, 't', [{ partition: 0, records: batch.subarray(0, batch.length - 3) }]);
    const whole = fetchResponse(2, 4, 't', [{ partition: 1, records: batch }]);
    defined(brokerSide[0]).socket.write(Buffer.concat([partial, whole]));
    await until(() => c.bytes().length === partial.length + whole.length);
    expect(c.bytes().subarray(0, partial.length).equals(partial)).toBe(true);
    expect((await flipped).partition).toBe(1);
    expect(defined(proxy).flips).toHaveLength(1);
  });
});
