/*
 * The records of a Kafka record batch (magic 2), decoded into the consumer's record list: per record its offset
 * and where its key, value and headers lie. The same walk as readRecords in src/engine/wire/recordBatchReader.ts,
 * which stays the reference: this one only accepts, and returns -1 for anything it does not find exactly as a
 * well-formed batch has it (a varint longer than lengths need, a field past its record, a count that does not
 * match), and the TypeScript walk then decodes the batch again and reports precisely what is wrong. At 100-byte
 * records the walk in JavaScript was a quarter of the consumer's time.
 *
 * Built into ktc's own addon with crc32c.c (bin/build-native.mjs); portable C, Node-API only.
 */
#include <stddef.h>
#include <stdint.h>
#include <node_api.h>
#include "recordFields.h"

/*
 * A zigzag varint of at most `max` bytes from *p, not reading at or past `end`. Returns 0 when it runs past `end`
 * or is longer (the TypeScript reader decides those batches).
 */
static inline int varint(const uint8_t **p, const uint8_t *end, int max, int64_t *out) {
  const uint8_t *q = *p;
  uint64_t z;
  /* Nearly every varint of a record is one or two bytes long: those take no loop. */
  if (q < end && !(q[0] & 0x80)) {
    z = q[0];
    *p = q + 1;
  } else if (end - q >= 2 && !(q[1] & 0x80)) {
    z = (uint64_t)(q[0] & 0x7f) | (uint64_t)q[1] << 7;
    *p = q + 2;
  } else {
    int ended = 0;
    z = 0;
    for (int i = 0, shift = 0; i < max && q < end && !ended; i++, shift += 7) {
      uint8_t b = *q++;
      z |= (uint64_t)(b & 0x7f) << shift;
      ended = !(b & 0x80);
    }
    if (!ended) return 0;
    *p = q;
  }
  *out = (int64_t)(z >> 1) ^ -(int64_t)(z & 1);
  return 1;
}

/* Decodes `count` records from body[start, end); writes those at or after `from`; returns how many, or -1. */
static int64_t scan(const uint8_t *body, size_t start, size_t end, int64_t count, double base, double from, int32_t body_index,
                    int32_t *fields, double *offsets, size_t capacity) {
  const uint8_t *p = body + start, *limit = body + end;
  size_t n = 0;
  if (count < 0 || (uint64_t)count > end - start) return -1;
  for (int64_t i = 0; i < count; i++) {
    int64_t length, timestamp_delta, offset_delta, key_length, value_length, header_count;
    if (!varint(&p, limit, 5, &length) || length < 1 || length > limit - p) return -1;
    const uint8_t *record_end = p + length;
    p++; /* attributes */
    if (!varint(&p, record_end, 10, &timestamp_delta) || !varint(&p, record_end, 5, &offset_delta) ||
        !varint(&p, record_end, 5, &key_length))
      return -1;
    const uint8_t *key = p;
    if (key_length >= 0) {
      if (key_length > record_end - p) return -1;
      p += key_length;
    }
    if (!varint(&p, record_end, 5, &value_length)) return -1;
    const uint8_t *value = p;
    if (value_length >= 0) {
      if (value_length > record_end - p) return -1;
      p += value_length;
    }
    const uint8_t *headers = p;
    if (!varint(&p, record_end, 5, &header_count) || header_count < 0 || header_count > record_end - p) return -1;
    for (int64_t h = 0; h < header_count; h++) {
      int64_t hk, hv;
      if (!varint(&p, record_end, 5, &hk) || hk < 0 || hk > record_end - p) return -1;
      p += hk;
      if (!varint(&p, record_end, 5, &hv)) return -1;
      if (hv >= 0) {
        if (hv > record_end - p) return -1;
        p += hv;
      }
    }
    if (p != record_end) return -1;
    double offset = base + (double)offset_delta;
    if (offset < from) continue;
    if (n >= capacity) return -1;
    int32_t *f = fields + n * STRIDE;
    f[BODY] = body_index;
    f[KEY_START] = (int32_t)(key - body);
    f[KEY_LENGTH] = key_length < 0 ? -1 : (int32_t)key_length;
    f[VALUE_START] = (int32_t)(value - body);
    f[VALUE_LENGTH] = value_length < 0 ? -1 : (int32_t)value_length;
    f[HEADERS_AT] = header_count == 0 ? -1 : (int32_t)(headers - body);
    offsets[n++] = offset;
  }
  return p == limit ? (int64_t)n : -1;
}

static int typed(napi_env env, napi_value v, napi_typedarray_type want, void **data, size_t *length) {
  napi_typedarray_type type;
  napi_value buffer;
  size_t offset;
  return napi_get_typedarray_info(env, v, &type, length, data, &buffer, &offset) == napi_ok && type == want;
}

/*
 * scanRecords(body: Uint8Array, start, end, count, baseOffset, fromOffset, bodyIndex,
 *             fields: Int32Array, offsets: Float64Array, at): number
 * Writes records from index `at` of fields (STRIDE per record) and offsets; returns how many, or -1.
 */
static napi_value js_scan_records(napi_env env, napi_callback_info info) {
  size_t argc = 10;
  napi_value argv[10], result;
  void *body, *fields, *offsets;
  size_t body_length, fields_length, offsets_length;
  uint32_t start, end, at;
  int64_t count;
  int32_t body_index;
  double base, from;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 10 ||
      !typed(env, argv[0], napi_uint8_array, &body, &body_length) || napi_get_value_uint32(env, argv[1], &start) != napi_ok ||
      napi_get_value_uint32(env, argv[2], &end) != napi_ok || napi_get_value_int64(env, argv[3], &count) != napi_ok ||
      napi_get_value_double(env, argv[4], &base) != napi_ok || napi_get_value_double(env, argv[5], &from) != napi_ok ||
      napi_get_value_int32(env, argv[6], &body_index) != napi_ok || !typed(env, argv[7], napi_int32_array, &fields, &fields_length) ||
      !typed(env, argv[8], napi_float64_array, &offsets, &offsets_length) || napi_get_value_uint32(env, argv[9], &at) != napi_ok) {
    napi_throw_type_error(env, NULL, "scanRecords(body, start, end, count, baseOffset, fromOffset, bodyIndex, fields, offsets, at)");
    return NULL;
  }
  if (start > end || end > body_length || end > INT32_MAX || at > offsets_length || (size_t)at * STRIDE > fields_length) {
    napi_throw_range_error(env, NULL, "scanRecords: start, end or at outside the arrays");
    return NULL;
  }
  size_t capacity = offsets_length - at;
  if (fields_length / STRIDE - at < capacity) capacity = fields_length / STRIDE - at;
  int64_t n = scan((const uint8_t *)body, start, end, count, base, from, body_index, (int32_t *)fields + (size_t)at * STRIDE,
                   (double *)offsets + at, capacity);
  napi_create_int64(env, n, &result);
  return result;
}

/* Called by the addon's init (crc32c.c). */
void register_records(napi_env env, napi_value exports) {
  napi_value fn;
  if (napi_create_function(env, "scanRecords", NAPI_AUTO_LENGTH, js_scan_records, NULL, &fn) == napi_ok)
    napi_set_named_property(env, exports, "scanRecords", fn);
}
