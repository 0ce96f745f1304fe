// etcd 3.4 flags for one member of a static cluster.
/** etcd 3.4 flags for one member of a static cluster (container names are hostnames on the lab network). */

export const ETCD_CLIENT_PORT = 2379;
export const ETCD_PEER_PORT = 2380;

export interface EtcdMemberConfig {
  name: string;
  members: string[];
  clusterToken: string;
  /** Heartbeat and election timeouts (ms): etcd defaults, stated so a reader sees what the lab runs. */
  heartbeatMs?: number;
  electionMs?: number;
}

export function etcdFlags(c: EtcdMemberConfig): string[] {
  const initialCluster = c.members.map((m) => `${m}=http://${m}:${ETCD_PEER_PORT}`).join(",");
  return [
    "etcd",
    `--name=${c.name}`,
    "--data-dir=/var/lib/etcd/data",
    `--listen-client-urls=http://0.0.0.0:${ETCD_CLIENT_PORT}`,
    `--advertise-client-urls=http://${c.name}:${ETCD_CLIENT_PORT}`,
    `--listen-peer-urls=http://0.0.0.0:${ETCD_PEER_PORT}`,
    `--initial-advertise-peer-urls=http://${c.name}:${ETCD_PEER_PORT}`,
    `--initial-cluster=${initialCluster}`,
    "--initial-cluster-state=new",
    `--initial-cluster-token=${c.clusterToken}`,
    `--heartbeat-interval=${c.heartbeatMs ?? 100}`,
    `--election-timeout=${c.electionMs ?? 1000}`,
    // Serves /metrics on the client port for Prometheus; extensive adds histograms per gRPC method.
    "--metrics=basic",
  ];
}
