// Names of every lab object, derived from the scope and the stack.
/** Names of every lab object, derived from the scope and the stack so two stacks never collide. */
export interface LabNaming {
  prefix: string;
  owner: string;
  network: string;
  container(member: string): string;
  volume(member: string): string;
}

export function labNaming(scope: string, project: string, stack: string): LabNaming {
  const prefix = `${scope}-${stack}`;
  return {
    prefix,
    owner: `${project}/${stack}`,
    network: `${prefix}-net`,
    container: (member) => `${prefix}-${member}`,
    volume: (member) => `${prefix}-${member}-data`,
  };
}

export const etcdMemberNames = (n: number) => Array.from({ length: n }, (_, i) => `etcd${i + 1}`);
export const patroniNodeNames = (n: number) => Array.from({ length: n }, (_, i) => `pg${i + 1}`);
export const HAPROXY_MEMBER = "haproxy";

/**
 * A lab member's fixed host number on the lab's /24 (etcd i → 10+i, pg i → 20+i, haproxy → 30). Docker
 * hands out addresses again on every `docker start`, in start order: two members stopped and started in
 * another order swap addresses, and fault rules and probes naming the old ones hit the wrong member.
 * Fixed addresses (`--ip`, below the network's dynamic range) keep the inventory true across restarts.
 */
export function memberHostNumber(member: string): number {
  const m = /^(etcd|pg)(\d+)$/.exec(member);
  if (m) return (m[1] === "etcd" ? 10 : 20) + Number(m[2]);
  if (member === HAPROXY_MEMBER) return 30;
  throw new Error(`no fixed address for lab member ${member}`);
}
