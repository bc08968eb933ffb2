import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { groupMessagesPerPartition } from '../../../src/engine/kafkajsPatch.js';
import '../../../src/engine/kafkajsClient.js';
import { defined } from '../../../src/defined.js';

const require = createRequire(import.meta.url);

describe('the linear replacement for kafkajs groupMessagesPerPartition', () => {
  const partitioner = ({ message }: { message: { partition?: number } }) => defined(message.partition);
  const messages = [0, 1, 0, 2, 1, 0].map((partition, i) => ({ partition, value: `m${i}` }));

  it('groups messages by the partitioner, keeping their order within a partition', () => {
    const grouped = groupMessagesPerPartition({ topic: 't', partitionMetadata: [{}], messages, partitioner });
    expect(Object.keys(grouped)).toEqual(['0', '1', '2']);
    expect(defined(grouped[0]).map((m) => (m as { value: string }).value)).toEqual(['m0', 'm2', 'm5']);
    expect(grouped[2]).toHaveLength(1);
  });

  it('returns an empty object without partition metadata, as kafkajs does', () => {
    expect(groupMessagesPerPartition({ topic: 't', partitionMetadata: [], messages, partitioner })).toEqual({});
  });

  it('is what kafkajs 2.2.4 uses once ktc loaded it', () => {
    const file = require.resolve('kafkajs/src/producer/groupMessagesPerPartition.js');
    expect(require(file)).toBe(groupMessagesPerPartition);
  });
});
