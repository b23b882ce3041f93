/* A compact-protocol session with tcc over a POSIX socket:
 *   tcc_example [HOST [PORT]]
 * stores a value, reads it back, counts with INCR and prints the results. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tcc.h"

static int fd;

/* Sends what the writer holds, then reads until one reply is complete. */
static int roundtrip(tcc_writer *w, tcc_decoder *d, tcc_reply *r) {
  static uint8_t in[512];
  static size_t in_len;
  int done = 0;
  if (w->overflow || send(fd, w->buf, w->len, 0) != (ssize_t)w->len) return -1;
  w->len = 0;
  for (;;) {
    size_t used = tcc_decode(d, in, in_len, r, &done);
    memmove(in, in + used, in_len - used);
    in_len -= used;
    if (done) return 0;
    ssize_t got = recv(fd, in + in_len, sizeof in - in_len, 0);
    if (got <= 0) return -1;
    in_len += (size_t)got;
  }
}

int main(int argc, char **argv) {
  const char *host = argc > 1 ? argv[1] : "127.0.0.1";
  int port = argc > 2 ? atoi(argv[2]) : 11211;
  struct sockaddr_in addr;
  uint8_t out[256], value[64];
  tcc_writer w;
  tcc_decoder d;
  tcc_reply r;

  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_port = htons((uint16_t)port);
  if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) return 2;
  fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
    perror("connect");
    return 1;
  }
  tcc_writer_init(&w, out, sizeof out);
  tcc_decoder_init(&d, value, sizeof value, 0, 0);

  /* CLEAR first: it also tells a shared port this is the compact protocol. */
  tcc_op(&w, TC_OP_CLEAR);
  tcc_op(&w, TC_OP_SET);
  tcc_str(&w, TC_OP_KEY, "greeting", 8);
  tcc_value(&w, "hello, device", 13);
  tcc_op(&w, TC_OP_GO);
  if (roundtrip(&w, &d, &r) || r.status != TC_STATUS_OK) return 1;

  tcc_op(&w, TC_OP_GET);
  tcc_op(&w, TC_OP_GO); /* the KEY register is still set */
  if (roundtrip(&w, &d, &r) || r.status != TC_STATUS_OK) return 1;
  printf("greeting = %.*s\n", (int)r.value_kept, (const char *)value);

  tcc_op(&w, TC_OP_INCR);
  tcc_str(&w, TC_OP_KEY, "boots", 5);
  tcc_num(&w, TC_OP_DELTA8, 1);
  tcc_num(&w, TC_OP_INITIAL, 1);
  tcc_op(&w, TC_OP_GO);
  if (roundtrip(&w, &d, &r) || r.status != TC_STATUS_OK) return 1;
  printf("boots = %llu\n", (unsigned long long)r.number);
  close(fd);
  return 0;
}
