// Which Patroni and etcd log lines matter, by purpose: what a journal records, what a capped excerpt quotes first, what explains an election.

/** Lines the runner records in the journal: leadership, failover, rewind and resync, the DCS, lifecycle. */
export const RECORDED_LOG = /leader|lock|promot|demot|failover|rewind|follow|elect|dcs|etcd|timeline|no action|shutdown|starting|lost|quorum|failsafe|replication slot|recover|requested WAL segment|reinitiali|basebackup/i;

/** Patroni's every-loop "no action" lines: they say nothing changed, and would crowd out what did (never recorded). */
export const HEARTBEAT_LOG = /no action\. I am|Lock owner: .* I am/;

/** Lines a report quotes first when the excerpt is capped: leadership changes and failures. */
export const QUOTED_FIRST_LOG = /leader|promot|demot|failover|switchover|timeline|lock|elect|rewind|reinit|fail|error|fatal|panic|lost|timeout|shut/i;

/** Patroni's log lines that explain a leader race: candidates compared, the lock taken, the promotion. */
export const ELECTION_LOG = /Got response from|healthiest|promot|acquired session lock|failover|candidate|Lock owner|is not the healthiest|wal position|following a different leader|demot/i;
