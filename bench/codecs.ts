/**
 * What each compression codec costs ktc, and how fast record batches are
 * written and read, in one process without a broker.
 *
 *   npm run build && node dist/bench/codecs.js [--rounds 7] [--baseline DIR]
 *
 * Payloads: 1000 JSON event records per batch (valid JSON, fields that vary
 * per record, then words), 100 B and 1 KiB each. Reported per CPU second of
 * this process (process.cpuUsage: other sessions' load on a shared machine
 * inflates wall time, not this), median of --rounds rounds of ~200 ms each.
 *
 * - codecs: MB/s of uncompressed records-section bytes through compress() and
 *   decompress(), and the compression ratio;
 * - writer: writeRecordBatch, msgs/s, per codec;
 * - reader: readRecordBatches over a 16-batch fetch response (CRC-32C checked
 *   for every batch), msgs/s, per codec.
 *
 * --baseline DIR: also runs the writer and reader compiled from another
 * checkout (DIR = its dist/src/engine/wire), alternating round by round with
 * the current ones, for a before/after comparison of the uncompressed path.
 */
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import Table from 'cli-table3';
import type { ConsumedMessage } from '../src/engine/engine.js';
import { Writer } from '../src/engine/wire/codec.js';
import { CODECS, codecId, compress, decompress, type CompressionCodec } from '../src/engine/wire/compression.js';
import { writeRecordBatch } from '../src/engine/wire/recordBatch.js';
import { readRecordBatches } from '../src/engine/wire/recordBatchReader.js';
import { WireRecordList } from '../src/engine/wire/recordList.js';
import { defined } from '../src/defined.js';
import { BufferValueList } from '../src/engine/bufferValueList.js';

const SIZES = [100, 1024] as const;
const RECORDS = 1000;
const FETCH_BATCHES = 16;

/** Deterministic JSON events of exactly `size` bytes. */
export function jsonRecords(count: number, size: number, seed = 42): Buffer[] {
  let s = seed >>> 0;
  const rnd = (): number => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const events = ['click', 'view', 'purchase', 'login', 'logout', 'search', 'cart'];
  const words = [
    'alpha',
    'bravo',
    'charlie',
    'delta',
    'echo',
    'foxtrot',
    'golf',
    'hotel',
    'india',
    'juliet',
    'kilo',
    'lima',
    'mike',
    'november',
    'oscar',
    'papa',
  ];
  const out: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    let hex = '';
    for (let h = 0; h < 12; h++) hex += '0123456789abcdef'.charAt(Math.floor(rnd() * 16));
    const head = `{"ts":${1_795_550_803_176 + i * 7},"id":"${hex}","user":${Math.floor(rnd() * 100_000)},"event":"${defined(events[Math.floor(rnd() * events.length)])}","n":"`;
    let text = '';
    while (head.length + text.length + 2 < size) text += `${defined(words[Math.floor(rnd() * words.length)])} `;
    out.push(Buffer.from(`${head}${text.slice(0, size - 2 - head.length)}"}`));
  }
  return out;
}

/** CPU milliseconds per call of fn, over about `ms` of CPU time. */
function cpuMsPerCall(fn: () => void, ms = 200): number {
  for (let i = 0; i < 3; i++) fn();
  const start = process.cpuUsage();
  let calls = 0;
  let used: number;
  do {
    fn();
    calls++;
    const d = process.cpuUsage(start);
    used = (d.user + d.system) / 1000;
  } while (used < ms);
  return used / calls;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return defined(s[Math.floor(s.length / 2)]);
}

/** Runs each named case `rounds` times, round-robin (so load changes hit all alike); median ms per call. */
function measure(cases: Record<string, () => void>, rounds: number): Record<string, number> {
  const samples: Record<string, number[]> = {};
  for (let r = 0; r < rounds; r++) {
    for (const [name, fn] of Object.entries(cases)) (samples[name] ??= []).push(cpuMsPerCall(fn));
  }
  return Object.fromEntries(Object.entries(samples).map(([name, xs]) => [name, median(xs)]));
}

function batchOf(values: Buffer[], codec: CompressionCodec, baseOffset: number): Buffer {
  const w = new Writer(1024);
  writeRecordBatch(w, new BufferValueList(values), 1_795_550_803_176, { codec });
  const b = Buffer.from(w.result());
  b.writeBigInt64BE(BigInt(baseOffset), 0);
  return b;
}

interface Baseline {
  writeRecordBatch(w: Writer, values: Buffer[], timestampMs: number): void;
  readRecordBatches(records: Buffer, fromOffset: number, out: ConsumedMessage[]): number;
}

function parseArgs(argv: string[]): { rounds: number; baseline?: string } {
  const opts: { rounds: number; baseline?: string } = { rounds: 7 };
  for (let i = 0; i < argv.length; i += 2) {
    if (argv[i] === '--rounds') opts.rounds = Number(argv[i + 1]);
    else if (argv[i] === '--baseline') opts.baseline = resolve(defined(argv[i + 1]));
    else throw new Error(`unknown flag ${String(argv[i])} (use --rounds N, --baseline DIR)`);
  }
  if (!Number.isInteger(opts.rounds) || opts.rounds < 1) throw new Error('--rounds needs a positive integer');
  return opts;
}

const fmt = (n: number): string => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(1));

async function main(): Promise<void> {
  const { rounds, baseline } = parseArgs(process.argv.slice(2));
  let old: Baseline | undefined;
  if (baseline) {
    const writer = (await import(pathToFileURL(join(baseline, 'recordBatch.js')).href)) as Pick<Baseline, 'writeRecordBatch'>;
    const reader = (await import(pathToFileURL(join(baseline, 'recordBatchReader.js')).href)) as Pick<Baseline, 'readRecordBatches'>;
    old = { writeRecordBatch: writer.writeRecordBatch, readRecordBatches: reader.readRecordBatches };
  }
  console.log(`node ${process.version}, ${RECORDS} records per batch, median of ${rounds} rounds, per CPU second\n`);

  const codecTable = new Table({ head: ['record', 'codec', 'encode MB/s', 'decode MB/s', 'ratio'], style: { head: [], border: [] } });
  const batchTable = new Table({ head: ['record', 'codec', 'write msgs/s', 'read msgs/s'], style: { head: [], border: [] } });
  const compareTable = new Table({ head: ['record', 'uncompressed', 'before msgs/s', 'after msgs/s', 'after/before'], style: { head: [], border: [] } });

  for (const size of SIZES) {
    const values = jsonRecords(RECORDS, size);
    const valueList = new BufferValueList(values);
    const plain = batchOf(values, 'none', 0);
    const section = plain.subarray(61); // what a codec compresses: the records
    const cases: Record<string, () => void> = {};
    const compressed: Partial<Record<CompressionCodec, Buffer>> = {};
    const fetches: Partial<Record<CompressionCodec, Buffer>> = {};
    const out: ConsumedMessage[] = [];
    const w = new Writer(4 * 1024 * 1024);
    for (const codec of CODECS) {
      const packed = compress(codec, section);
      if (!decompress(codecId(codec), packed).equals(section)) throw new Error(`${codec} does not round-trip`);
      compressed[codec] = packed;
      fetches[codec] = Buffer.concat(Array.from({ length: FETCH_BATCHES }, (_, b) => batchOf(values, codec, b * RECORDS)));
      if (codec !== 'none') {
        cases[`encode ${codec}`] = () => compress(codec, section);
        cases[`decode ${codec}`] = () => decompress(codecId(codec), packed);
      }
      cases[`write ${codec}`] = () => {
        w.pos = 0;
        writeRecordBatch(w, valueList, 1_795_550_803_176, { codec });
      };
      cases[`read ${codec}`] = () => {
        const list = new WireRecordList(); // one per fetched partition, as the consumer does
        readRecordBatches(defined(fetches[codec]), 0, list);
        if (list.length !== FETCH_BATCHES * RECORDS) throw new Error(`read ${list.length} records`);
      };
    }
    if (old) {
      const oldFetch = defined(fetches.none);
      cases['old write'] = () => {
        w.pos = 0;
        old.writeRecordBatch(w, values, 1_795_550_803_176);
      };
      cases['old read'] = () => {
        out.length = 0;
        old.readRecordBatches(oldFetch, 0, out);
      };
    }
    const ms = measure(cases, rounds);
    for (const codec of CODECS) {
      const mb = section.length / 1e6;
      codecTable.push([
        `${size} B`,
        codec,
        codec === 'none' ? '-' : fmt(mb / (defined(ms[`encode ${codec}`]) / 1000)),
        codec === 'none' ? '-' : fmt(mb / (defined(ms[`decode ${codec}`]) / 1000)),
        (section.length / defined(compressed[codec]).length).toFixed(2),
      ]);
      batchTable.push([
        `${size} B`,
        codec,
        fmt(RECORDS / (defined(ms[`write ${codec}`]) / 1000)),
        fmt((FETCH_BATCHES * RECORDS) / (defined(ms[`read ${codec}`]) / 1000)),
      ]);
    }
    if (old) {
      const rows: [string, number, number][] = [
        ['write', RECORDS / (defined(ms['old write']) / 1000), RECORDS / (defined(ms['write none']) / 1000)],
        ['read', (FETCH_BATCHES * RECORDS) / (defined(ms['old read']) / 1000), (FETCH_BATCHES * RECORDS) / (defined(ms['read none']) / 1000)],
      ];
      for (const [what, before, after] of rows) compareTable.push([`${size} B`, what, fmt(before), fmt(after), (after / before).toFixed(2)]);
    }
  }
  console.log('Codecs (records section of one 1000-record batch; MB of uncompressed bytes)');
  console.log(codecTable.toString());
  console.log('\nRecord batches (write: one batch into a reused request buffer; read: a 16-batch fetch response, CRC-32C checked)');
  console.log(batchTable.toString());
  if (old) {
    console.log(`\nUncompressed path, before (${String(baseline)}) and after`);
    console.log(compareTable.toString());
  }
}

await main();
