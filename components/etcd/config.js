"use strict";
// etcd 3.4 flags for one member of a static cluster.
/** etcd 3.4 flags for one member of a static cluster (container names are hostnames on the lab network). */
Object.defineProperty(exports, "__esModule", { value: true });
exports.ETCD_PEER_PORT = exports.ETCD_CLIENT_PORT = void 0;
exports.etcdFlags = etcdFlags;
exports.ETCD_CLIENT_PORT = 2379;
exports.ETCD_PEER_PORT = 2380;
function etcdFlags(c) {
    const initialCluster = c.members.map((m) => `${m}=http://${m}:${exports.ETCD_PEER_PORT}`).join(",");
    return [
        "etcd",
        `--name=${c.name}`,
        "--data-dir=/var/lib/etcd/data",
        `--listen-client-urls=http://0.0.0.0:${exports.ETCD_CLIENT_PORT}`,
        `--advertise-client-urls=http://${c.name}:${exports.ETCD_CLIENT_PORT}`,
        `--listen-peer-urls=http://0.0.0.0:${exports.ETCD_PEER_PORT}`,
        `--initial-advertise-peer-urls=http://${c.name}:${exports.ETCD_PEER_PORT}`,
        `--initial-cluster=${initialCluster}`,
        "--initial-cluster-state=new",
        `--initial-cluster-token=${c.clusterToken}`,
        `--heartbeat-interval=${c.heartbeatMs ?? 100}`,
        `--election-timeout=${c.electionMs ?? 1000}`,
        // Serves /metrics on the client port for Prometheus; extensive adds histograms per gRPC method.
        "--metrics=basic",
    ];
}
