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
