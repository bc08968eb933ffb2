import type { AckedBatch } from '../run/sendLoop.js';
import type { RecordKind } from '../run/payload.js';
import type { Output } from './output.js';

/** client.py's exact wording, one line per acknowledged message. */
export function logPublished(out: Output, topic: string, batch: AckedBatch): void {
  for (const value of batch.values) out.log('ktc.producer', `Message published to topic=${topic}, message content: ${value.toString('utf8')}`);
}

export function logConsumed(out: Output, topic: string, partition: number, offset: string, value: Buffer | null, kind: RecordKind): void {
  const text = value === null ? '<null>' : kind === 'foreign' ? JSON.stringify(value.toString('utf8')) : value.toString('utf8');
  const note = kind === 'foreign' ? ' (not JSON: counted as foreign)' : '';
  out.log('ktc.consumer', `Message received: topic=${topic}, partition=${partition}, offset=${offset}, message content: ${text}${note}`);
}
