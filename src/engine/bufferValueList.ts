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

/** Every value of a list as a Buffer (allocates per value: for printing and recorders, not the send path). */
export function buffersOf(values: ValueList): Buffer[] {
  const out = new Array<Buffer>(values.length);
  for (let i = 0; i < out.length; i++) out[i] = values.value(i);
  return out;
}
