/**
 * reef-cni's request: reef-ipam's PluginRequest (the same `ipam` section and
 * CNI_* checks, config.ts) plus what the main plugin adds: the workload's
 * identity and labels, the interface names, the MTU and the host namespace.
 *
 * Labels, merged in this order (later wins):
 *   1. network config `args.cni.labels`: the CNI conventions' list form
 *      `[{"key": "app", "value": "web"}]`, or a plain map `{"app": "web"}`
 *   2. network config `args.labels`: a map
 *   3. CNI_ARGS `REEF_LABELS=app=web,tier=db` (commas between pairs)
 * A runtime with a Kubernetes API would read the pod's labels there; reef has
 * no Kubernetes backend yet, so these are the ways in.
 */
import { createHash } from 'node:crypto';
import { parseCniArgs, parseRequest, type CniCommand, type PluginRequest } from './config.ts';
import { CNI_CODES, CniError } from './spec.ts';

type Env = Readonly<Record<string, string | undefined>>;
type Obj = Record<string, unknown>;

export interface CniRequest extends PluginRequest {
  /** `k8s` when the runtime names a pod (K8S_POD_NAME), `cni` otherwise. */
  orchestrator: 'k8s' | 'cni';
  /** The pod name, or the container ID when there is no pod. */
  workload: string;
  workloadNamespace: string;
  labels: Record<string, string>;
  hostIf: string;
  mtu: number;
  /**
   * Tests and the demo only: a named namespace playing the host, so the
   * plugin runs beside a loopback etcd and still sets up the host side in
   * the node's namespace. Unset on a real node.
   */
  hostNetns: string | undefined;
  endpointName: string;
}

const bad = (field: string, why: string): CniError => new CniError(CNI_CODES.invalidNetworkConfig, `invalid network configuration: ${field}`, why);

export function parseCniRequest(command: Exclude<CniCommand, 'VERSION'>, conf: Obj, env: Env): CniRequest {
  const ipam = conf.ipam as Obj | undefined;
  if (ipam && typeof ipam === 'object' && ipam.type !== undefined && ipam.type !== 'reef-ipam') {
    throw bad('ipam.type', `${JSON.stringify(ipam.type)}: reef-cni allocates through reef's IPAM in-process; use "reef-ipam"`);
  }
  // A routed veth carries single addresses: the bridge-style block prefix and gateway make no sense here.
  const base: PluginRequest = { ...parseRequest(command, conf, env), subnet: 'host' };
  const args = parseCniArgs(env.CNI_ARGS);
  const pod = base.pod;
  const workloadNamespace = base.namespace ?? 'default';
  const workload = pod ?? base.containerId;
  const orchestrator = pod !== undefined ? 'k8s' : 'cni';
  return {
    ...base,
    orchestrator,
    workload,
    workloadNamespace,
    labels: { ...labelsFromConfig(conf.args), ...labelsFromArg(args.get('REEF_LABELS')) },
    hostIf: hostInterfaceName(base.node, workloadNamespace, workload),
    mtu: parseMtu(conf.mtu),
    hostNetns: env.REEF_HOST_NETNS || undefined,
    endpointName: endpointName(base.node, orchestrator, workload, base.ifName),
  };
}

/**
 * `reef` + 11 hex characters of sha1("node/namespace/pod"), as felix and its
 * test topology expect: stable for a pod, so a retried ADD finds its own veth.
 */
export function hostInterfaceName(node: string, namespace: string, workload: string): string {
  return `reef${createHash('sha1').update(`${node}/${namespace}/${workload}`).digest('hex').slice(0, 11)}`;
}

/** Calico's form `<node>-k8s-<pod>-<iface>`, each part's '-' doubled so the parts stay apart. */
export function endpointName(node: string, orchestrator: string, workload: string, ifName: string): string {
  const esc = (s: string): string => s.toLowerCase().replace(/[^a-z0-9.-]/g, '-').replaceAll('-', '--');
  return [node, orchestrator, workload, ifName].map(esc).join('-');
}

function parseMtu(v: unknown): number {
  if (v === undefined) return 1500;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 576 || v > 65535) throw bad('mtu', `${JSON.stringify(v)} is not an MTU (an integer 576-65535)`);
  return v;
}

function labelsFromConfig(args: unknown): Record<string, string> {
  if (args === undefined) return {};
  if (typeof args !== 'object' || args === null || Array.isArray(args)) throw bad('args', 'must be an object');
  const a = args as Obj;
  const cni = a.cni as Obj | undefined;
  return { ...labelMap('args.cni.labels', cni?.labels), ...labelMap('args.labels', a.labels) };
}

function labelMap(where: string, v: unknown): Record<string, string> {
  if (v === undefined) return {};
  const out: Record<string, string> = {};
  if (Array.isArray(v)) {
    v.forEach((e: unknown, i) => {
      const kv = (typeof e === 'object' && e !== null ? e : {}) as Obj;
      if (typeof kv.key !== 'string' || typeof kv.value !== 'string') throw bad(`${where}[${i}]`, 'must be {"key": string, "value": string}');
      out[checkKey(`${where}[${i}].key`, kv.key)] = kv.value;
    });
    return out;
  }
  if (typeof v !== 'object' || v === null) throw bad(where, 'must be a map of label to value or a list of {key, value}');
  for (const [k, val] of Object.entries(v as Obj)) {
    if (typeof val !== 'string') throw bad(`${where}.${k}`, `must be a string, not ${JSON.stringify(val)}`);
    out[checkKey(`${where}.${k}`, k)] = val;
  }
  return out;
}

function labelsFromArg(v: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of (v ?? '').split(',')) {
    if (pair === '') continue;
    const i = pair.indexOf('=');
    if (i <= 0) throw new CniError(CNI_CODES.invalidEnvironment, `CNI_ARGS REEF_LABELS: "${pair}" is not KEY=VALUE`);
    out[pair.slice(0, i)] = pair.slice(i + 1);
  }
  return out;
}

function checkKey(where: string, key: string): string {
  const name = key.includes('/') ? key.slice(key.lastIndexOf('/') + 1) : key;
  if (!/^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(name) || name.length > 63) throw bad(where, `${JSON.stringify(key)} is not a label key`);
  return key;
}
