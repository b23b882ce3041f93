/* tcc: a tiny client for tinkercache's compact protocol (spec/compact.md).
 *
 * C99, no heap, no dependency beyond the C standard library: the caller owns
 * every buffer and the transport. Encoding appends opcodes to a buffer;
 * decoding is a state machine fed any chunks of the reply stream. It builds
 * for a Cortex-M0+ (-Os -mthumb) in under 2 KiB of .text and needs only
 * memcpy and memset: no 64-bit division, no stdio (cortex_m0_check.sh). */
#ifndef TINKERCACHE_CLIENTS_COMPACT_TCC_H_
#define TINKERCACHE_CLIENTS_COMPACT_TCC_H_

#include <stddef.h>
#include <stdint.h>

#include "tinkercache/compact_opcodes.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Encoding ---------------------------------------------------------- */

typedef struct {
  uint8_t *buf;
  size_t cap;
  size_t len;
  int overflow; /* set when an opcode did not fit; nothing partial is written */
} tcc_writer;

void tcc_writer_init(tcc_writer *w, uint8_t *buf, size_t cap);
/* An opcode of any range; the parameter is taken from `value` (integers) or
 * `data`/`n` (strings), as the opcode's range requires. */
void tcc_put(tcc_writer *w, uint8_t op, uint64_t value, const void *data,
             size_t n);
#define tcc_op(w, op) tcc_put((w), (op), 0, 0, 0)
#define tcc_num(w, op, v) tcc_put((w), (op), (v), 0, 0)
#define tcc_str(w, op, d, n) tcc_put((w), (op), 0, (d), (n))
/* VALUE8 or VALUE, whichever is shorter on the wire. */
void tcc_value(tcc_writer *w, const void *data, size_t n);
/* Only the VALUE opcode and length: the caller sends the n bytes itself, so
 * a large value need not pass through the buffer. */
void tcc_value_header(tcc_writer *w, uint32_t n);

/* ---- Decoding ---------------------------------------------------------- */

enum {
  TCC_HAS_VALUE = 1,
  TCC_HAS_FLAGS = 2,
  TCC_HAS_CAS = 4,
  TCC_HAS_NUMBER = 8,
  TCC_HAS_OPAQUE = 16,
  TCC_HAS_KEY = 32,
  TCC_HAS_MESSAGE = 64
};

typedef struct {
  uint8_t status;   /* TC_STATUS_*, valid once the reply is done */
  uint8_t has;      /* TCC_HAS_* bits: the fields the reply carried */
  uint8_t skipped;  /* unknown opcodes the server skipped */
  uint32_t flags;
  uint32_t opaque;
  uint64_t cas;
  uint64_t number;
  uint32_t value_len;    /* the value's full length */
  uint32_t value_kept;   /* bytes of it stored in the value buffer */
  uint8_t text_len;      /* the last KEY/MESSAGE/STAT field, in `text` */
  char text[255];
} tcc_reply;

/* Called for every string field but the value, once complete (STAT_NAME and
 * STAT_VALUE pairs of a STATS reply, KEY, MESSAGE, unknown strings). */
typedef void (*tcc_field_fn)(void *ctx, uint8_t op, const char *text,
                             size_t len);

typedef struct {
  uint8_t state;
  uint8_t op;
  uint8_t extended;
  uint8_t pending;      /* integer bytes still to read */
  uint8_t fresh;        /* the next byte starts a new reply */
  uint32_t remaining;   /* string bytes still to read */
  uint64_t num;
  uint8_t *value_buf;
  size_t value_cap;
  tcc_field_fn on_field;
  void *ctx;
} tcc_decoder;

void tcc_decoder_init(tcc_decoder *d, uint8_t *value_buf, size_t value_cap,
                      tcc_field_fn on_field, void *ctx);
/* Consumes bytes of the reply stream and returns how many it used. Sets
 * *done to 1 when a reply has ended; bytes after it belong to the next
 * reply and are not consumed. A reserved opcode ends the reply with status
 * TC_STATUS_FRAMING. */
size_t tcc_decode(tcc_decoder *d, const uint8_t *data, size_t n,
                  tcc_reply *r, int *done);

#ifdef __cplusplus
}
#endif

#endif /* TINKERCACHE_CLIENTS_COMPACT_TCC_H_ */
