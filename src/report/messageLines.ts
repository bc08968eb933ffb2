import { buffersOf } from '../engine/bufferValueList.js';
import type { ConsumedMessage, RecordHeader } from '../engine/engine.js';
import type { AckedBatch } from '../run/sendLoop.js';
import type { RecordKind } from '../run/payload.js';
import type { Output } from './output.js';

/** client.py's exact wording, one line per acknowledged message. */
export function logPublished(out: Output, topic: string, batch: AckedBatch): void {
  for (const value of buffersOf(batch.values)) out.log('ktc.producer', `Message published to topic=${topic}, message content: ${value.toString('utf8')}`);
}

export function logConsumed(out: Output, topic: string, partition: number, message: ConsumedMessage, kind: RecordKind): void {
  out.log('ktc.consumer', consumedLine(topic, partition, message, kind));
}

const NULL_TEXT = '<null>';

/**
 * client.py's line for a consumed message. A key and headers appear only when the record has them, so the line
 * of a keyless, headerless message (all client.py writes) stays exactly client.py's.
 */
export function consumedLine(topic: string, partition: number, message: ConsumedMessage, kind: RecordKind): string {
  const { value } = message;
  const text = value === null ? NULL_TEXT : kind === 'foreign' ? JSON.stringify(value.toString('utf8')) : value.toString('utf8');
  const note = kind === 'foreign' ? ' (not JSON: counted as foreign)' : kind === 'null' ? ' (null value: counted as null)' : '';
  const key = message.key != null ? `key=${bytesText(message.key)}, ` : '';
  const headers = message.recordHeaders?.length ? `headers=${headersText(message.recordHeaders)}, ` : '';
  return `Message received: topic=${topic}, partition=${partition}, offset=${message.offset}, ${key}${headers}message content: ${text}${note}`;
}

/** `{k1: v1, k2: <null>}`, in record order, duplicates kept. */
export function headersText(headers: readonly RecordHeader[]): string {
  return `{${headers.map((h) => `${plainOrQuoted(h.key)}: ${h.value === null ? NULL_TEXT : bytesText(h.value)}`).join(', ')}}`;
}

/**
 * A key or header value as text that cannot be mistaken: plain UTF-8 as is, text that would blur the line
 * (empty, spaces at the ends, separators, control characters, `<null>` itself) JSON-quoted, bytes that are
 * not UTF-8 as 0x-hex.
 */
export function bytesText(bytes: Buffer): string {
  const text = bytes.toString('utf8');
  if (!Buffer.from(text, 'utf8').equals(bytes)) return `0x${bytes.toString('hex')}`;
  return plainOrQuoted(text);
}

// Printable, no separator of the line (`, ` `{` `}` `: ` `"`), no leading or trailing space.
const PLAIN = /^[^\s,{}:"\p{C}](?:[^,{}:"\p{C}]*[^\s,{}:"\p{C}])?$/u;

function plainOrQuoted(text: string): string {
  return PLAIN.test(text) && text !== NULL_TEXT ? text : JSON.stringify(text);
}
