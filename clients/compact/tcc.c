/* tcc: the compact protocol's embedded client. See tcc.h. */
#include "tcc.h"

#include <string.h>

/* Parameter bytes by range: none, u8, u32, str8, str32, u64 (0: reserved). */
static uint8_t param_kind(uint8_t op) { return (uint8_t)(op >> 5); }
enum { K_NONE, K_U8, K_U32, K_STR8, K_STR32, K_U64 };
static const uint8_t k_int_size[6] = {0, 1, 4, 1, 4, 8};

void tcc_writer_init(tcc_writer *w, uint8_t *buf, size_t cap) {
  w->buf = buf;
  w->cap = cap;
  w->len = 0;
  w->overflow = 0;
}

static void put_be(uint8_t *p, uint64_t v, int n) {
  while (n-- > 0) {
    p[n] = (uint8_t)v;
    v >>= 8;
  }
}

void tcc_put(tcc_writer *w, uint8_t op, uint64_t value, const void *data,
             size_t n) {
  uint8_t kind = param_kind(op);
  size_t size;
  if (kind > K_U64) {
    w->overflow = 1; /* reserved: never sent */
    return;
  }
  if (kind == K_STR8 || kind == K_STR32) {
    if (kind == K_STR8 && n > 255) {
      w->overflow = 1;
      return;
    }
    value = n;
  } else {
    n = 0;
  }
  size = 1 + k_int_size[kind] + n;
  if (w->cap - w->len < size) {
    w->overflow = 1;
    return;
  }
  w->buf[w->len] = op;
  put_be(w->buf + w->len + 1, value, k_int_size[kind]);
  if (n) memcpy(w->buf + w->len + 1 + k_int_size[kind], data, n);
  w->len += size;
}

void tcc_value(tcc_writer *w, const void *data, size_t n) {
  tcc_put(w, n <= 255 ? TC_OP_VALUE8 : TC_OP_VALUE, 0, data, n);
}

void tcc_value_header(tcc_writer *w, uint32_t n) {
  if (w->cap - w->len < 5) {
    w->overflow = 1;
    return;
  }
  w->buf[w->len] = TC_OP_VALUE;
  put_be(w->buf + w->len + 1, n, 4);
  w->len += 5;
}

enum { S_OP, S_INT, S_LEN, S_STR };

void tcc_decoder_init(tcc_decoder *d, uint8_t *value_buf, size_t value_cap,
                      tcc_field_fn on_field, void *ctx) {
  memset(d, 0, sizeof *d);
  d->fresh = 1;
  d->value_buf = value_buf;
  d->value_cap = value_cap;
  d->on_field = on_field;
  d->ctx = ctx;
}

static int is_value(const tcc_decoder *d) {
  return !d->extended && (d->op == TC_R_VALUE8 || d->op == TC_R_VALUE);
}

/* A complete integer parameter. Returns 1 when it ends the reply. */
static int end_int(tcc_decoder *d, tcc_reply *r) {
  uint64_t v = d->num;
  d->state = S_OP;
  if (d->extended) return 0;
  switch (d->op) {
    case TC_R_STATUS: r->status = (uint8_t)v; return 1;
    case TC_R_SKIPPED: r->skipped = (uint8_t)v; break;
    case TC_R_FLAGS: r->flags = (uint32_t)v; r->has |= TCC_HAS_FLAGS; break;
    case TC_R_OPAQUE: r->opaque = (uint32_t)v; r->has |= TCC_HAS_OPAQUE; break;
    case TC_R_CAS: r->cas = v; r->has |= TCC_HAS_CAS; break;
    case TC_R_NUMBER: r->number = v; r->has |= TCC_HAS_NUMBER; break;
    default: break; /* unknown: skipped */
  }
  return 0;
}

static void end_str(tcc_decoder *d, tcc_reply *r) {
  d->state = S_OP;
  if (!is_value(d)) {
    if (!d->extended && d->op == TC_R_KEY) r->has |= TCC_HAS_KEY;
    if (!d->extended && d->op == TC_R_MESSAGE) r->has |= TCC_HAS_MESSAGE;
    if (d->on_field) d->on_field(d->ctx, d->op, r->text, r->text_len);
  }
  d->extended = 0;
}

size_t tcc_decode(tcc_decoder *d, const uint8_t *data, size_t n,
                  tcc_reply *r, int *done) {
  size_t i = 0;
  *done = 0;
  while (i < n) {
    uint8_t b, kind;
    if (d->state == S_STR) {
      size_t m = n - i < d->remaining ? n - i : d->remaining;
      if (is_value(d)) {
        size_t room = d->value_cap - r->value_kept;
        size_t keep = m < room ? m : room;
        memcpy(d->value_buf + r->value_kept, data + i, keep);
        r->value_kept += (uint32_t)keep;
      } else {
        size_t room = sizeof r->text - r->text_len;
        size_t keep = m < room ? m : room;
        memcpy(r->text + r->text_len, data + i, keep);
        r->text_len = (uint8_t)(r->text_len + keep);
      }
      i += m;
      d->remaining -= (uint32_t)m;
      if (d->remaining == 0) end_str(d, r);
      continue;
    }
    b = data[i++];
    if (d->fresh) {
      memset(r, 0, sizeof *r);
      d->fresh = 0;
    }
    if (d->state == S_OP) {
      if (b == 0xff && !d->extended) {
        d->extended = 1;
        continue;
      }
      d->op = b;
      kind = param_kind(b);
      if (kind > K_U64 || (d->extended && b == 0xff)) {
        r->status = TC_STATUS_FRAMING;
        *done = 1;
      } else if (kind == K_NONE) {
        if (!d->extended && b == TC_R_OK) {
          r->status = TC_STATUS_OK;
          *done = 1;
        }
      } else {
        d->num = 0;
        d->pending = k_int_size[kind];
        d->state = (kind == K_STR8 || kind == K_STR32) ? S_LEN : S_INT;
      }
      if (d->state == S_OP) d->extended = 0;
    } else {
      d->num = (d->num << 8) | b;
      if (--d->pending == 0) {
        if (d->state == S_INT) {
          *done = end_int(d, r);
        } else {
          d->remaining = (uint32_t)d->num;
          d->state = S_STR;
          if (is_value(d)) {
            r->value_len = d->remaining;
            r->value_kept = 0;
            r->has |= TCC_HAS_VALUE;
          } else {
            r->text_len = 0;
          }
          if (d->remaining == 0) end_str(d, r);
        }
        if (d->state == S_OP) d->extended = 0;
      }
    }
    if (*done) {
      d->state = S_OP;
      d->extended = 0;
      d->fresh = 1;
      break;
    }
  }
  return i;
}
