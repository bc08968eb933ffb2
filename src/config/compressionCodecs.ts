/**
 * The record-batch compression codecs. Their order is Kafka's codec id (the
 * low three bits of a batch's attributes): src/engine/wire/compression.ts
 * reads and writes ids by index into this list.
 */
export const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
export type CompressionCodec = (typeof CODECS)[number];
