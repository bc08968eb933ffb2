/*
 * The consumer's record list (WireRecordList in src/engine/wire/recordList.ts): Int32 fields per record, STRIDE of
 * them, in this order. records.c writes them; payloads.c reads values through them.
 */
#ifndef KTC_RECORD_FIELDS_H
#define KTC_RECORD_FIELDS_H
enum { BODY, KEY_START, KEY_LENGTH, VALUE_START, VALUE_LENGTH, HEADERS_AT, STRIDE };
#endif
