/**
 * The producer's defaults for how much goes into one send and how many sends
 * are outstanding. Chosen by measurement against Java's and
 * @platformatic/kafka's producers tuned (bench/results/*-peers.md).
 */

/** The broker remembers the last 5 batches per producer and partition: more in flight cannot be deduplicated. */
export const MAX_IDEMPOTENT_IN_FLIGHT = 5;

/**
 * Produce requests awaiting an answer per broker without --max-in-flight: 5 with idempotence (as many as the broker
 * keeps in order, Java's default), 1 without (more could reorder a partition on a retry).
 */
export function defaultMaxInFlight(idempotent: boolean): number {
  return idempotent ? MAX_IDEMPOTENT_IN_FLIGHT : 1;
}

/**
 * Sends a producer keeps outstanding for `perBroker` requests in flight per broker: twice as many. A send has a batch
 * for every leader and stays outstanding until the slowest of them answers, so with only `perBroker` sends one slow
 * leader held back the next request to all the others; the extra sends wait in the engine for their leader's turn.
 */
export function sendsOutstanding(perBroker: number): number {
  return 2 * perBroker;
}

/** Bytes per send and leader without --batch-size: Java's max.request.size, the most one request to a broker carries. */
export const DEFAULT_SEND_BYTES = 1024 * 1024;
/** At most this much of a send goes to one partition: a quarter of the broker's default message.max.bytes. */
export const DEFAULT_PARTITION_BATCH_BYTES = 256 * 1024;

/** A default send's bytes: DEFAULT_SEND_BYTES for each leader, one when none is known. */
function defaultSendBytes(leaders: number): number {
  return Math.max(1, leaders) * DEFAULT_SEND_BYTES;
}

/**
 * Messages per send without --batch-size: 1 MiB worth for each broker that leads the topic's partitions (a send
 * makes one produce request per leader), at most 256 KiB per partition; records of unknown size count as 200 bytes
 * (client.py's JSON). With 1 MiB per send whatever the leaders, a send over 8 of 48 partitions made requests of
 * about 350 KiB on 3 nodes, and ktc wrote 1.3x fewer messages per second than with 1 MiB per leader (A/B on 3
 * nodes, 48 partitions, 1 KiB records, 6 alternating rounds, per round 1.04-2.81, 2026-11-29).
 */
export function defaultBatchSize(recordSize: number | undefined, partitions: number, leaders: number): number {
  const bytes = Math.min(defaultSendBytes(leaders), Math.max(1, partitions) * DEFAULT_PARTITION_BATCH_BYTES);
  return Math.max(1, Math.floor(bytes / (recordSize ?? 200)));
}

/** A default send fills batches of at least this much, so it goes to fewer partitions when there are many. */
export const MIN_PARTITION_BATCH_BYTES = 128 * 1024;

/**
 * Partitions one send spreads over without --batch-size: as many as its 1 MiB per leader fills with 128 KiB batches
 * (8 per leader), or all of them when there are fewer; the next send goes on where it stopped, so all partitions get
 * their turn. Spread over 48 partitions, a default send made batches of 22 KiB at 1 KiB records, and ktc wrote
 * 30–40 % fewer messages per second than with 128 KiB batches (A/B on one node, 2026-11-28). Java's sticky
 * partitioner (KIP-480) avoids small batches alike.
 */
export function defaultPartitionsPerSend(partitions: number, leaders: number): number {
  const fill = Math.floor(defaultSendBytes(leaders) / MIN_PARTITION_BATCH_BYTES);
  return Math.max(1, Math.min(partitions, fill));
}
