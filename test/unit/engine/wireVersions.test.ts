import { describe, expect, it } from 'vitest';
import { Reader, Writer } from '../../../src/engine/wire/codec.js';
import { parseMetadata } from '../../../src/engine/wire/clusterMetadata.js';
import { parseFetchResponse } from '../../../src/engine/wire/wireConsumer.js';

/** One partition of a Fetch response, in the layout of `version`. */
function fetchResponse(version: number): Buffer {
  const w = new Writer(256).int32(15); // throttle_time_ms
  if (version >= 7) w.int16(0).int32(0); // error_code, session_id
  w.int32(1).string('t').int32(1);
  w.int32(2).int16(0).int64(100).int64(90); // partition, error, high watermark, last stable offset
  if (version >= 5) w.int64(7); // log_start_offset
  w.int32(1).int64(42).int64(80); // one aborted transaction
  if (version >= 11) w.int32(-1); // preferred_read_replica
  w.bytes(Buffer.from('records'));
  return w.result();
}

describe('Fetch responses of every version ktc speaks (4 to 11)', () => {
  for (const version of [4, 5, 7, 11]) {
    it(`v${version}: partition, offsets, aborted transactions and records land in the right fields`, () => {
      const { throttleMs, partitions } = parseFetchResponse(new Reader(fetchResponse(version)), version);
      expect(throttleMs).toBe(15);
      expect(partitions).toEqual([
        {
          partition: 2,
          error: 0,
          highWatermark: 100,
          logStartOffset: version >= 5 ? 7 : -1,
          abortedTransactions: [{ producerId: 42n, firstOffset: 80 }],
          records: Buffer.from('records'),
        },
      ]);
    });
  }

  it('v7+: a top-level error (a fetch session problem) is an error, not an empty answer', () => {
    const w = new Writer(32).int32(0).int16(70).int32(0).int32(0);
    expect(() => parseFetchResponse(new Reader(w.result()), 7)).toThrow(/FETCH_SESSION_ID_NOT_FOUND/);
  });
});

describe('Metadata responses of every version ktc speaks (4 to 8)', () => {
  for (const version of [4, 7, 8]) {
    it(`v${version}: brokers and partition leaders`, () => {
      const w = new Writer(256).int32(0); // throttle
      w.int32(1).int32(3).string('127.0.0.3').int32(9092).string(null); // one broker
      w.string('cluster').int32(3);
      w.int32(1).int16(0).string('t').int8(0).int32(2);
      for (const [index, leader] of [
        [0, 3],
        [1, -1],
      ] as const) {
        w.int16(0).int32(index).int32(leader);
        if (version >= 7) w.int32(5); // leader_epoch
        w.int32(1).int32(3).int32(1).int32(3).int32(0);
      }
      if (version >= 8) w.int32(-2147483648); // topic_authorized_operations
      const answer = parseMetadata(new Reader(w.result()), version);
      expect([...answer.brokers]).toEqual([[3, { host: '127.0.0.3', port: 9092 }]]);
      expect(answer.topics.get('t')).toEqual({ error: 0, leaders: [3, -1] });
    });
  }
});
