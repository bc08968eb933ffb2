import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultCacheDir, DEFAULT_KAFKA_VERSION } from '../../../src/local/layout.js';
import { Writer } from '../../../src/engine/wire/codec.js';
import { CODECS } from '../../../src/engine/wire/compression.js';
import { writeRecordBatch } from '../../../src/engine/wire/recordBatch.js';
import { BufferValueList } from '../../../src/engine/bufferValueList.js';

/**
 * Kafka's own Java code (kafka-clients' MemoryRecords, with check.crcs' ensureValid) reads the batches
 * ktc's writer produced, for every codec. Needs javac and the Kafka jars `ktc local up` caches.
 */
const libs = join(defaultCacheDir(), `kafka-${DEFAULT_KAFKA_VERSION}`, 'libs');
/** The client and its codecs only: javac over all 50-odd broker jars took several times longer. */
const classpath = (): string =>
  readdirSync(libs)
    .filter((jar) => /^(kafka-clients|lz4-java|snappy-java|zstd-jni|slf4j-api)-.*\.jar$/.test(jar))
    .map((jar) => join(libs, jar))
    .join(':');
const source = fileURLToPath(new URL('../../fixtures/java/KtcBatchFixtures.java', import.meta.url));
const hasJava = (() => {
  try {
    execFileSync('javac', ['-version'], { stdio: 'ignore' });
    return existsSync(join(libs, `kafka-clients-${DEFAULT_KAFKA_VERSION}.jar`));
  } catch {
    return false;
  }
})();

const TS = 1_795_550_803_176;

function values(): Buffer[] {
  const noise = Buffer.allocUnsafe(70_000); // incompressible: lz4 stores such blocks raw
  let s = 99;
  for (let i = 0; i < noise.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    noise[i] = s >>> 24;
  }
  return [Buffer.from('a'), Buffer.alloc(0), Buffer.from('{"event": "click"} '.repeat(5000)), noise, Buffer.from('grüße ✓')];
}

/** How the Java program prints a value: short ones as text, long ones by length and SHA-256. */
function shown(v: Buffer): string {
  return v.length <= 64 ? JSON.stringify(v.toString()) : `length:${v.length},sha256:${createHash('sha256').update(v).digest('hex')}`;
}

describe.skipIf(!hasJava)("Kafka's Java client reads ktc's batches", () => {
  const dir = mkdtempSync(join(tmpdir(), 'ktc-java-batches-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('every codec, with producer id, epoch, base sequence and the transactional bit', { timeout: 120_000 }, () => {
    const files: string[] = [];
    const expected: string[] = [];
    for (const codec of CODECS) {
      const transactional = codec === 'zstd';
      const w = new Writer(64);
      const vs = values();
      writeRecordBatch(w, new BufferValueList(vs), TS, { codec, producerId: 77n, producerEpoch: 2, baseSequence: 9, transactional });
      const file = join(dir, `${codec}.bin`);
      writeFileSync(file, w.result());
      files.push(file);
      expected.push(
        `batch base=0 last=${vs.length - 1} magic=2 codec=${codec} producerId=77 epoch=2 baseSequence=9 transactional=${String(transactional)} control=false maxTimestamp=${TS}`,
        ...vs.map((v, i) => `record offset=${i} timestamp=${TS} key=null value=${shown(v)} headers=0`),
      );
    }
    const cp = classpath();
    execFileSync('javac', ['-d', dir, '-cp', cp, source]);
    const printed = execFileSync('java', ['-cp', `${dir}:${cp}`, 'KtcBatchFixtures', 'read', ...files], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(printed.trimEnd().split('\n')).toEqual(expected);
  });
});
