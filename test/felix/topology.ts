/**
 * Calico-style routed topologies in network namespaces, for felix's dataplane
 * tests and the acceptance matrix built on them.
 *
 *   node namespace: the host. `ext0` (a veth into nowhere) carries the node's address and
 *     default route (proxy ARP answers only for addresses routed through
 *     another interface, as on a real host). The policy agent programs this
 *     namespace: routes to pods, veth sysctls, iptables, ipsets.
 *   pod namespace: `eth0` with the pod's /32, `default via 169.254.1.1`; the
 *     host end of the veth is `reef` + 11 hex characters.
 *   dual-stack pods (PodSpec.ip6) also get their /128 on `eth0` and a
 *     default route via the host end's link-local POD_GATEWAY6, as reef's
 *     CNI plugin sets them up: the host end is a router on the link, so no
 *     proxy NDP is needed. DAD is off in every namespace, so addresses are
 *     usable at once. IPv6 forwarding in the node is the agent's to switch
 *     on (net.ipv6.conf.all.forwarding; there is no per-interface switch).
 *   nodes joined with connectNodes() route each other's pods over a veth
 *     (the part BGP plays in a cluster), /32 and /128 routes alike; addHost()
 *     adds an outside host.
 *
 * Every pod runs probe-agent.ts: listeners on the requested ports, and a
 * client that probes with a fresh source port each time.
 */
import { createHash } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { EndpointInput, NamedPort } from '../../felix/calc/policy/index.ts';
import { netnsRunner, type CommandRunner } from '../../felix/dataplane/command-runner.ts';
import type { NetnsScope } from '../harness/netns.ts';
import { HOST_LINK_LOCAL6 } from '../../src/cni/reef-cni-link.ts';

const PROBE_AGENT = join(dirname(fileURLToPath(import.meta.url)), 'probe-agent.ts');
export const DEFAULT_LISTEN = { tcp: [80, 8080], udp: [53] } as const;

export interface SimNode {
  readonly scope: NetnsScope;
  readonly name: string;
  readonly ns: string;
  /** Runs commands inside the node namespace: what the agent under test gets. */
  readonly runner: CommandRunner;
  /** The node's own address (on ext0). */
  readonly address: string;
  readonly pods: Pod[];
  /** `via6`: the peer's IPv6 address on the link, for dual-stack pods' routes. */
  readonly peers: { node: SimNode; via: string; via6: string }[];
}

export interface Probeable {
  readonly ns: string;
  readonly ip: string;
  /** The IPv6 address of a dual-stack pod. */
  readonly ip6?: string;
  readonly agent: ProbeAgent;
}

export interface Pod extends Probeable {
  readonly node: SimNode;
  readonly namespace: string;
  readonly name: string;
  labels: Record<string, string>;
  readonly iface: string;
  readonly ports: readonly NamedPort[];
  /** The agent's input for this pod (relabel() replaces it). */
  endpoint: EndpointInput;
}

export interface PodSpec {
  readonly namespace: string;
  readonly name: string;
  readonly labels?: Record<string, string>;
  readonly ip: string;
  /** An IPv6 address as well: the pod is dual stack. */
  readonly ip6?: string;
  readonly ports?: readonly NamedPort[];
  readonly listen?: { tcp?: readonly number[]; udp?: readonly number[] };
}

let nodeCounter = 0;
let linkCounter = 0;

/**
 * The pod's IPv6 gateway: the host end's link-local address, the one reef's
 * CNI plugin routes pods through (it derives it from the host end's fixed
 * MAC; here it is simply assigned).
 */
export const POD_GATEWAY6 = HOST_LINK_LOCAL6;

/** Duplicate address detection off for every interface made later in `ns`: addresses work at once. */
async function noDad(scope: NetnsScope, ns: string): Promise<void> {
  for (const c of ['all', 'default']) await scope.sysctl(ns, `net.ipv6.conf.${c}.accept_dad`, '0');
}

async function addAddress6(scope: NetnsScope, ns: string, dev: string, cidr: string): Promise<void> {
  await scope.exec(ns, ['ip', '-6', 'addr', 'add', cidr, 'dev', dev, 'nodad']);
}

export async function createNode(scope: NetnsScope, name: string): Promise<SimNode> {
  const ns = await scope.createNamespace();
  await noDad(scope, ns);
  const address = `192.0.2.${++nodeCounter % 250}`;
  // No dummy driver on these kernels: a veth pair whose far end (not forwarding) swallows what is sent.
  await scope.exec(ns, ['ip', 'link', 'add', 'ext0', 'type', 'veth', 'peer', 'name', 'ext0-sink']);
  await scope.addAddress(ns, 'ext0', `${address}/32`);
  await scope.linkUp(ns, 'ext0');
  await scope.linkUp(ns, 'ext0-sink');
  await scope.exec(ns, ['ip', 'route', 'add', 'default', 'dev', 'ext0']);
  return { scope, name, ns, runner: netnsRunner(ns), address, pods: [], peers: [] };
}

/** `reef` + 11 hex characters, unique per node and pod, as the CNI plugin names them. */
export function workloadIface(node: string, namespace: string, pod: string): string {
  return `reef${createHash('sha1').update(`${node}/${namespace}/${pod}`).digest('hex').slice(0, 11)}`;
}

export async function addPod(node: SimNode, spec: PodSpec): Promise<Pod> {
  const { scope } = node;
  const ns = await scope.createNamespace();
  if (spec.ip6) await noDad(scope, ns);
  const iface = workloadIface(node.name, spec.namespace, spec.name);
  await scope.veth({ ns: node.ns, name: iface }, { ns, name: 'eth0', address: `${spec.ip}/32` });
  await scope.exec(ns, ['ip', 'route', 'add', '169.254.1.1', 'dev', 'eth0', 'scope', 'link']);
  await scope.exec(ns, ['ip', 'route', 'add', 'default', 'via', '169.254.1.1', 'dev', 'eth0']);
  if (spec.ip6) {
    await addAddress6(scope, node.ns, iface, `${POD_GATEWAY6}/64`);
    await addAddress6(scope, ns, 'eth0', `${spec.ip6}/128`);
    await scope.exec(ns, ['ip', '-6', 'route', 'add', 'default', 'via', POD_GATEWAY6, 'dev', 'eth0']);
  }
  const listen = spec.listen ?? DEFAULT_LISTEN;
  const agent = await ProbeAgent.start(scope, ns, [...(listen.tcp ?? []).map((p) => `tcp:${p}`), ...(listen.udp ?? []).map((p) => `udp:${p}`)]);
  const ports = spec.ports ?? [];
  const labels = spec.labels ?? {};
  const ips = [`${spec.ip}/32`, ...(spec.ip6 ? [`${spec.ip6}/128`] : [])];
  const endpoint: EndpointInput = { namespace: spec.namespace, name: spec.name, labels, ips, node: node.name, interfaceName: iface, ports };
  const pod: Pod = { node, namespace: spec.namespace, name: spec.name, labels, ip: spec.ip, ...(spec.ip6 ? { ip6: spec.ip6 } : {}), ns, iface, ports, endpoint, agent };
  node.pods.push(pod);
  // The peer reaches this pod through this node's address on their link, as the peer records it.
  for (const p of node.peers) {
    const back = p.node.peers.find((x) => x.node === node)!;
    await routePod(p.node, pod, back);
  }
  return pod;
}

/** On `on`, the route to a pod of its peer: over their link, to the peer's addresses on it. */
async function routePod(on: SimNode, pod: Pod, via: { via: string; via6: string }): Promise<void> {
  await on.scope.exec(on.ns, ['ip', 'route', 'replace', `${pod.ip}/32`, 'via', via.via]);
  if (pod.ip6) await on.scope.exec(on.ns, ['ip', '-6', 'route', 'replace', `${pod.ip6}/128`, 'via', via.via6]);
}

/** New labels on a pod; returns the endpoint to feed the agent. */
export function relabel(pod: Pod, labels: Record<string, string>): EndpointInput {
  pod.labels = labels;
  pod.endpoint = { ...pod.endpoint, labels };
  return pod.endpoint;
}

/** A link between two nodes; each routes the other's pods (present and future) over it. */
export async function connectNodes(a: SimNode, b: SimNode): Promise<void> {
  const n = ++linkCounter;
  const [ia, ib] = [`fab${n}a`, `fab${n}b`];
  const [aa, ab] = [`172.31.${n}.1`, `172.31.${n}.2`];
  const [aa6, ab6] = [`fd65:ffff:${n}::1`, `fd65:ffff:${n}::2`];
  await a.scope.veth({ ns: a.ns, name: ia, address: `${aa}/30` }, { ns: b.ns, name: ib, address: `${ab}/30` });
  await addAddress6(a.scope, a.ns, ia, `${aa6}/64`);
  await addAddress6(b.scope, b.ns, ib, `${ab6}/64`);
  await a.scope.sysctl(a.ns, `net.ipv4.conf.${ia}.forwarding`, '1');
  await b.scope.sysctl(b.ns, `net.ipv4.conf.${ib}.forwarding`, '1');
  a.peers.push({ node: b, via: ab, via6: ab6 });
  b.peers.push({ node: a, via: aa, via6: aa6 });
  for (const p of b.pods) await routePod(a, p, { via: ab, via6: ab6 });
  for (const p of a.pods) await routePod(b, p, { via: aa, via6: aa6 });
}

/**
 * A host outside the cluster on its own link from `node`: `hostIp` on its
 * side, `nodeIp` on the node's. It has no route to the pools, so it can only
 * answer a pod whose traffic the node masquerades.
 */
export async function addHost(node: SimNode, opts: { hostIp: string; nodeIp: string; listen?: PodSpec['listen'] }): Promise<Probeable> {
  const ns = await node.scope.createNamespace();
  const n = ++linkCounter;
  await node.scope.veth({ ns: node.ns, name: `out${n}`, address: `${opts.nodeIp}/24` }, { ns, name: 'eth0', address: `${opts.hostIp}/24` });
  await node.scope.sysctl(node.ns, `net.ipv4.conf.out${n}.forwarding`, '1');
  const listen = opts.listen ?? DEFAULT_LISTEN;
  const agent = await ProbeAgent.start(node.scope, ns, [...(listen.tcp ?? []).map((p) => `tcp:${p}`), ...(listen.udp ?? []).map((p) => `udp:${p}`)]);
  return { ns, ip: opts.hostIp, agent };
}

export interface ProbeResult {
  readonly ok: boolean;
  /** `ok <source address the target saw>` when ok. */
  readonly reply?: string;
  readonly error?: string;
}

export interface ProbeOptions {
  /** How long a silent (dropped) probe waits; 800 ms by default. */
  readonly timeoutMs?: number;
  /** A fixed source port, for tests about conntrack; fresh ones otherwise. */
  readonly srcPort?: number;
}

/** Whether `from` reaches `to` on proto/port, with a source port no earlier probe used. */
export async function probe(from: Probeable, to: Probeable | { ip: string }, proto: 'tcp' | 'udp', port: number, opts: ProbeOptions = {}): Promise<boolean> {
  return (await probeDetail(from, to, proto, port, opts)).ok;
}

export function probeDetail(from: Probeable, to: Probeable | { ip: string }, proto: 'tcp' | 'udp', port: number, opts: ProbeOptions = {}): Promise<ProbeResult> {
  return from.agent.probe(proto, to.ip, port, opts.timeoutMs ?? 800, opts.srcPort ?? freshSourcePort());
}

let nextPort = 20_000 + Math.floor(Math.random() * 20_000);

/** Source ports cycle through 20000-59999, so one run never reuses one (nor rides its conntrack entry). */
function freshSourcePort(): number {
  nextPort = nextPort >= 59_999 ? 20_000 : nextPort + 1;
  return nextPort;
}

export class ProbeAgent {
  private readonly proc: ChildProcess;
  private readonly waiting = new Map<number, (r: ProbeResult) => void>();
  private nextId = 0;

  private constructor(proc: ChildProcess) {
    this.proc = proc;
  }

  static async start(scope: NetnsScope, ns: string, listen: string[]): Promise<ProbeAgent> {
    const proc = scope.spawn(ns, [process.execPath, PROBE_AGENT, ...listen], { stdio: ['pipe', 'pipe', 'pipe'] });
    const agent = new ProbeAgent(proc);
    let stderr = '';
    proc.stderr?.on('data', (d) => (stderr += d.toString()));
    await new Promise<void>((resolve, reject) => {
      const lines = createInterface({ input: proc.stdout! });
      lines.on('line', (line) => {
        const msg = JSON.parse(line) as { ready?: boolean; id?: number } & ProbeResult;
        if (msg.ready) return resolve();
        const done = agent.waiting.get(msg.id!);
        agent.waiting.delete(msg.id!);
        done?.(msg);
      });
      proc.once('exit', (code) => {
        reject(new Error(`probe agent in ${ns} exited ${code}: ${stderr}`));
        for (const w of agent.waiting.values()) w({ ok: false, error: `probe agent exited: ${stderr}` });
        agent.waiting.clear();
      });
    });
    return agent;
  }

  probe(proto: 'tcp' | 'udp', host: string, port: number, timeoutMs: number, srcPort: number): Promise<ProbeResult> {
    const id = ++this.nextId;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.proc.stdin!.write(`${JSON.stringify({ id, proto, host, port, srcPort, timeoutMs })}\n`);
    });
  }
}
