import type { ConsumedMessage, RecordList } from './engine.js';

const NO_BYTES = Buffer.alloc(0);

/** A RecordList over message objects a client library already built (kafkajs). */
export class MessageList implements RecordList {
  constructor(private readonly messages: readonly ConsumedMessage[]) {}

  get length(): number {
    return this.messages.length;
  }

  offset(i: number): number {
    return Number(this.message(i).offset);
  }

  valueBytes(i: number): Buffer {
    return this.message(i).value ?? NO_BYTES;
  }

  valueStart(): number {
    return 0;
  }

  valueLength(i: number): number {
    return this.message(i).value?.length ?? -1;
  }

  message(i: number): ConsumedMessage {
    const message = this.messages[i];
    if (message === undefined) throw new RangeError(`record ${i} of ${this.messages.length}`);
    return message;
  }
}

/** The first `count` records as objects (for recorders and tests; allocates per record). */
export function messagesOf(records: RecordList, count = records.length): ConsumedMessage[] {
  const out = new Array<ConsumedMessage>(Math.min(count, records.length));
  for (let i = 0; i < out.length; i++) out[i] = records.message(i);
  return out;
}
