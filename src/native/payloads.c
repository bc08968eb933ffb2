/*
 * ktc's binary payloads, read where the consumer's record list says its values lie (recordFields.h) and summarised
 * for the consume loop (src/run/consumeLoop.ts): consecutive records from one producer that continue its sequence
 * and share a send time make one group. A send's records arrive that way, so a partition's records come back as a
 * few groups instead of thousands of values for JavaScript to read one by one (at 100-byte records that reading was
 * a quarter of the consumer's time). src/run/payload.ts writes the format and stays its reference:
 *   "ktc" 0x02 | producer id (8) | sequence (8, big-endian) | send time in µs (8, big-endian double) | padding.
 *
 * Built into ktc's own addon with crc32c.c (bin/build-native.mjs); portable C, Node-API only.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <node_api.h>
#include "recordFields.h"

enum { HEADER_SIZE = 28, HEAD = 3, GROUP = 5 };
/* out[HEAD - 1]: why the walk ended. */
enum { ENDED_AT_TO_OR_FULL = 0, ENDED_AT_OTHER_VALUE = 1 };
static const uint32_t MAGIC = 0x6b746302u; /* "ktc" 0x02 */
static const uint64_t SEQ_EXACT = (uint64_t)1 << 53;

static inline uint32_t be32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static inline uint64_t be64(const uint8_t *p) {
  return (uint64_t)be32(p) << 32 | be32(p + 4);
}

static inline double be_double(const uint8_t *p) {
  uint64_t bits = be64(p);
  double d;
  memcpy(&d, &bits, sizeof d);
  return d;
}

typedef struct {
  napi_env env;
  napi_value bodies;
  uint32_t count;
  int32_t index; /* the body `data` points into, -1 before the first */
  const uint8_t *data;
  size_t length;
} Bodies;

/* The bytes of body `index`, or 0 when there is no such Uint8Array. */
static int body(Bodies *b, int32_t index) {
  if (index == b->index) return 1;
  napi_value v;
  napi_typedarray_type type;
  napi_value buffer;
  size_t offset;
  void *data;
  if (index < 0 || (uint32_t)index >= b->count || napi_get_element(b->env, b->bodies, (uint32_t)index, &v) != napi_ok ||
      napi_get_typedarray_info(b->env, v, &type, &b->length, &data, &buffer, &offset) != napi_ok || type != napi_uint8_array)
    return 0;
  b->index = index;
  b->data = (const uint8_t *)data;
  return 1;
}

/*
 * Records from..to-1 while each value is a ktc binary payload; returns how many. Writes out[0] groups, out[1] the
 * values' bytes, out[2] why it ended, then GROUP doubles per group: producer id's high and low words (as int32),
 * first sequence number, records, send time.
 */
static uint32_t summarize(Bodies *b, const int32_t *fields, uint32_t from, uint32_t to, double *out, size_t capacity) {
  size_t groups = 0;
  uint64_t bytes = 0;
  double *g = NULL;
  /*
   * The group being extended, kept in locals and written out when it ends: updating its count in `out` per record
   * made every record wait for the last one's store.
   */
  uint64_t producer = 0, next_seq = 0, count = 0;
  double sent_at = 0;
  uint32_t i = from;
  out[HEAD - 1] = ENDED_AT_TO_OR_FULL;
  for (; i < to; i++) {
    const int32_t *f = fields + (size_t)i * STRIDE;
    int32_t start = f[VALUE_START], length = f[VALUE_LENGTH];
    if (length < HEADER_SIZE || start < 0 || (f[BODY] != b->index && !body(b, f[BODY])) || (size_t)start + (size_t)length > b->length ||
        be32(b->data + start) != MAGIC) {
      out[HEAD - 1] = ENDED_AT_OTHER_VALUE;
      break;
    }
    const uint8_t *v = b->data + start;
    uint64_t id, seq = be64(v + 12);
    memcpy(&id, v + 4, sizeof id);
    double sent = be_double(v + 20);
    /* Past 2^53 a sequence number is not exact as a double (the TypeScript reader's type): such records go one by one. */
    if (count > 0 && id == producer && seq == next_seq && sent == sent_at && seq < SEQ_EXACT) {
      count++;
      next_seq++;
    } else {
      if (groups == capacity) break;
      if (g) g[3] = (double)count;
      g = out + HEAD + groups++ * GROUP;
      g[0] = (double)(int32_t)be32(v + 4);
      g[1] = (double)(int32_t)be32(v + 8);
      g[2] = (double)seq;
      g[4] = sent;
      producer = id;
      next_seq = seq + 1;
      count = 1;
      sent_at = sent;
    }
    bytes += (uint64_t)length;
  }
  if (g) g[3] = (double)count;
  out[0] = (double)groups;
  out[1] = (double)bytes;
  return i - from;
}

/* summarizeBinaryValues(bodies: Uint8Array[], fields: Int32Array, from, to, out: Float64Array): number */
static napi_value js_summarize(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5], result;
  napi_typedarray_type type;
  napi_value buffer;
  size_t offset, fields_length, out_length;
  void *fields, *out;
  uint32_t from, to;
  bool is_array;
  Bodies b = {env, NULL, 0, -1, NULL, 0};
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 5 || napi_is_array(env, argv[0], &is_array) != napi_ok ||
      !is_array || napi_get_array_length(env, argv[0], &b.count) != napi_ok ||
      napi_get_typedarray_info(env, argv[1], &type, &fields_length, &fields, &buffer, &offset) != napi_ok || type != napi_int32_array ||
      napi_get_value_uint32(env, argv[2], &from) != napi_ok || napi_get_value_uint32(env, argv[3], &to) != napi_ok ||
      napi_get_typedarray_info(env, argv[4], &type, &out_length, &out, &buffer, &offset) != napi_ok || type != napi_float64_array) {
    napi_throw_type_error(env, NULL, "summarizeBinaryValues(bodies, fields, from, to, out)");
    return NULL;
  }
  if (from > to || (size_t)to * STRIDE > fields_length || out_length < HEAD + GROUP) {
    napi_throw_range_error(env, NULL, "summarizeBinaryValues: from and to outside the fields, or out too small");
    return NULL;
  }
  b.bodies = argv[0];
  uint32_t n = summarize(&b, (const int32_t *)fields, from, to, (double *)out, (out_length - HEAD) / GROUP);
  napi_create_uint32(env, n, &result);
  return result;
}

/* Called by the addon's init (crc32c.c). */
void register_payloads(napi_env env, napi_value exports) {
  napi_value fn;
  if (napi_create_function(env, "summarizeBinaryValues", NAPI_AUTO_LENGTH, js_summarize, NULL, &fn) == napi_ok)
    napi_set_named_property(env, exports, "summarizeBinaryValues", fn);
}
