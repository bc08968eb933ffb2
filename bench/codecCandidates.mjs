// The npm codec packages ktc chose among, measured the way bench/codecs.ts measures ktc's own codecs
// (same JSON records, CPU time, median of rounds). Not part of the build: the losers are not dependencies.
//
//   mkdir /tmp/cand && cd /tmp/cand && npm init -y && npm install snappy snappyjs hysnappy lz4-napi lz4js \
//     lz4-wasm-nodejs @toondepauw/node-zstd @bokuweb/zstd-wasm fzstd @mongodb-js/zstd@1.2.2
//   NODE_PATH=/tmp/cand/node_modules node bench/codecCandidates.mjs [rounds]
//
// (zstd-napi and @mongodb-js/zstd >= 2 are missing: their binaries come from an install script that
// downloads them, which npm 11 does not run by default and which cannot reach GitHub here.)
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';

const require = createRequire(join(process.env.NODE_PATH ?? process.cwd(), 'x.js'));
const rounds = Number(process.argv[2] ?? 5);

function jsonRecords(count, size, seed = 42) {
  let s = seed >>> 0;
  const rnd = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
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
  const out = [];
  for (let i = 0; i < count; i++) {
    let hex = '';
    for (let h = 0; h < 12; h++) hex += '0123456789abcdef'[Math.floor(rnd() * 16)];
    const head = `{"ts":${1_795_550_803_176 + i * 7},"id":"${hex}","user":${Math.floor(rnd() * 100_000)},"event":"${events[Math.floor(rnd() * events.length)]}","n":"`;
    let text = '';
    while (head.length + text.length + 2 < size) text += `${words[Math.floor(rnd() * words.length)]} `;
    out.push(Buffer.from(`${head}${text.slice(0, size - 2 - head.length)}"}`));
  }
  return out;
}

/** Roughly a batch's records section: a few varint bytes before each value. */
function section(values) {
  return Buffer.concat(
    values.flatMap((v, i) => [
      Buffer.from([0x80 | ((v.length + 8) & 0x7f), (v.length + 8) >> 7, 0, 0, (i << 1) & 0x7f, 1, 0x80 | ((v.length << 1) & 0x7f), (v.length << 1) >> 7]),
      v,
      Buffer.from([0]),
    ]),
  );
}

function cpuMs(fn, ms = 200) {
  for (let i = 0; i < 3; i++) fn();
  const start = process.cpuUsage();
  let calls = 0;
  let used;
  do {
    fn();
    calls++;
    const d = process.cpuUsage(start);
    used = (d.user + d.system) / 1000;
  } while (used < ms);
  return used / calls;
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const snappy = require('snappy');
const snappyjs = require('snappyjs');
const hysnappy = await import(require.resolve('hysnappy'));
const lz4napi = require('lz4-napi');
const lz4js = require('lz4js');
const lz4wasm = require('lz4-wasm-nodejs');
const zstdAddon = require('@toondepauw/node-zstd');
const zstdWasm = require('@bokuweb/zstd-wasm');
const fzstd = require('fzstd');
await zstdWasm.init();
const enc = new zstdAddon.Encoder(3);
const dec = new zstdAddon.Decoder();

const candidates = {
  'gzip: node:zlib level 6 (Java default)': [(b) => gzipSync(b), (c) => gunzipSync(c)],
  'snappy: snappy (napi-rs)': [(b) => snappy.compressSync(b), (c) => snappy.uncompressSync(c)],
  'snappy: hysnappy (wasm)': [(b) => hysnappy.snappyCompress(b), (c, n) => hysnappy.snappyUncompress(c, n)],
  'snappy: snappyjs (pure JS)': [(b) => snappyjs.compress(b), (c) => snappyjs.uncompress(c)],
  'lz4: lz4-napi block (napi-rs, lz4_flex)': [(b) => lz4napi.compressSync(b), (c) => lz4napi.uncompressSync(c)],
  'lz4: lz4-napi frame API': [(b) => lz4napi.compressFrameSync(b), (c) => lz4napi.decompressFrameSync(c)],
  'lz4: lz4-wasm-nodejs block (wasm)': [(b) => lz4wasm.compress(b), (c) => lz4wasm.decompress(c)],
  'lz4: lz4js frame (pure JS)': [(b) => lz4js.compress(b), (c) => lz4js.decompress(c)],
  'zstd: @toondepauw/node-zstd (napi-rs) level 3': [(b) => enc.encodeSync(b), (c) => dec.decodeSync(c)],
  'zstd: @bokuweb/zstd-wasm level 3': [(b) => zstdWasm.compress(b, 3), (c) => zstdWasm.decompress(c)],
  'zstd: fzstd decode only (pure JS)': [(b) => enc.encodeSync(b), (c) => fzstd.decompress(c)],
};

console.log(`node ${process.version}, median of ${rounds} rounds, MB/s of uncompressed bytes per CPU second`);
console.log('| record | candidate | encode MB/s | decode MB/s | ratio |\n|---|---|---|---|---|');
for (const size of [100, 1024]) {
  const data = section(jsonRecords(1000, size));
  for (const [name, [compress, decompress]] of Object.entries(candidates)) {
    const packed = Buffer.from(compress(data));
    if (!Buffer.from(decompress(packed, data.length)).equals(data)) throw new Error(`${name} does not round-trip`);
    const e = [];
    const d = [];
    for (let r = 0; r < rounds; r++) {
      e.push(cpuMs(() => compress(data)));
      d.push(cpuMs(() => decompress(packed, data.length)));
    }
    const mb = data.length / 1e6;
    console.log(
      `| ${size} B | ${name} | ${(mb / (median(e) / 1000)).toFixed(0)} | ${(mb / (median(d) / 1000)).toFixed(0)} | ${(data.length / packed.length).toFixed(2)} |`,
    );
  }
  // async only: no sync API, so it could not serve a synchronous batch writer
  const mongo = require('@mongodb-js/zstd');
  const packed = await mongo.compress(data, 3);
  const t0 = process.cpuUsage();
  for (let i = 0; i < 20; i++) await mongo.compress(data, 3);
  const t1 = process.cpuUsage(t0);
  const t2 = process.cpuUsage();
  for (let i = 0; i < 20; i++) await mongo.decompress(packed);
  const t3 = process.cpuUsage(t2);
  const mb = (data.length * 20) / 1e6;
  console.log(
    `| ${size} B | zstd: @mongodb-js/zstd 1.2.2 (napi-rs, async only; 20 calls) | ${(mb / ((t1.user + t1.system) / 1e6)).toFixed(0)} | ${(mb / ((t3.user + t3.system) / 1e6)).toFixed(0)} | ${(data.length / packed.length).toFixed(2)} |`,
  );
}
