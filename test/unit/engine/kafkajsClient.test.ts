import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
// The only static import of ktc's code here: kafkajs reaches this file the way it reaches ktc, through its one door.
import '../../../src/engine/kafkajsClient.js';
import { moduleReferences, sourceFiles } from '../../helpers/sourceImports.js';

const require = createRequire(import.meta.url);

const CLIENT = 'src/engine/kafkajsClient.ts';
const PATCH = 'src/engine/kafkajsPatch.ts';
const isKafkajs = (specifier: string) => specifier === 'kafkajs' || specifier.startsWith('kafkajs/');

describe('kafkajs loaded through src/engine/kafkajsClient.ts', () => {
  it('groups messages with the linear replacement', async () => {
    // Imported only now: had kafkajs loaded before the patch, the patch would find it cached and leave it alone.
    const { groupMessagesPerPartition } = await import('../../../src/engine/kafkajsPatch.js');
    expect(require('kafkajs/src/producer/groupMessagesPerPartition.js')).toBe(groupMessagesPerPartition);
  });

  it('schedules its request queue checks with the timer that never goes negative', async () => {
    const { scheduleCheckPendingRequests } = await import('../../../src/engine/kafkajsPatch.js');
    const RequestQueue = require('kafkajs/src/network/requestQueue/index.js') as { prototype: { scheduleCheckPendingRequests: unknown } };
    expect(RequestQueue.prototype.scheduleCheckPendingRequests).toBe(scheduleCheckPendingRequests);
  });

  it('heartbeats its consumer group through the wrapper that finds a lost coordinator again', () => {
    const ConsumerGroup = require('kafkajs/src/consumer/consumerGroup.js') as { prototype: { heartbeat: { name: string } } };
    expect(ConsumerGroup.prototype.heartbeat.name).toBe('heartbeatFindingCoordinator');
  });
});

describe('kafkajsClient.ts is the only door to kafkajs', () => {
  const files = sourceFiles('src');

  it('no other file in src imports kafkajs, not even its types', () => {
    expect(files).toContain(CLIENT);
    const offending = files
      .filter((file) => file !== CLIENT && file !== PATCH)
      .flatMap((file) =>
        moduleReferences(file)
          .filter((ref) => isKafkajs(ref.specifier))
          .map((ref) => `${file}:${ref.line} imports ${ref.specifier}`),
      );
    expect(offending).toEqual([]);
  });

  it('the patch is loaded by kafkajsClient.ts alone, before kafkajs', () => {
    const importers = files.filter((file) => moduleReferences(file).some((ref) => ref.specifier.endsWith('/kafkajsPatch.js')));
    expect(importers).toEqual([CLIENT]);
    const order = moduleReferences(CLIENT).map((ref) => ref.specifier);
    expect(order.indexOf('./kafkajsPatch.js')).toBe(0);
    expect(order.indexOf('./kafkajsPatch.js')).toBeLessThan(order.indexOf('kafkajs'));
  });

  it('tests and the bench that load kafkajs themselves load kafkajsClient.ts first, so they run the patched kafkajs', () => {
    // A file that loads kafkajs first gets the unpatched one (on Node 24, a TimeoutNegativeWarning in CI's output).
    const loadsKafkajs = [...sourceFiles('test'), ...sourceFiles('bench')].filter((file) =>
      moduleReferences(file).some((ref) => !ref.typeOnly && isKafkajs(ref.specifier)),
    );
    expect(loadsKafkajs.length).toBeGreaterThan(0);
    const outOfOrder = loadsKafkajs.filter((file) => {
      const refs = moduleReferences(file).filter((ref) => !ref.typeOnly);
      const door = refs.findIndex((ref) => ref.specifier.endsWith('/engine/kafkajsClient.js'));
      const first = refs.findIndex((ref) => isKafkajs(ref.specifier));
      return door === -1 || door > first;
    });
    expect(outOfOrder).toEqual([]);
  });
});
