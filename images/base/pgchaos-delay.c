/*
 * pgchaos-delay: a userspace packet delayer behind iptables NFQUEUE, for kernels without sch_netem.
 * Each queued packet gets a due time (arrival + delay +/- jitter); verdicts are issued when due, so
 * the delay is the same whatever else is queued (a delayer that sleeps per packet serialises the queue
 * and multiplies the delay — measured 3.5x on this lab). Due times are kept monotonic, so packets
 * are never reordered (unlike netem with jitter). Rules must use --queue-bypass: if this process dies,
 * traffic flows undelayed instead of being dropped, and verification notices the missing delay.
 *
 * usage: pgchaos-delay QUEUE_NUM DELAY_MS JITTER_MS
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <libnetfilter_queue/libnetfilter_queue.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RING 65536

static uint32_t ids[RING];
static int64_t due_us[RING];
static unsigned head = 0, tail = 0;
static int64_t delay_us, jitter_us, last_due = 0;
static volatile sig_atomic_t stop = 0;

static int64_t now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int on_packet(struct nfq_q_handle *qh, struct nfgenmsg *msg, struct nfq_data *nfa, void *data) {
  (void)msg; (void)data;
  struct nfqnl_msg_packet_hdr *ph = nfq_get_msg_packet_hdr(nfa);
  if (!ph) return 0;
  uint32_t id = ntohl(ph->packet_id);
  if (tail - head >= RING) return nfq_set_verdict(qh, id, NF_ACCEPT, 0, NULL); /* full: never drop */
  int64_t j = jitter_us ? (int64_t)(random() % (2 * jitter_us + 1)) - jitter_us : 0;
  int64_t due = now_us() + delay_us + j;
  if (due < last_due) due = last_due; /* keep order */
  last_due = due;
  ids[tail % RING] = id;
  due_us[tail % RING] = due;
  tail++;
  return 0;
}

static void on_signal(int sig) { (void)sig; stop = 1; }

int main(int argc, char **argv) {
  if (argc != 4) { fprintf(stderr, "usage: %s QUEUE_NUM DELAY_MS JITTER_MS\n", argv[0]); return 2; }
  int qnum = atoi(argv[1]);
  delay_us = (int64_t)atoi(argv[2]) * 1000;
  jitter_us = (int64_t)atoi(argv[3]) * 1000;
  srandom((unsigned)now_us());
  signal(SIGTERM, on_signal);
  signal(SIGINT, on_signal);

  struct nfq_handle *h = nfq_open();
  if (!h) { perror("nfq_open"); return 1; }
  struct nfq_q_handle *qh = nfq_create_queue(h, (uint16_t)qnum, &on_packet, NULL);
  if (!qh) { perror("nfq_create_queue"); return 1; }
  if (nfq_set_mode(qh, NFQNL_COPY_META, 0) < 0) { perror("nfq_set_mode"); return 1; }
  nfq_set_queue_maxlen(qh, RING);
  nfq_set_queue_flags(qh, NFQA_CFG_F_FAIL_OPEN, NFQA_CFG_F_FAIL_OPEN);
  int fd = nfq_fd(h);
  printf("ready queue=%d delay_ms=%s jitter_ms=%s\n", qnum, argv[2], argv[3]);
  fflush(stdout);

  char buf[65536] __attribute__((aligned));
  while (!stop) {
    int64_t now = now_us();
    while (head != tail && due_us[head % RING] <= now) {
      nfq_set_verdict(qh, ids[head % RING], NF_ACCEPT, 0, NULL);
      head++;
    }
    int timeout = head == tail ? 1000 : (int)((due_us[head % RING] - now + 999) / 1000);
    struct pollfd p = { .fd = fd, .events = POLLIN };
    int r = poll(&p, 1, timeout);
    if (r > 0 && (p.revents & POLLIN)) {
      int n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
      if (n > 0) nfq_handle_packet(h, buf, n);
      else if (n < 0 && errno == ENOBUFS) fprintf(stderr, "pgchaos-delay: netlink buffer overrun\n");
    }
  }
  /* Release whatever is still held, then leave: rules use --queue-bypass. */
  while (head != tail) { nfq_set_verdict(qh, ids[head % RING], NF_ACCEPT, 0, NULL); head++; }
  nfq_destroy_queue(qh);
  nfq_close(h);
  return 0;
}
