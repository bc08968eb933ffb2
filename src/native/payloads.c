/*
 * ktc's own message values, read where the consumer's record list says they lie (recordFields.h) and summarised for
 * the consume loop (src/run/consumeLoop.ts): consecutive records from one producer that continue its sequence and
 * share a send time make one group. A send's records arrive that way, so a partition's records come back as a few
 * groups instead of thousands of values for JavaScript to read one by one (at 100-byte binary records that reading
 * was a quarter of the consumer's time; at 1 KiB JSON records, a sixth). src/run/payload.ts writes both formats and
 * its PayloadDecoder stays the reference for what is a ktc value:
 *   binary: "ktc" 0x02 | producer id (8) | sequence (8, big-endian) | send time in µs (8, big-endian double) | padding.
 *   JSON:   {"timestamp": 1795550803.176123, "_id": "<producer id: 6b746301 + 8 hex><sequence: 16 hex>", ...
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

/* A ktc JSON value's head: where its fields lie (as PayloadDecoder reads them). */
static const char JSON_HEAD[] = "{\"timestamp\": ";
static const char JSON_ID_KEY[] = ", \"_id\": \"";
static const char MARKER_HEX[] = "6b746301"; /* "ktc" 0x01 */
enum {
  TIMESTAMP_AT = sizeof JSON_HEAD - 1,
  ID_KEY_AT = TIMESTAMP_AT + 17, /* 10 digits, '.', 6 digits */
  ID_AT = ID_KEY_AT + sizeof JSON_ID_KEY - 1,
  SEQ_AT = ID_AT + 16,
  JSON_MIN_LENGTH = SEQ_AT + 16,
};

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

/* `n` decimal digits at p into *out; 0 when one is not a digit. */
static inline int digits(const uint8_t *p, int n, uint64_t *out) {
  uint64_t v = 0;
  for (int i = 0; i < n; i++) {
    unsigned d = (unsigned)p[i] - '0';
    if (d > 9) return 0;
    v = v * 10 + d;
  }
  *out = v;
  return 1;
}

/* 16 lowercase hex digits at p into *out; 0 when one is not (the encoder writes lowercase, the decoder reads only that). */
static inline int hex16(const uint8_t *p, uint64_t *out) {
  uint64_t v = 0;
  for (int i = 0; i < 16; i++) {
    unsigned c = p[i], d = c - '0';
    if (d > 9) {
      d = c - 'a';
      if (d > 5) return 0;
      d += 10;
    }
    v = v << 4 | d;
  }
  *out = v;
  return 1;
}

/* The head of the last ktc JSON value read, and what it says: a send's values repeat it byte for byte. */
typedef struct {
  const uint8_t *head;
  uint64_t producer;
  double sent;
} JsonHead;

/*
 * Whether the `length` bytes at v are a ktc JSON value (at least JSON_MIN_LENGTH long); if so, what it says. A
 * sequence number past 2^53 is left to the TypeScript reader, whose number it would not be exactly.
 */
static inline int json_value(JsonHead *last, const uint8_t *v, uint64_t *producer, uint64_t *seq, double *sent) {
  if (!last->head || memcmp(v, last->head, SEQ_AT) != 0) {
    uint64_t seconds, micros, id;
    if (memcmp(v, JSON_HEAD, TIMESTAMP_AT) != 0 || memcmp(v + ID_KEY_AT, JSON_ID_KEY, ID_AT - ID_KEY_AT) != 0 ||
        memcmp(v + ID_AT, MARKER_HEX, sizeof MARKER_HEX - 1) != 0 || !digits(v + TIMESTAMP_AT, 10, &seconds) ||
        !digits(v + TIMESTAMP_AT + 11, 6, &micros) || !hex16(v + ID_AT, &id))
      return 0;
    last->head = v;
    last->producer = id;
    last->sent = (double)seconds * 1000000.0 + (double)micros;
  }
  if (!hex16(v + SEQ_AT, seq) || *seq >= SEQ_EXACT) return 0;
  *producer = last->producer;
  *sent = last->sent;
  return 1;
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
 * Records from..to-1 while each value is a ktc value (binary or JSON); returns how many. Writes out[0] groups,
 * out[1] the values' bytes, out[2] why it ended, then GROUP doubles per group: producer id's high and low words (as
 * int32), first sequence number, records, send time.
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
  JsonHead json = {NULL, 0, 0};
  uint32_t i = from;
  out[HEAD - 1] = ENDED_AT_TO_OR_FULL;
  for (; i < to; i++) {
    const int32_t *f = fields + (size_t)i * STRIDE;
    int32_t start = f[VALUE_START], length = f[VALUE_LENGTH];
    if (length < HEADER_SIZE || start < 0 || (f[BODY] != b->index && !body(b, f[BODY])) || (size_t)start + (size_t)length > b->length) {
      out[HEAD - 1] = ENDED_AT_OTHER_VALUE;
      break;
    }
    const uint8_t *v = b->data + start;
    uint64_t id, seq;
    double sent;
    if (be32(v) == MAGIC) {
      id = be64(v + 4);
      seq = be64(v + 12);
      sent = be_double(v + 20);
    } else if (length < JSON_MIN_LENGTH || !json_value(&json, v, &id, &seq, &sent)) {
      out[HEAD - 1] = ENDED_AT_OTHER_VALUE;
      break;
    }
    /* Past 2^53 a sequence number is not exact as a double (the TypeScript reader's type): such records go one by one. */
    if (count > 0 && id == producer && seq == next_seq && sent == sent_at && seq < SEQ_EXACT) {
      count++;
      next_seq++;
    } else {
      if (groups == capacity) break;
      if (g) g[3] = (double)count;
      g = out + HEAD + groups++ * GROUP;
      g[0] = (double)(int32_t)(uint32_t)(id >> 32);
      g[1] = (double)(int32_t)(uint32_t)id;
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

/* summarizeKtcValues(bodies: Uint8Array[], fields: Int32Array, from, to, out: Float64Array): number */
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
    napi_throw_type_error(env, NULL, "summarizeKtcValues(bodies, fields, from, to, out)");
    return NULL;
  }
  if (from > to || (size_t)to * STRIDE > fields_length || out_length < HEAD + GROUP) {
    napi_throw_range_error(env, NULL, "summarizeKtcValues: from and to outside the fields, or out too small");
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
  if (napi_create_function(env, "summarizeKtcValues", NAPI_AUTO_LENGTH, js_summarize, NULL, &fn) == napi_ok)
    napi_set_named_property(env, exports, "summarizeKtcValues", fn);
}
