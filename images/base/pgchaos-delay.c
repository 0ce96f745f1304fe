/*
 * pgchaos-delay: a userspace packet delayer behind iptables NFQUEUE, for kernels without sch_netem.
 * Each queued packet gets a due time (arrival + delay +/- jitter); verdicts are issued when due, so
 * the delay is the same whatever else is queued (a delayer that sleeps per packet serialises the queue
 * and multiplies the delay — measured 3.5x on this lab). Rules must use --queue-bypass: if this process
 * dies, traffic flows undelayed instead of being dropped, and verification notices the missing delay.
 *
 * Order is kept per flow (addresses, protocol, ports), not across the whole queue: with jitter, a global
 * order made every packet wait for the latest due time queued before it, so the added delay crept up
 * to delay + jitter for everyone (measured by bench/delay-fidelity.ts). Packets wait in a min-heap by due
 * time; sleeps are timed in nanoseconds (ppoll, 1 ns timer slack) rather than rounded up to whole ms.
 *
 * usage: pgchaos-delay QUEUE_NUM DELAY_MS JITTER_MS
 */
#define _GNU_SOURCE
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
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>

#define CAP 65536          /* packets held at most (the queue's maxlen); beyond it, accept at once */
#define FLOWS 65536        /* per-flow last due times, by hash (a collision only shares an order) */
#define COPY_BYTES 64      /* enough of the packet for IPv4 + TCP/UDP ports */

struct held { int64_t due_ns; uint64_t seq; uint32_t id; };

static struct held heap[CAP];
static unsigned count = 0;
static uint64_t seq = 0;
static int64_t flow_due[FLOWS];
static int64_t delay_ns, jitter_ns;
static volatile sig_atomic_t stop = 0;

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int before(const struct held *a, const struct held *b) {
  return a->due_ns < b->due_ns || (a->due_ns == b->due_ns && a->seq < b->seq);
}

static void heap_push(struct held h) {
  unsigned i = count++;
  while (i > 0) {
    unsigned parent = (i - 1) / 2;
    if (!before(&h, &heap[parent])) break;
    heap[i] = heap[parent];
    i = parent;
  }
  heap[i] = h;
}

static struct held heap_pop(void) {
  struct held top = heap[0], last = heap[--count];
  unsigned i = 0;
  for (;;) {
    unsigned c = 2 * i + 1;
    if (c >= count) break;
    if (c + 1 < count && before(&heap[c + 1], &heap[c])) c++;
    if (!before(&heap[c], &last)) break;
    heap[i] = heap[c];
    i = c;
  }
  if (count) heap[i] = last;
  return top;
}

/* FNV-1a over the flow's addresses, protocol and ports (IPv4); other packets share flow 0. */
static unsigned flow_of(const unsigned char *p, int len) {
  if (len < 20 || (p[0] >> 4) != 4) return 0;
  unsigned ihl = (unsigned)(p[0] & 0x0f) * 4, proto = p[9];
  uint32_t h = 2166136261u;
  for (int i = 12; i < 20; i++) h = (h ^ p[i]) * 16777619u;
  h = (h ^ proto) * 16777619u;
  if ((proto == IPPROTO_TCP || proto == IPPROTO_UDP) && (int)ihl + 4 <= len)
    for (unsigned i = ihl; i < ihl + 4; i++) h = (h ^ p[i]) * 16777619u;
  return h % FLOWS;
}

static int on_packet(struct nfq_q_handle *qh, struct nfgenmsg *msg, struct nfq_data *nfa, void *data) {
  (void)msg; (void)data;
  struct nfqnl_msg_packet_hdr *ph = nfq_get_msg_packet_hdr(nfa);
  if (!ph) return 0;
  uint32_t id = ntohl(ph->packet_id);
  if (count >= CAP) return nfq_set_verdict(qh, id, NF_ACCEPT, 0, NULL); /* full: never drop */
  unsigned char *payload = NULL;
  int len = nfq_get_payload(nfa, &payload);
  unsigned flow = flow_of(payload, len);
  int64_t j = jitter_ns ? (int64_t)(random() % (2 * (jitter_ns / 1000) + 1)) * 1000 - jitter_ns : 0;
  int64_t due = now_ns() + delay_ns + j;
  if (due < flow_due[flow]) due = flow_due[flow]; /* never reorder a flow */
  flow_due[flow] = due;
  heap_push((struct held){ due, seq++, id });
  return 0;
}

static void on_signal(int sig) { (void)sig; stop = 1; }

int main(int argc, char **argv) {
  if (argc != 4) { fprintf(stderr, "usage: %s QUEUE_NUM DELAY_MS JITTER_MS\n", argv[0]); return 2; }
  int qnum = atoi(argv[1]);
  delay_ns = (int64_t)atoi(argv[2]) * 1000000;
  jitter_ns = (int64_t)atoi(argv[3]) * 1000000;
  srandom((unsigned)now_ns());
  signal(SIGTERM, on_signal);
  signal(SIGINT, on_signal);
  prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0); /* wake when due, not up to 50 us later */

  struct nfq_handle *h = nfq_open();
  if (!h) { perror("nfq_open"); return 1; }
  struct nfq_q_handle *qh = nfq_create_queue(h, (uint16_t)qnum, &on_packet, NULL);
  if (!qh) { perror("nfq_create_queue"); return 1; }
  if (nfq_set_mode(qh, NFQNL_COPY_PACKET, COPY_BYTES) < 0) { perror("nfq_set_mode"); return 1; }
  nfq_set_queue_maxlen(qh, CAP);
  nfq_set_queue_flags(qh, NFQA_CFG_F_FAIL_OPEN, NFQA_CFG_F_FAIL_OPEN);
  int fd = nfq_fd(h);
  int rcvbuf = 8 << 20; /* bursts must not overrun the netlink socket (FORCE needs NET_ADMIN, which rules need anyway) */
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) < 0) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  printf("ready queue=%d delay_ms=%s jitter_ms=%s\n", qnum, argv[2], argv[3]);
  fflush(stdout);

  char buf[65536] __attribute__((aligned));
  while (!stop) {
    int64_t now = now_ns();
    while (count && heap[0].due_ns <= now) nfq_set_verdict(qh, heap_pop().id, NF_ACCEPT, 0, NULL);
    int64_t wait = count ? heap[0].due_ns - now : 1000000000;
    struct timespec ts = { .tv_sec = wait / 1000000000, .tv_nsec = wait % 1000000000 };
    struct pollfd p = { .fd = fd, .events = POLLIN };
    if (ppoll(&p, 1, &ts, NULL) > 0 && (p.revents & POLLIN)) {
      int n; /* take everything queued so far before sleeping again */
      while ((n = recv(fd, buf, sizeof buf, MSG_DONTWAIT)) > 0) nfq_handle_packet(h, buf, n);
      if (n < 0 && errno == ENOBUFS) fprintf(stderr, "pgchaos-delay: netlink buffer overrun\n");
    }
  }
  /* Release whatever is still held, then leave: rules use --queue-bypass. */
  while (count) nfq_set_verdict(qh, heap_pop().id, NF_ACCEPT, 0, NULL);
  nfq_destroy_queue(qh);
  nfq_close(h);
  return 0;
}
