import { describe, expect, it } from 'vitest';
import type { ConsumedMessage } from '../../../src/engine/engine.js';
import { bytesText, consumedLine, headersText } from '../../../src/report/messageLines.js';

const b = (s: string) => Buffer.from(s);
const JSON_VALUE = '{"timestamp": 1732473000.1234567, "_id": "abc", "origin": "x", "content": "Message #1"}';

describe('consumed message lines', () => {
  it("keep client.py's exact line for a record without key or headers", () => {
    const message: ConsumedMessage = { offset: '5', value: b(JSON_VALUE), key: null };
    expect(consumedLine('t', 2, message, 'json')).toBe(`Message received: topic=t, partition=2, offset=5, message content: ${JSON_VALUE}`);
    // kafkajs hands an empty headers object and no recordHeaders; an empty list is no headers either.
    expect(consumedLine('t', 2, { offset: '5', value: b(JSON_VALUE), recordHeaders: [] }, 'json')).toBe(
      `Message received: topic=t, partition=2, offset=5, message content: ${JSON_VALUE}`,
    );
  });

  it('show the key and the headers, in record order with duplicates, before the content', () => {
    const message: ConsumedMessage = {
      offset: '5',
      value: b('v1'),
      key: b('k1'),
      recordHeaders: [
        { key: 'h1', value: b('v1') },
        { key: 'h2', value: null },
        { key: 'h1', value: b('again') },
      ],
    };
    expect(consumedLine('t', 0, message, 'foreign')).toBe(
      'Message received: topic=t, partition=0, offset=5, key=k1, headers={h1: v1, h2: <null>, h1: again}, message content: "v1" (not JSON: counted as foreign)',
    );
  });

  it('show headers without a key, and a key without headers', () => {
    expect(consumedLine('t', 0, { offset: '1', value: b('x'), key: null, recordHeaders: [{ key: 'h', value: b('1') }] }, 'foreign')).toBe(
      'Message received: topic=t, partition=0, offset=1, headers={h: 1}, message content: "x" (not JSON: counted as foreign)',
    );
    expect(consumedLine('t', 0, { offset: '1', value: b(JSON_VALUE), key: b('k') }, 'json')).toBe(
      `Message received: topic=t, partition=0, offset=1, key=k, message content: ${JSON_VALUE}`,
    );
  });

  it('say a null value is a null value, not foreign bytes', () => {
    expect(consumedLine('t', 0, { offset: '9', value: null, key: b('gone') }, 'null')).toBe(
      'Message received: topic=t, partition=0, offset=9, key=gone, message content: <null> (null value: counted as null)',
    );
  });

  it('quote keys and header values that would blur the line, and write bytes that are not UTF-8 as hex', () => {
    expect(bytesText(b('plain text é'))).toBe('plain text é');
    expect(bytesText(b(''))).toBe('""');
    expect(bytesText(b('<null>'))).toBe('"<null>"');
    expect(bytesText(b('a, b'))).toBe('"a, b"');
    expect(bytesText(b('{"a":1}'))).toBe('"{\\"a\\":1}"');
    expect(bytesText(b(' padded'))).toBe('" padded"');
    expect(bytesText(b('tab\there'))).toBe('"tab\\there"');
    expect(bytesText(Buffer.from([0xff, 0x00, 0x01]))).toBe('0xff0001');
    expect(
      headersText([
        { key: 'a key', value: b('') },
        { key: 'x:y', value: null },
      ]),
    ).toBe('{a key: "", "x:y": <null>}');
  });
});
