import { readOverInputs, type ResourceType } from "../common/resource";
import { reveal } from "../common/values";
import { docker, dockerIgnoringGone, inspect } from "./cli";

interface NetworkInputs {
  name: string;
  driver?: string;
  internal?: boolean;
  labels?: Array<{ label: string; value: string }>;
  ipamConfigs?: Array<{ subnet?: string; ipRange?: string; gateway?: string }>;
}

const ipamFromInspect = (info: Record<string, any>) =>
  ((info.IPAM?.Config ?? []) as Array<Record<string, string>>).map((c) => ({
    subnet: c.Subnet ?? "", ipRange: c.IPRange ?? "", gateway: c.Gateway ?? "", auxAddress: c.AuxiliaryAddresses ?? {},
  }));

/**
 * docker.Network, after https://www.pulumi.com/registry/packages/docker/api-docs/network/ (the bridged
 * docker_network): every property replaces the network (there is no update); refresh drops a network
 * that is gone; driver, internal and ipamConfigs left out are filled from Docker at create (computed).
 */
export const network: ResourceType = {
  token: "docker:index/network:Network",
  inputs: { name: true, driver: true, internal: true, labels: ["label", "value"], ipamConfigs: ["subnet", "ipRange", "gateway"] },
  replaceOn: ["name", "driver", "internal", "labels", "ipamConfigs"],
  computed: ["driver", "internal", "ipamConfigs"],
  async create(inputs) {
    const n = reveal<NetworkInputs>(inputs);
    const ipam = (n.ipamConfigs ?? []).flatMap((c) => [
      ...(c.subnet ? ["--subnet", c.subnet] : []), ...(c.ipRange ? ["--ip-range", c.ipRange] : []), ...(c.gateway ? ["--gateway", c.gateway] : []),
    ]);
    const id = (await docker(["network", "create", "--driver", n.driver ?? "bridge", ...(n.internal ? ["--internal"] : []),
      ...(n.labels ?? []).flatMap((l) => ["--label", `${l.label}=${l.value}`]), ...ipam, n.name])).trim();
    const info = (await inspect("network", id)) ?? {};
    return { id, outs: readOverInputs({ driver: info.Driver, internal: !!info.Internal, scope: info.Scope, ipamConfigs: ipamFromInspect(info), ipamDriver: info.IPAM?.Driver ?? "default" }, inputs) };
  },
  async read(id, state) {
    const info = await inspect("network", id);
    if (!info) return { id: "" };
    return { id, props: { ...state, scope: info.Scope } };
  },
  async delete(id) {
    await dockerIgnoringGone(["network", "rm", id]);
  },
};

interface VolumeInputs {
  name?: string;
  driver?: string;
  labels?: Array<{ label: string; value: string }>;
}

/**
 * docker.Volume, after https://www.pulumi.com/registry/packages/docker/api-docs/volume/ (the bridged
 * docker_volume): every property replaces the volume; the id is the volume's name (Docker's when left
 * out); refresh drops a volume that is gone and reads its mountpoint; delete removes it (and its data).
 */
export const volume: ResourceType = {
  token: "docker:index/volume:Volume",
  inputs: { name: true, driver: true, labels: ["label", "value"] },
  replaceOn: ["name", "driver", "labels"],
  computed: ["name", "driver"],
  async create(inputs) {
    const v = reveal<VolumeInputs>(inputs);
    const name = (await docker(["volume", "create", ...(v.driver ? ["--driver", v.driver] : []),
      ...(v.labels ?? []).flatMap((l) => ["--label", `${l.label}=${l.value}`]), ...(v.name ? [v.name] : [])])).trim();
    const info = (await inspect("volume", name)) ?? {};
    return { id: name, outs: readOverInputs({ name, driver: info.Driver, mountpoint: info.Mountpoint }, inputs) };
  },
  async read(id, state) {
    const info = await inspect("volume", id);
    if (!info) return { id: "" };
    return { id, props: { ...state, mountpoint: info.Mountpoint } };
  },
  async delete(id) {
    await dockerIgnoringGone(["volume", "rm", id]);
  },
};
