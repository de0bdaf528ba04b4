/**
 * `npm run demo`: a reef cluster in network namespaces on this machine,
 * narrated step by step. src/demo/README.md shows the picture; in short:
 *
 *   fabric ns: bridge br0 (the L2 segment, 10.0.0.1/24), BIRD as the ToR
 *              (AS 65000, eBGP to every node), etcd on 10.0.0.1:2379
 *   nodeN ns:  eth0 on the bridge (10.0.0.1N), reef-node or reef-bgp
 *              (AS 64512, full mesh + the ToR), pods wired by reef-cni
 *   pod ns:    eth0 with a /32 from 10.244.0.0/16, default via 169.254.1.1
 *
 * Every address lives only inside these namespaces; they, the processes and
 * the temporary directories are removed at the end, on Ctrl-C and on errors.
 *
 *   node src/demo/fabric.ts [--nodes N] [--pods-per-node M] [--keep]
 *                           [--agent auto|reef-node|reef-bgp] [--ns-prefix P]
 */
import { parseArgs } from 'node:util';
import { Bird } from '../../test/harness/daemons/bird.ts';
import { BIN, FabricEtcd } from './control-plane.ts';
import { DemoNet } from './namespaces.ts';
import { pickAgent, ReefBgpAgent, ReefNodeAgent, type DemoNode, type Fabric, type NodeAgent } from './node-agents.ts';
import { addPod, canConnect, canPing, DB_PORT, deletePod, probeMatrix, renderMatrix, type DemoPod } from './pods.ts';
import { say, step } from './narrate.ts';
import { applyPolicy, clusterResources, showAll, waitFor } from './steps.ts';

const TOR_IP = '10.0.0.1';
const TOR_AS = 65000;
const CLUSTER_AS = 64512;

interface Options {
  nodes: number;
  podsPerNode: number;
  keep: boolean;
  agent: 'auto' | 'reef-node' | 'reef-bgp';
  prefix: string;
}

function options(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      nodes: { type: 'string', default: '3' },
      'pods-per-node': { type: 'string', default: '2' },
      keep: { type: 'boolean', default: false },
      agent: { type: 'string', default: 'auto' },
      'ns-prefix': { type: 'string', default: '' },
    },
  });
  const nodes = Number(values.nodes);
  const podsPerNode = Number(values['pods-per-node']);
  if (!Number.isInteger(nodes) || nodes < 1 || nodes > 9) throw new Error(`--nodes ${values.nodes}: a number from 1 to 9`);
  if (!Number.isInteger(podsPerNode) || podsPerNode < 1 || podsPerNode > 8) throw new Error(`--pods-per-node ${values['pods-per-node']}: a number from 1 to 8`);
  const agent = values.agent as Options['agent'];
  if (!['auto', 'reef-node', 'reef-bgp'].includes(agent)) throw new Error(`--agent ${agent}: auto, reef-node or reef-bgp`);
  if (!/^[a-z0-9-]{0,12}$/.test(values['ns-prefix'])) throw new Error('--ns-prefix: at most 12 of a-z, 0-9, -');
  return { nodes, podsPerNode, keep: values.keep, agent, prefix: values['ns-prefix'] };
}

async function run(opts: Options, net: DemoNet, live: { agents: NodeAgent[]; bird?: Bird; etcd?: FabricEtcd; pods: DemoPod[] }): Promise<boolean> {
  const agentKind = pickAgent(opts.agent);
  const nodeNames = Array.from({ length: opts.nodes }, (_, i) => `node${i + 1}`);
  const stale = net.sweepStale();
  if (stale.length > 0) say(`removed what a killed earlier demo left: ${stale.join(', ')}`);
  net.checkFree(['fabric', ...nodeNames]);

  step(`The fabric: namespace ${net.name('fabric')} with bridge br0 (${TOR_IP}/24), the L2 segment every node sits on`);
  const fabricNs = await net.create('fabric');
  const ex = (ns: string, argv: string[]): Promise<unknown> => net.scope.exec(ns, argv);
  await ex(fabricNs, ['ip', 'link', 'add', 'br0', 'type', 'bridge']);
  await ex(fabricNs, ['ip', 'addr', 'add', `${TOR_IP}/24`, 'dev', 'br0']);
  await ex(fabricNs, ['ip', 'link', 'set', 'br0', 'up']);
  await ex(fabricNs, ['sysctl', '-qw', 'net.ipv4.conf.br0.forwarding=1']);

  step(`A temporary etcd in ${fabricNs}, serving ${TOR_IP}:2379 to the nodes`);
  const etcd = new FabricEtcd(net, fabricNs, TOR_IP);
  live.etcd = etcd;
  await etcd.start();
  say('etcd is healthy');

  step(`${opts.nodes} node namespaces, each with eth0 on the bridge`);
  const nodes: DemoNode[] = [];
  for (const [i, name] of nodeNames.entries()) {
    const ns = await net.create(name);
    const ip = `10.0.0.${11 + i}`;
    await ex(fabricNs, ['ip', 'link', 'add', `p${name}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
    await ex(fabricNs, ['ip', 'link', 'set', `p${name}`, 'master', 'br0', 'up']);
    await ex(ns, ['ip', 'addr', 'add', `${ip}/24`, 'dev', 'eth0']);
    await ex(ns, ['ip', 'link', 'set', 'eth0', 'up']);
    await ex(ns, ['ip', 'route', 'add', 'default', 'via', TOR_IP]);
    // Per interface, not the global switch: pods' traffic comes in on their veths and back in on eth0.
    await ex(ns, ['sysctl', '-qw', 'net.ipv4.conf.eth0.forwarding=1']);
    nodes.push({ name, ns, ip });
    say(`${ns}: eth0 ${ip}/24, default via ${TOR_IP}`);
  }
  const fabric: Fabric = { nodes, prefixLen: 24, torIp: TOR_IP, torAs: TOR_AS, clusterAs: CLUSTER_AS, etcdEndpoint: etcd.endpoint };

  step('reefctl apply: the IPPool, the BGP configuration and the ToR as a BGPPeer');
  const docs = clusterResources({ torIp: TOR_IP, torAs: TOR_AS, clusterAs: CLUSTER_AS, nodes: agentKind === 'reef-bgp' ? nodes : [] });
  console.log(docs.replace(/^/gm, '      | '));
  console.log((await etcd.reefctl(['apply', '-f', '-'], docs)).replace(/^/gm, '    '));

  step(`BIRD 2 as the top-of-rack router in ${fabricNs}: AS ${TOR_AS}, eBGP to every node`);
  const bird = new Bird(net.scope, fabricNs);
  live.bird = bird;
  await bird.start({ routerId: TOR_IP, asn: TOR_AS, kernel: true, neighbors: nodes.map((n) => ({ ip: n.ip, asn: CLUSTER_AS })) });
  say('BIRD is up');

  step(agentKind === 'reef-node' ? 'reef-node on every node (BGP speaker, policy agent, IPAM housekeeping)' : 'reef-bgp on every node (reef-node is not available: BGP only, configs written by the demo)');
  for (const n of nodes) {
    const a = agentKind === 'reef-node' ? new ReefNodeAgent(net, n, fabric) : new ReefBgpAgent(net, n, fabric);
    live.agents.push(a);
    await a.start();
    say(`${a.kind} running in ${n.ns}`);
  }

  step('Waiting for every BGP session: the node mesh and each node with the ToR');
  await waitFor('every BGP session Established', 40_000, async () => {
    for (let i = 1; i <= nodes.length; i++) if ((await bird.state(i)) !== 'Established') return false;
    for (const a of live.agents) {
      const peers = (await a.status()).peers;
      if (peers.length < nodes.length || !peers.every((p) => p.state.toLowerCase() === 'established')) return false;
    }
    return true;
  }, () => live.agents.map((a) => `${a.node.name}:\n${a.logTail()}`).join('\n'));
  say(`${nodes.length * (nodes.length - 1) / 2} mesh sessions and ${nodes.length} ToR sessions Established`);

  step(`${opts.podsPerNode} pods per node through reef-cni (labels app=web / app=db)`);
  for (const [i, n] of nodes.entries()) {
    for (let k = 0; k < opts.podsPerNode; k++) {
      // Alternating over the whole cluster, so even one pod per node gives both kinds.
      const idx = i * opts.podsPerNode + k;
      const app = idx % 2 === 0 ? 'web' : 'db';
      const name = `${app}-${idx + 1}`;
      const pod = await addPod(net, n, name, { app }, etcd.endpoint);
      live.pods.push(pod);
      say(`${pod.ns}: ${pod.ip}/32 on ${n.name}  (app=${app})`);
    }
  }
  const blocks = new Map<string, string[]>();
  for (const a of live.agents) {
    const b = await etcd.blocksOf(a.node.name);
    blocks.set(a.node.name, b);
    a.setBlocks(b);
  }

  step("Waiting until every node's kernel has a route to every other node's blocks (proto 85 = reef's BGP)");
  await waitFor('every block route in every kernel', 40_000, async () => {
    for (const n of nodes) {
      const r = (await net.scope.exec(n.ns, ['ip', 'route', 'show', 'proto', '85'])) as { stdout: string };
      for (const [owner, bs] of blocks) if (owner !== n.name && bs.some((b) => !r.stdout.includes(b))) return false;
    }
    return true;
  }, () => live.agents.map((a) => `${a.node.name}:\n${a.logTail()}`).join('\n'));
  say([...blocks].map(([n, b]) => `${n}: ${b.join(', ')}`).join('; '));

  await showAll(net, etcd, bird, live.agents, nodes[0]!);

  step('Ping from every pod to every other pod, and TCP to port 5432');
  const pods = live.pods;
  const ping = await probeMatrix('ping', pods, (a, b) => canPing(net, a, b));
  console.log(renderMatrix(ping).replace(/^/gm, '    '));
  const tcp = await probeMatrix(`tcp/${DB_PORT}`, pods, (a, b) => canConnect(net, a, b, DB_PORT));
  console.log(renderMatrix(tcp).replace(/^/gm, '    '));
  let ok = ping.ok.every((row) => row.every(Boolean));

  if (live.agents.every((a) => a.policy)) {
    ok = (await applyPolicy(net, etcd, pods)) && ok;
  } else {
    step('Policy: skipped. The policy agent runs inside reef-node, and this run uses reef-bgp');
  }

  if (opts.keep) {
    step('Leaving it running (--keep). Look around from another shell, then Ctrl-C here to tear it all down:');
    say(`ip netns list | grep -E '${net.name('fabric')}|${net.name('node')}'`);
    say(`ip -n ${nodes[0]!.ns} route show proto 85`);
    say(`birdc -s ${bird.socket} show route`);
    say(`ip netns exec ${fabricNs} env ETCD_ENDPOINTS=127.0.0.1:2379 ${BIN('reefctl')} get workloadendpoints -A -o wide`);
    say(`ip netns exec ${pods[0]!.ns} ping ${pods[pods.length - 1]!.ip}`);
    await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
    // The exit hooks have already stopped the processes and removed the namespaces on this SIGINT.
    return ok;
  }

  step('Deleting the pods through reef-cni DEL (endpoints removed, addresses released)');
  await Promise.all(live.pods.map((p) => deletePod(net, p, etcd.endpoint)));
  console.log((await etcd.reefctl(['ipam', 'show'])).replace(/^/gm, '    '));
  return ok;
}

async function teardown(net: DemoNet, live: { agents: NodeAgent[]; bird?: Bird; etcd?: FabricEtcd }): Promise<void> {
  await Promise.all(live.agents.map((a) => a.stop().catch(() => undefined)));
  await live.bird?.stop().catch(() => undefined);
  await net.teardown();
}

async function main(): Promise<number> {
  let opts: Options;
  try {
    opts = options(process.argv.slice(2));
  } catch (err) {
    console.error(`demo: ${(err as Error).message}`);
    return 2;
  }
  if (process.getuid?.() !== 0) {
    console.error('demo: needs root (it creates network namespaces); run it as root after `bash .ci/setup`');
    return 2;
  }
  const net = new DemoNet(opts.prefix);
  const live: { agents: NodeAgent[]; bird?: Bird; etcd?: FabricEtcd; pods: DemoPod[] } = { agents: [], pods: [] };
  let tearing: Promise<void> | undefined;
  const down = (): Promise<void> => (tearing ??= teardown(net, live));
  const onSignal = (sig: string): void => {
    if (opts.keep && !tearing) return; // --keep: SIGINT ends the wait inside run(), which tears down in order.
    console.log(`\n${sig}: tearing down`);
    void down().finally(() => process.exit(130));
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  const started = Date.now();
  try {
    const ok = await run(opts, net, live);
    step('Tearing down: reef agents, BIRD, etcd, every namespace and temporary directory');
    await down();
    say(`done in ${((Date.now() - started) / 1000).toFixed(1)} s; nothing left behind`);
    console.log(ok ? '\nDEMO OK' : '\nDEMO FAILED: some pods could not reach each other');
    return ok ? 0 : 1;
  } catch (err) {
    console.error(`\ndemo failed: ${(err as Error).message}`);
    await down();
    return 1;
  }
}

process.exitCode = await main();
// etcd/gRPC handles must not keep the demo alive once it has answered.
setTimeout(() => process.exit(), 100).unref();
