/**
 * felix at cluster scale: 1,000 endpoints (100 of them on this node, each with
 * a real veth) and 500 policies of mixed kinds, in a fresh network namespace.
 *
 *   1. initial sync: from feeding the agent to every rule, ipset and route in
 *      the kernel, next to a raw `ipset restore` + `iptables-restore` + `ip
 *      -batch` (and the same veth `sysctl -w`) of the very same final state
 *      (dumped from the kernel, then removed with uninstall) in the same
 *      namespace, each command as early as its dependencies allow, as the
 *      agent runs them — the ratio (target <= 1.5);
 *   2. one pod's label change: time until it is in the kernel (target < 50 ms),
 *      and how much was written (chains, ipset members).
 *
 *   node bench/felix/sync.ts [--endpoints=1000] [--policies=500] [--local=100] [--families=4] [--runs=3] [--changes=20] [--trace]
 * (root). Namespaces are made by the test harness's NetnsScope and always removed.
 *
 * Each measurement (the agent's and the raw one) starts from a collected
 * heap, as a freshly started agent's does: the garbage the bench itself makes
 * between runs (earlier runs, label changes, kernel dumps) is not collected
 * on the time being measured.
 */
import { NetnsScope } from '../../test/harness/netns.ts';
import { generate, ifaceFor } from './workload.ts';

process.env.REEF_LOG_LEVEL ??= 'warn';
const { setFlagsFromString } = await import('node:v8');
const { runInNewContext } = await import('node:vm');
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
/** A full collection, then a pause for V8's concurrent sweeping to end before the clock starts. */
async function collected(): Promise<void> {
  gc();
  await new Promise((r) => setTimeout(r, 50));
}
const { PolicyAgent } = await import('../../felix/agent.ts');
const { netnsRunner } = await import('../../felix/dataplane/command-runner.ts');

function arg(name: string, dflt: string): string {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return hit ? hit.slice(name.length + 3) : dflt;
}

const ENDPOINTS = Number(arg('endpoints', '1000'));
const POLICIES = Number(arg('policies', '500'));
const LOCAL = Number(arg('local', '100'));
const RUNS = Number(arg('runs', '3'));
const CHANGES = Number(arg('changes', '20'));
const FAMILIES = arg('families', '4').split(',').map(Number) as (4 | 6)[];
const NODE = 'bench-node';
const TRACE = process.argv.includes('--trace');
/** --trace: command times are printed relative to this (set when the feeding ends). */
let traceT0 = 0;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;

interface RunResult {
  feedMs: number;
  foldMs: number;
  syncMs: number;
  rawMs: number;
  chains: number;
  rules: number;
  ipsets: number;
  members: number;
  changeMs: number[];
  changeChains: number[];
  changeMembers: number[];
}

async function runOnce(): Promise<RunResult> {
  const scope = new NetnsScope();
  try {
    const ns = await scope.createNamespace();
    const links: string[] = [];
    for (let i = 0; i < LOCAL; i++) links.push(`link add ${ifaceFor(i)} type veth peer name p${ifaceFor(i).slice(4)}`, `link set ${ifaceFor(i)} up`, `link set p${ifaceFor(i).slice(4)} up`);
    await scope.exec(ns, ['ip', '-batch', '-'], { input: `${links.join('\n')}\n` });
    const inner = netnsRunner(ns);
    const runner = TRACE
      ? {
          async run(argv: readonly string[], input?: string) {
            const t = performance.now();
            const res = await inner.run(argv, input);
            console.log(`    ${(performance.now() - t).toFixed(1).padStart(6)} ms  [${(t - traceT0).toFixed(1)} -> ${(performance.now() - traceT0).toFixed(1)}]  ${argv.slice(0, 4).join(' ')} (${input?.length ?? 0} bytes in)`);
            return res;
          },
          spawn(argv: readonly string[]) {
            // A spare: timed from the end of its input (its start-up is not on any apply's path).
            const proc = inner.spawn!(argv);
            let bytes = 0;
            return {
              argv,
              get exited() {
                return proc.exited;
              },
              write(chunk: string) {
                bytes += chunk.length;
                proc.write(chunk);
              },
              async end(last = '') {
                const t = performance.now();
                const res = await proc.end(last);
                bytes += last.length;
                if (bytes > 0) console.log(`    ${(performance.now() - t).toFixed(1).padStart(6)} ms  [${(t - traceT0).toFixed(1)} -> ${(performance.now() - traceT0).toFixed(1)}]  ${argv.slice(0, 4).join(' ')} (spare; ${bytes} bytes in)`);
                return res;
              },
              kill: () => proc.kill(),
            };
          },
        }
      : inner;
    const w = generate({ endpoints: ENDPOINTS, policies: POLICIES, local: LOCAL, node: NODE });
    const agent = new PolicyAgent({ nodeName: NODE, runner, families: FAMILIES, recheckIntervalMs: 0 });
    await agent.start();
    await collected();

    const t0 = performance.now();
    for (const n of w.namespaces) agent.upsertNamespace(n);
    for (const e of w.endpoints) agent.upsertEndpoint(e);
    for (const p of w.policies) agent.upsertPolicy(p);
    agent.upsertPool({ name: 'default', cidr: '10.64.0.0/10', natOutgoing: true });
    const t1 = performance.now();
    traceT0 = t1;
    if (TRACE) console.log(`    feeding took ${(t1 - t0).toFixed(1)} ms; times below from its end`);
    agent.synced();
    await agent.flush();
    const t2 = performance.now();
    if (TRACE) console.log(`    initial sync done at ${(t2 - t1).toFixed(1)}`);
    const st = agent.status();
    if (st.failures > 0 || st.invalidPolicies.length > 0) throw new Error(`agent failed: ${st.lastError ?? st.invalidPolicies.join(', ')}`);

    // One local pod flips between two tiers: it leaves some selector sets and joins others.
    const changeMs: number[] = [];
    const changeChains: number[] = [];
    const changeMembers: number[] = [];
    const pod = w.endpoints[7]!;
    for (let i = 0; i < CHANGES; i++) {
      const tier = i % 2 === 0 ? (pod.labels.tier === 'db' ? 'cache' : 'db') : pod.labels.tier!;
      const s = performance.now();
      agent.upsertEndpoint({ ...pod, labels: { ...pod.labels, tier } });
      await agent.flush();
      changeMs.push(performance.now() - s);
      // Conntrack flushes run after the rules; let them finish so the next change is measured alone.
      await agent.settled();
      const last = agent.status().lastApply!;
      changeChains.push(last.stats.tables.chainsWritten);
      changeMembers.push(last.stats.ipsets.membersAdded + last.stats.ipsets.membersRemoved);
    }
    agent.upsertEndpoint(pod);
    await agent.flush();

    // The same final state, dumped from the kernel, for the raw reference.
    const dumps: { cmd: string; text: string }[] = [];
    let rules = 0;
    for (const f of FAMILIES) {
      for (const table of ['filter', 'nat']) {
        const save = (await scope.exec(ns, [f === 4 ? 'iptables-save' : 'ip6tables-save', '-t', table])).stdout;
        const keep = save.split('\n').filter((l) => /^:reef-/.test(l) || /^-A reef-/.test(l) || (l.startsWith('-A ') && l.includes('reef:')));
        rules += keep.filter((l) => l.startsWith('-A')).length;
        dumps.push({ cmd: f === 4 ? 'iptables-restore' : 'ip6tables-restore', text: `*${table}\n${keep.join('\n')}\nCOMMIT\n` });
      }
    }
    const sets = (await scope.exec(ns, ['ipset', 'save'])).stdout.split('\n').filter((l) => / reef-/.test(l));
    const routes = (await scope.exec(ns, ['ip', '-o', 'route', 'show', 'proto', '86'])).stdout.trim().split('\n').filter(Boolean).map((l) => `route replace ${l.trim()}`);
    await agent.uninstall();

    // The veth settings the agent writes with its routes (proxy ARP, no proxy delay, forwarding), part of the same state.
    const sysctls = w.endpoints
      .filter((e) => e.node === NODE)
      .flatMap((e) => {
        const i = e.interfaceName;
        const keys = [`net.ipv4.conf.${i}.proxy_arp=1`, `net.ipv4.neigh.${i}.proxy_delay=0`, `net.ipv4.conf.${i}.forwarding=1`];
        return e.ips.some((ip) => ip.includes(':')) ? [...keys, `net.ipv6.conf.${i}.forwarding=1`] : keys;
      });

    // The same processes as the agent, each as early as its dependencies allow: sets, then both
    // tables (rules reference sets); meanwhile the veth sysctls, then the routes.
    await collected();
    const r0 = performance.now();
    if (TRACE) console.log('    raw:');
    // --trace: each raw command's span, relative to r0.
    const exec = async (argv: string[], opts?: { input: string }) => {
      const t = performance.now();
      const res = await scope.exec(ns, argv, opts);
      if (TRACE) console.log(`    ${(performance.now() - t).toFixed(1).padStart(6)} ms  [${(t - r0).toFixed(1)} -> ${(performance.now() - r0).toFixed(1)}]  ${argv.slice(0, 3).join(' ')} (${opts?.input.length ?? 0} bytes in)`);
      return res;
    };
    await Promise.all([
      (async () => {
        await exec(['ipset', 'restore'], { input: `${sets.join('\n')}\n` });
        await Promise.all(dumps.map((d) => exec([d.cmd, '--noflush'], { input: d.text })));
      })(),
      (async () => {
        await exec(['sysctl', '-q', '-w', ...sysctls]);
        await exec(['ip', '-batch', '-'], { input: `${routes.join('\n')}\n` });
      })(),
    ]);
    const r1 = performance.now();
    return {
      feedMs: t1 - t0,
      foldMs: st.lastApply!.foldMs,
      syncMs: t2 - t0,
      rawMs: r1 - r0,
      chains: st.chains,
      rules,
      ipsets: st.ipsets,
      members: sets.filter((l) => l.startsWith('add ')).length,
      changeMs,
      changeChains,
      changeMembers,
    };
  } finally {
    await scope.cleanup();
  }
}

const results: RunResult[] = [];
for (let i = 0; i < RUNS; i++) {
  results.push(await runOnce());
  // The kernel tears a deleted namespace down in the background; let it finish before the next run.
  await new Promise((r) => setTimeout(r, 1500));
}
const sync = median(results.map((r) => r.syncMs));
const raw = median(results.map((r) => r.rawMs));
const changes = results.flatMap((r) => r.changeMs);
const r0 = results[0]!;
console.log(`felix sync bench: ${ENDPOINTS} endpoints (${LOCAL} local), ${POLICIES} policies, IPv${FAMILIES.join('+IPv')}, ${RUNS} run(s), medians`);
console.log(`  kernel state:           ${r0.chains} chains, ${r0.rules} rules, ${r0.ipsets} ipsets with ${r0.members} members, ${LOCAL} routes`);
console.log(`  agent initial sync:     ${sync.toFixed(1)} ms   (calc while feeding ${median(results.map((r) => r.feedMs)).toFixed(1)} ms, fold ${median(results.map((r) => r.foldMs)).toFixed(1)} ms, then rendering streamed into the kernel writes)`);
console.log(`  agent, first (cold) run: ${r0.syncMs.toFixed(1)} ms   (calc while feeding ${r0.feedMs.toFixed(1)} ms)`);
console.log(`  raw restore, same state: ${raw.toFixed(1)} ms   (ipset restore -> iptables-restore per table, alongside sysctl -> ip -batch)`);
console.log(`  ratio agent/raw:        ${(sync / raw).toFixed(2)}x   (target <= 1.5x)`);
console.log(`  ratio per run:          ${median(results.map((r) => r.syncMs / r.rawMs)).toFixed(2)}x median of ${results.map((r) => (r.syncMs / r.rawMs).toFixed(2)).join(', ')}   (each run: agent and raw measured back to back)`);
const writes = median(results.map((r) => r.syncMs - r.feedMs - r.foldMs));
console.log(`  ratio without the calc: ${(writes / raw).toFixed(2)}x   (agent kernel phase ${writes.toFixed(1)} ms: ipset, iptables with the rendering streamed into it, routes)`);
console.log(`  label change applied:   median ${median(changes).toFixed(1)} ms, p90 ${pct(changes, 0.9).toFixed(1)} ms, max ${Math.max(...changes).toFixed(1)} ms over ${changes.length}   (target < 50 ms; excludes the 5 ms coalescing window)`);
console.log(`  label change writes:    chains ${Math.max(...results.flatMap((r) => r.changeChains))} max, ipset members ${median(results.flatMap((r) => r.changeMembers))} median (of ${r0.members})`);
