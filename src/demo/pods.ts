/**
 * Pods for the demo: a namespace each, wired by bin/reef-cni run inside its
 * node's namespace exactly as a container runtime on that node would run it
 * (so no REEF_HOST_NETNS: the plugin's own namespace is the host), and the
 * probes that fill the reachability matrices.
 */
import type { ChildProcess } from 'node:child_process';
import type { DemoNet } from './namespaces.ts';
import type { DemoNode } from './node-agents.ts';
import { BIN } from './control-plane.ts';

export const DB_PORT = 5432;

export interface DemoPod {
  name: string;
  node: DemoNode;
  ns: string;
  labels: Record<string, string>;
  ip: string;
  containerId: string;
  listener?: ChildProcess;
}

export function netconf(node: DemoNode, etcdEndpoint: string): string {
  return JSON.stringify({
    cniVersion: '1.0.0',
    name: 'reef-demo',
    type: 'reef-cni',
    ipam: { type: 'reef-ipam', etcd_endpoints: etcdEndpoint, nodename: node.name },
  });
}

async function cni(net: DemoNet, pod: Omit<DemoPod, 'ip'>, command: 'ADD' | 'DEL', etcdEndpoint: string): Promise<Record<string, unknown>> {
  const labels = Object.entries(pod.labels).map(([k, v]) => `${k}=${v}`).join(',');
  const r = await net.scope.exec(pod.node.ns, [
    'env', '-i', `PATH=${process.env.PATH ?? '/usr/bin:/bin'}`, 'REEF_LOG_LEVEL=warn',
    `CNI_COMMAND=${command}`, `CNI_CONTAINERID=${pod.containerId}`, `CNI_NETNS=/run/netns/${pod.ns}`, 'CNI_IFNAME=eth0',
    'CNI_PATH=/usr/lib/cni', `CNI_ARGS=IgnoreUnknown=1;K8S_POD_NAMESPACE=demo;K8S_POD_NAME=${pod.name};REEF_LABELS=${labels}`,
    BIN('reef-cni'),
  ], { allowFailure: true, input: netconf(pod.node, etcdEndpoint), timeoutMs: 30_000 });
  const out = r.stdout.trim() ? (JSON.parse(r.stdout) as Record<string, unknown>) : {};
  if (r.code !== 0) throw new Error(`reef-cni ${command} for ${pod.name} failed: ${r.stdout.trim()} ${r.stderr.trim()}`);
  return out;
}

export async function addPod(net: DemoNet, node: DemoNode, name: string, labels: Record<string, string>, etcdEndpoint: string): Promise<DemoPod> {
  const ns = await net.create(`${node.name}-${name}`);
  const base = { name, node, ns, labels, containerId: `demo-${ns}` };
  const result = await cni(net, base, 'ADD', etcdEndpoint);
  const ip = (result.ips as { address: string }[])[0]!.address.split('/')[0]!;
  // A TCP listener on the database port in every pod: the policy step shows who may still reach it.
  const listener = net.scope.spawn(ns, [process.execPath, '-e', `require('net').createServer((s) => s.end()).listen(${DB_PORT})`]);
  return { ...base, ip, listener };
}

export async function deletePod(net: DemoNet, pod: DemoPod, etcdEndpoint: string): Promise<void> {
  pod.listener?.kill();
  await cni(net, pod, 'DEL', etcdEndpoint);
}

export async function canPing(net: DemoNet, from: DemoPod, to: DemoPod): Promise<boolean> {
  const r = await net.scope.exec(from.ns, ['ping', '-c', '1', '-W', '1', to.ip], { allowFailure: true, timeoutMs: 5_000 });
  return r.code === 0;
}

/** `nc -z`: a fresh source port each time, so no probe rides an earlier one's conntrack entry. */
export async function canConnect(net: DemoNet, from: DemoPod, to: DemoPod, port: number): Promise<boolean> {
  const r = await net.scope.exec(from.ns, ['nc', '-z', '-w', '1', to.ip, String(port)], { allowFailure: true, timeoutMs: 5_000 });
  return r.code === 0;
}

export interface Matrix {
  title: string;
  pods: DemoPod[];
  /** ok[i][j]: pods[i] reached pods[j]. */
  ok: boolean[][];
}

export async function probeMatrix(title: string, pods: DemoPod[], probe: (from: DemoPod, to: DemoPod) => Promise<boolean>): Promise<Matrix> {
  const ok = await Promise.all(pods.map((from) => Promise.all(pods.map((to) => (from === to ? Promise.resolve(true) : probe(from, to))))));
  return { title, pods, ok };
}

export function renderMatrix(m: Matrix): string {
  const label = (p: DemoPod): string => `${p.node.name}/${p.name}`;
  const w = Math.max(...m.pods.map((p) => label(p).length), 8);
  const cols = m.pods.map((p) => p.name.padStart(Math.max(p.name.length, 6)));
  const lines = [`${m.title}  (rows: from, columns: to)`, `${' '.repeat(w)}  ${cols.join(' ')}`];
  m.pods.forEach((from, i) => {
    const cells = m.pods.map((_, j) => (i === j ? '.' : m.ok[i]![j] ? 'ok' : 'BLOCK').padStart(cols[j]!.length));
    lines.push(`${label(from).padEnd(w)}  ${cells.join(' ')}`);
  });
  const pairs = m.pods.length * (m.pods.length - 1);
  const reached = m.ok.flatMap((row, i) => row.filter((v, j) => i !== j && v)).length;
  lines.push(`${m.title}: ${reached}/${pairs} pairs reachable`);
  return lines.join('\n');
}
