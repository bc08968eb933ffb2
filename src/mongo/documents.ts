/**
 * client.py's MongoDB documents (kafka-test-app `charms.kafka.v0.client`):
 * - `producer`: the message object exactly as it went to Kafka, `_id` included;
 * - `consumer`: the consumed object with `timestamp` replaced by the consumption time (epoch seconds, a float,
 *   in the key's original place) and `destination` (the consumer's origin) and `consumer_group` (the group
 *   prefix) appended.
 */
export type MessageDocument = Record<string, unknown>;

export interface ConsumerStamp {
  /** The consumer's origin label (--origin). */
  destination: string;
  /** The consumer-group prefix (the group id without its trailing "1"), as client.py stores it. */
  consumerGroup: string;
}

/** The JSON object in a message value, or undefined when the value is no JSON object. */
export function parseMessage(value: Buffer | null): MessageDocument | undefined {
  if (value === null) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString('utf8'));
  } catch {
    return undefined;
  }
  return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as MessageDocument) : undefined;
}

export function producerDocument(value: Buffer | null): MessageDocument | undefined {
  return parseMessage(value);
}

export function consumerDocument(value: Buffer | null, consumedAtMs: number, stamp: ConsumerStamp): MessageDocument | undefined {
  const doc = parseMessage(value);
  if (!doc) return undefined;
  doc.timestamp = consumedAtMs / 1000;
  doc.destination = stamp.destination;
  doc.consumer_group = stamp.consumerGroup;
  return doc;
}

/** JSON.stringify's result: undefined for undefined, a function or a symbol, though lib.d.ts says string. */
export const stringifyOrUndefined = JSON.stringify as (value: unknown) => string | undefined;

/** The `_id` as client.py prints it in "Duplicated key with id: ..." (a string for its uuid4 hex ids). */
export function idText(id: unknown): string {
  return typeof id === 'string' ? id : (stringifyOrUndefined(id) ?? String(id));
}
