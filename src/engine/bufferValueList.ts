import type { ValueList } from './engine.js';

/** A ValueList over Buffers that already exist (JSON payloads, tests, tools). */
export class BufferValueList implements ValueList {
  readonly byteLength: number;

  constructor(private readonly buffers: readonly Buffer[]) {
    let bytes = 0;
    for (const b of buffers) bytes += b.length;
    this.byteLength = bytes;
  }

  get length(): number {
    return this.buffers.length;
  }

  sizeOf(i: number): number {
    return this.value(i).length;
  }

  writeTo(i: number, target: Buffer, pos: number): void {
    target.set(this.value(i), pos);
  }

  value(i: number): Buffer {
    const value = this.buffers[i];
    if (value === undefined) throw new RangeError(`value ${i} of ${this.buffers.length}`);
    return value;
  }

  slice(start: number, end: number): ValueList {
    return new BufferValueList(this.buffers.slice(start, end));
  }
}

/**
 * Every value of a list as a Buffer, all in one allocation (kafkajs, printing and recorders; not the wire
 * engine's send path, which writes values straight into its request).
 */
export function buffersOf(values: ValueList): Buffer[] {
  const memory = Buffer.alloc(values.byteLength); // zeroed, as writeTo expects
  const out = new Array<Buffer>(values.length);
  let pos = 0;
  for (let i = 0; i < out.length; i++) {
    const size = values.sizeOf(i);
    values.writeTo(i, memory, pos);
    out[i] = memory.subarray(pos, pos + size);
    pos += size;
  }
  return out;
}
