/**
 * The broker's own ceiling: the same pre-encoded requests sent again and
 * again, so the client does no encoding, no batching, no decoding:
 *
 *   node limitRunner.js <json LimitSettings>
 *
 * produce: one Produce request per leader (acks=all), each carrying a record
 *   batch for every partition it leads, encoded once; `inFlight` copies of it
 *   outstanding per connection. Idempotent, as every producer measured beside
 *   it: each send stamps the partitions' next sequence numbers into its copy
 *   and recomputes the batches' CRC-32C (native, a few percent of the replay's
 *   core), since the broker would drop a replayed sequence as a duplicate.
 *   With `idempotent: false`, the same bytes are sent again as they are.
 * fetch: the consumers' topic read through from its start, by `inFlight`
 *   fetch loops per leader, each over its share of the leader's partitions
 *   (2 MiB per partition, 16 MiB per request, as ktc fetches); each loop's
 *   next fetch goes out as soon as the last one's batch headers say where it
 *   ends, the records are counted from those headers alone (with `checkCrcs`,
 *   each batch's CRC-32C is checked too), and each response's memory receives
 *   a later one. A partition read to its end starts again at its log start.
 * Prints {"window":{records,seconds}} every second and a {"result":...} line.
 */
import { API } from '../../src/engine/wire/brokerConnection.js';
import { ClusterMetadata } from '../../src/engine/wire/clusterMetadata.js';
import { parseProduceResponse } from '../../src/engine/wire/wireProducer.js';
import { parseFetchResponse } from '../../src/engine/wire/wireConsumer.js';
import { defined } from '../../src/defined.js';
import { countRecords, FetchCursor, fetchShares, initProducerId, produceBody, stampSequences, type LimitSettings } from './limitRequests.js';

const PRODUCE_VERSION = 7;
const FETCH_VERSION = 5;
const print = (o: object): void => void process.stdout.write(`${JSON.stringify(o)}\n`);

async function main(): Promise<void> {
  const s = JSON.parse(process.argv[2] ?? '{}') as LimitSettings;
  const cluster = new ClusterMetadata(s.connection);
  const leaders = await cluster.leadersOf(s.topic);
  const byLeader = new Map<number, number[]>();
  leaders.forEach((leader, partition) => byLeader.set(leader, [...(byLeader.get(leader) ?? []), partition]));
  let done = 0;
  let stop = false;
  const start = performance.now();
  let lastAt = start;
  let last = 0;
  const timer = setInterval(() => {
    const at = performance.now();
    print({ window: { records: done - last, seconds: (at - lastAt) / 1000 } });
    last = done;
    lastAt = at;
  }, 1000);
  const loops: Array<Promise<void>> = [];
  for (const [leader, partitions] of byLeader) {
    const connection = await cluster.connection(leader);
    const producer = s.mode === 'produce' && s.idempotent ? await initProducerId(connection) : undefined;
    const produce = s.mode === 'produce' ? produceBody(s, partitions, producer) : undefined;
    const sequences = partitions.map(() => 0);
    const produceLoop = async (): Promise<void> => {
      if (!produce) return;
      // Each request in flight has its own bytes: the socket may still hold the last one while the next is stamped.
      const body = Buffer.from(produce.body);
      while (!stop) {
        if (producer) stampSequences(body, produce.batchAt, sequences, s.recordsPerBatch);
        const reply = defined(await connection.request(API.produce, PRODUCE_VERSION, body));
        const { errors } = parseProduceResponse(reply, PRODUCE_VERSION);
        for (const code of errors.values()) if (code !== 0) throw new Error(`produce error ${code}`);
        done += produce.records;
      }
    };
    const fetchLoop = async (cursor: FetchCursor): Promise<void> => {
      let next = connection.request(API.fetch, FETCH_VERSION, cursor.body());
      while (!stop) {
        const reply = defined(await next);
        const fetched = parseFetchResponse(reply, FETCH_VERSION).partitions;
        for (const p of fetched) {
          if (p.error !== 0) throw new Error(`fetch error ${p.error}`);
          cursor.advance(p.partition, p.records, p.logStartOffset);
        }
        next = connection.request(API.fetch, FETCH_VERSION, cursor.body());
        for (const p of fetched) if (p.records) done += countRecords(p.records, s.checkCrcs);
        // As ktc's consumer does: the next response reuses this one's memory rather than faulting in 16 MiB anew.
        connection.release(reply);
      }
      await next; // the last one, unread
    };
    if (produce) for (let i = 0; i < s.inFlight; i++) loops.push(produceLoop());
    else for (const share of fetchShares(partitions, s.inFlight)) loops.push(fetchLoop(new FetchCursor(s, share)));
  }
  await new Promise((resolve) => setTimeout(resolve, s.seconds * 1000));
  stop = true;
  await Promise.all(loops);
  clearInterval(timer);
  print({ result: { records: done, seconds: (performance.now() - start) / 1000 } });
  await cluster.close();
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`limitRunner: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
