/**
 * The acceptance cluster: two simulated nodes joined by a routed link, nine
 * pods in three namespaces spread over both, and one policy agent per node
 * programming its own node namespace. Every change goes to both agents, as
 * the datastore watch would deliver it; the cluster also keeps the same state
 * for the oracle (decide()).
 *
 * Pods differ in their named ports on purpose: `http` is TCP 80 on web pods
 * and TCP 8080 on api pods, `dns` is UDP 53 on web and db pods and UDP 5353
 * on api pods, so a named-port rule resolves to different numbers per peer.
 */
import { convertPolicy, policyKey, type EvalState, type NamedPort, type NamespaceInput, type PolicyInput } from '../../../felix/calc/policy/index.ts';
import { PolicyAgent } from '../../../felix/agent.ts';
import type { NetnsScope } from '../../harness/netns.ts';
import { addPod, connectNodes, createNode, relabel, type Pod, type SimNode } from '../topology.ts';

export const LISTEN = { tcp: [80, 8080], udp: [53, 5353] } as const;

export const BASE_NAMESPACES: readonly NamespaceInput[] = [
  { name: 'prod', labels: { env: 'prod', team: 'a' } },
  { name: 'dev', labels: { env: 'dev', team: 'a' } },
  { name: 'ops', labels: { env: 'ops', team: 'b' } },
];

type Role = 'web' | 'api' | 'db';

const ROLE_LABELS: Record<Role, Record<string, string>> = {
  web: { app: 'web', tier: 'front' },
  api: { app: 'api', tier: 'back' },
  db: { app: 'db', tier: 'back' },
};

const ROLE_PORTS: Record<Role, readonly NamedPort[]> = {
  web: [
    { name: 'http', protocol: 'TCP', port: 80 },
    { name: 'http-alt', protocol: 'TCP', port: 8080 },
    { name: 'dns', protocol: 'UDP', port: 53 },
  ],
  api: [
    { name: 'http', protocol: 'TCP', port: 8080 },
    { name: 'dns', protocol: 'UDP', port: 5353 },
  ],
  db: [{ name: 'dns', protocol: 'UDP', port: 53 }],
};

/**
 * Every pod is dual stack. Node A's pods sit in 10.65.1.0/24 and
 * fd65:1::/64, node B's in 10.65.2.0/24 and fd65:2::/64, with the same last
 * number in both families, so CIDR rules can pick a node's pods in either.
 */
export const POD_LAYOUT: readonly { namespace: string; role: Role; node: 0 | 1; ip: string; ip6: string }[] = [
  { namespace: 'prod', role: 'web', node: 0, ip: '10.65.1.2', ip6: 'fd65:1::2' },
  { namespace: 'prod', role: 'api', node: 1, ip: '10.65.2.2', ip6: 'fd65:2::2' },
  { namespace: 'prod', role: 'db', node: 0, ip: '10.65.1.3', ip6: 'fd65:1::3' },
  { namespace: 'dev', role: 'web', node: 1, ip: '10.65.2.3', ip6: 'fd65:2::3' },
  { namespace: 'dev', role: 'api', node: 0, ip: '10.65.1.4', ip6: 'fd65:1::4' },
  { namespace: 'dev', role: 'db', node: 1, ip: '10.65.2.4', ip6: 'fd65:2::4' },
  { namespace: 'ops', role: 'web', node: 0, ip: '10.65.1.5', ip6: 'fd65:1::5' },
  { namespace: 'ops', role: 'api', node: 1, ip: '10.65.2.5', ip6: 'fd65:2::5' },
  { namespace: 'ops', role: 'db', node: 0, ip: '10.65.1.6', ip6: 'fd65:1::6' },
];

export const podId = (p: Pick<Pod, 'namespace' | 'name'>): string => `${p.namespace}/${p.name}`;

export class Cluster {
  readonly nodes: readonly SimNode[];
  readonly agents: readonly PolicyAgent[];
  readonly pods: readonly Pod[];
  private readonly namespaces = new Map<string, NamespaceInput>();
  private readonly policies = new Map<string, PolicyInput>();

  private constructor(nodes: SimNode[], agents: PolicyAgent[], pods: Pod[]) {
    this.nodes = nodes;
    this.agents = agents;
    this.pods = pods;
  }

  static async create(scope: NetnsScope): Promise<Cluster> {
    const nodes = [await createNode(scope, 'node-a'), await createNode(scope, 'node-b')];
    const pods: Pod[] = [];
    for (const l of POD_LAYOUT) {
      pods.push(
        await addPod(nodes[l.node]!, { namespace: l.namespace, name: l.role, labels: { ...ROLE_LABELS[l.role] }, ip: l.ip, ip6: l.ip6, ports: ROLE_PORTS[l.role], listen: LISTEN }),
      );
    }
    // Joined only now: addPod() on an already joined node routes the peer's copy via the peer's own address.
    await connectNodes(nodes[0]!, nodes[1]!);
    // Both families, as a dual-stack node runs it: iptables and ip6tables, inet and inet6 ipsets.
    const agents = nodes.map((n) => new PolicyAgent({ nodeName: n.name, runner: n.runner, families: [4, 6] }));
    const c = new Cluster(nodes, agents, pods);
    for (const a of agents) await a.start();
    for (const ns of BASE_NAMESPACES) c.setNamespaceLabels(ns.name, ns.labels);
    for (const a of agents) {
      for (const p of pods) a.upsertEndpoint(p.endpoint);
      a.synced();
    }
    await c.programmed();
    return c;
  }

  pod(id: string): Pod {
    const p = this.pods.find((x) => podId(x) === id);
    if (!p) throw new Error(`no pod ${id} in the acceptance cluster`);
    return p;
  }

  /** What the oracle evaluates: exactly what the agents were given. */
  state(): EvalState {
    return {
      endpoints: this.pods.map((p) => p.endpoint),
      namespaces: [...this.namespaces.values()],
      policies: [...this.policies.values()].map(convertPolicy),
    };
  }

  upsertPolicy(p: PolicyInput): void {
    this.policies.set(policyKey(p), p);
    for (const a of this.agents) a.upsertPolicy(p);
  }

  removePolicy(key: string): void {
    if (!this.policies.delete(key)) throw new Error(`no policy ${key} to delete`);
    for (const a of this.agents) a.removePolicy(key);
  }

  setPodLabels(id: string, labels: Record<string, string>): void {
    const ep = relabel(this.pod(id), labels);
    for (const a of this.agents) a.upsertEndpoint(ep);
  }

  setNamespaceLabels(name: string, labels: Record<string, string>): void {
    const ns = { name, labels: { ...labels } };
    this.namespaces.set(name, ns);
    for (const a of this.agents) a.upsertNamespace(ns);
  }

  /**
   * Waits for both agents to have every change in the kernel, conntrack
   * flushes included, and fails if either rejected a policy or an apply.
   */
  async programmed(): Promise<void> {
    await Promise.all(this.agents.map((a) => a.flush()));
    await Promise.all(this.agents.map((a) => a.settled()));
    for (const [i, a] of this.agents.entries()) {
      const s = a.status();
      if (!s.synced || s.failures > 0 || s.invalidPolicies.length > 0) {
        throw new Error(`agent on ${this.nodes[i]!.name} not programmed: failures ${s.failures} (${s.lastError ?? ''}), invalid policies [${s.invalidPolicies.join(', ')}]`);
      }
    }
  }

  /**
   * Empties the IPv6 neighbour caches of the nodes and the pods, so the next
   * probes resolve their neighbours (each pod its gateway, each node its pods)
   * under the policy in force, as a new pod does, instead of riding entries
   * an earlier scenario's traffic kept fresh. ARP meets no iptables rule, so
   * IPv4 needs no such thing; neighbour discovery is ICMPv6 and does.
   */
  async forgetNeighbours6(): Promise<void> {
    await Promise.all([...this.nodes, ...this.pods].map((x) => this.nodes[0]!.scope.exec(x.ns, ['ip', '-6', 'neigh', 'flush', 'all'])));
  }

  /** Back to the base state: no policies, base pod and namespace labels. */
  async reset(): Promise<void> {
    for (const key of [...this.policies.keys()]) this.removePolicy(key);
    for (const [i, l] of POD_LAYOUT.entries()) {
      const want = ROLE_LABELS[l.role];
      const pod = this.pods[i]!;
      if (JSON.stringify(pod.labels) !== JSON.stringify(want)) this.setPodLabels(podId(pod), { ...want });
    }
    for (const ns of BASE_NAMESPACES) {
      if (JSON.stringify(this.namespaces.get(ns.name)?.labels) !== JSON.stringify(ns.labels)) this.setNamespaceLabels(ns.name, ns.labels);
    }
    await this.programmed();
  }

  async stop(): Promise<void> {
    await Promise.all(this.agents.map((a) => a.stop()));
  }
}
