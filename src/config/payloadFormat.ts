/**
 * The facts about ktc's message values that flags are checked against; the
 * encoder and decoder are src/run/payload.ts.
 *
 * json (default): client.py's object, `{"timestamp": <10.6 digits>, "_id": "<32 hex>", "origin": ..., "content": "Message #<n>"}`.
 * binary: "ktc" 0x02 | producer id (8) | sequence (8, big-endian) | send time µs (8, float) | zero padding.
 */
export const PAYLOAD_FORMATS = ['json', 'binary'] as const;
export type PayloadFormat = (typeof PAYLOAD_FORMATS)[number];

/** The binary value's fixed part: magic (4), producer id (8), sequence (8), send time (8). */
export const BINARY_HEADER_SIZE = 28;

/** Seconds with microseconds, `1795550803.176123`: ten digits until the year 2286. */
const TIMESTAMP_WIDTH = 17;
/** Producer id and sequence number, 16 hex digits each. */
const ID_WIDTH = 32;

/**
 * Smallest --record-size that fits ktc's JSON for this origin and sequence numbers up to maxSeq (the
 * longest value; unit tests hold it to what the encoder writes).
 */
export function minJsonRecordSize(origin: string, maxSeq: number): number {
  const text = `{"timestamp": ${'0'.repeat(TIMESTAMP_WIDTH)}, "_id": "${'0'.repeat(ID_WIDTH)}", "origin": ${JSON.stringify(origin)}, "content": "Message #${maxSeq}"}`;
  return Buffer.byteLength(text, 'utf8');
}
