/**
 * `reefctl ipam show|check|release|configure`, shaped like calicoctl's:
 *
 *   ipam show [--show-blocks] [--ip ADDR] [--show-configuration] [-o json|yaml]
 *   ipam check [--show-all-ips]        exit 1 when any problem is found (findings do not count)
 *   ipam release --ip ADDR... | --handle ID
 *   ipam configure [--strictaffinity=true|false] [--max-blocks-per-host N] [--auto-allocate-blocks=true|false]
 */
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { checkIpam } from '../../../ipam/check.ts';
import { getIpamConfig, setIpamConfig, type IpamConfig } from '../../../ipam/config.ts';
import { IpamAllocator } from '../../../ipam/allocator.ts';
import { describeRelease } from '../../../ipam/release.ts';
import { renderShow, showIpam } from '../../../ipam/show.ts';
import { loadSnapshot } from '../../../ipam/snapshot.ts';
import { collect, type CommandModule, type Services } from '../command.ts';
import { CliError, EXIT } from '../errors.ts';
import { inUsePredicate, parseBool, withIpam } from './ipam-support.ts';

/** A claim that has been pending this long is a crashed one (as GC judges it). */
const PENDING_GRACE_MS = 60_000;

export const ipamCommands: CommandModule = {
  register(program: Command, services: Services): void {
    const ipam = program.command('ipam').description('IP address management: show use, check for leaks, release addresses, configure');

    ipam
      .command('show')
      .description('pool and block use, who holds an address, the IPAM configuration')
      .option('--show-blocks', 'list every block with its affinity and use')
      .option('--ip <addr>', 'say whether ADDR is allocated, and to whom')
      .option('--show-configuration', 'print strictAffinity, maxBlocksPerHost, autoAllocateBlocks')
      .option('-o, --output <format>', 'text (default), json or yaml')
      .action((flags: { showBlocks?: boolean; ip?: string; showConfiguration?: boolean; output?: string }, cmd: Command) =>
        services.run(cmd, async (ctx) => {
          const fmt = flags.output ?? 'text';
          if (!['text', 'json', 'yaml'].includes(fmt)) throw new CliError(`unknown output format "${fmt}": use text, json or yaml`, EXIT.usage);
          const shown = await withIpam(ctx, async (s) =>
            showIpam(s.store, await s.pools(), {
              ...(flags.showBlocks ? { showBlocks: true } : {}),
              ...(flags.ip !== undefined ? { ip: flags.ip } : {}),
              ...(flags.showConfiguration ? { showConfiguration: true } : {}),
              reservations: await s.reservations(),
              signal: s.signal,
            }),
          );
          ctx.out(fmt === 'json' ? JSON.stringify(shown, null, 2) : fmt === 'yaml' ? stringify(shown) : renderShow(shown));
        }),
      );

    ipam
      .command('check')
      .description('report leaked handles, duplicate addresses and affinity mismatches; exit 1 when there are any')
      .option('--show-all-ips', 'also list every allocated address with its handle')
      .action((flags: { showAllIps?: boolean }, cmd: Command) =>
        services.run(cmd, async (ctx) => {
          const store = await ctx.store();
          const endpoints = (await store.list('WorkloadEndpoint')).items;
          const { report, ips } = await withIpam(ctx, async (s) => {
            const snap = await loadSnapshot(s.store, s.signal);
            const isInUse = inUsePredicate(endpoints, snap);
            const reservations = await s.reservations();
            const report = await checkIpam(s.store, { now: Date.now(), pendingGraceMs: PENDING_GRACE_MS, isInUse, reservations, signal: s.signal });
            const ips = flags.showAllIps ? snap.blocks.flatMap((b) => [...b.block.allocations()]) : [];
            return { report, ips };
          });
          for (const a of ips) {
            const where = a.attrs.pod ? ` ${a.attrs.namespace ?? '-'}/${a.attrs.pod}` : '';
            ctx.out(`${a.address} handle ${a.attrs.handle} node ${a.attrs.node ?? '-'}${where}`);
          }
          for (const p of report.problems) ctx.out(`${p.kind}: ${p.message}`);
          for (const f of report.findings) ctx.out(`finding (${f.kind}): ${f.message}`);
          const n = report.problems.length;
          ctx.out(
            `checked ${report.blocks} blocks, ${report.allocations} allocations, ${report.handles} handles, ${report.affinities} affinities: ` +
              (n === 0 ? 'no problems found' : `${n} problem${n === 1 ? '' : 's'} found`),
          );
          if (report.leakedHandles.length > 0) ctx.out(`release leaked handles with: reefctl ipam release --handle ID (${report.leakedHandles.join(', ')})`);
          return n === 0 ? EXIT.ok : EXIT.failed;
        }),
      );

    ipam
      .command('release')
      .description('release addresses by address (--ip, repeatable) or everything one handle holds (--handle)')
      .option('--ip <addr>', 'an address to release (repeatable)', collect)
      .option('--handle <id>', 'release every address of this handle, and its record')
      .action((flags: { ip?: string[]; handle?: string }, cmd: Command) =>
        services.run(cmd, async (ctx) => {
          if ((flags.ip === undefined) === (flags.handle === undefined)) throw new CliError('give exactly one of --ip ADDR or --handle ID', EXIT.usage);
          const lines = await withIpam(ctx, async (s) => {
            const allocator = new IpamAllocator({ store: s.store, pools: s.pools });
            if (flags.handle !== undefined) {
              // Scanning the blocks also frees what a handle holds without a record (a leak check reports those).
              const r = await allocator.releaseByHandle(flags.handle, { signal: s.signal, scanBlocks: true });
              return r.released.length === 0 ? [`handle ${flags.handle} holds no address; nothing to release`] : describeRelease(r);
            }
            return describeRelease(await allocator.releaseIPs(flags.ip!, s.signal));
          });
          ctx.out(lines.join('\n'));
        }),
      );

    ipam
      .command('configure')
      .description('change the cluster-wide IPAM settings; prints the result')
      .option('--strictaffinity <bool>', 'true: a node allocates only from its own blocks, never borrows')
      .option('--max-blocks-per-host <n>', 'most blocks one node may hold (0: no limit)')
      .option('--auto-allocate-blocks <bool>', 'false: nodes never claim new blocks')
      .action((flags: { strictaffinity?: string; maxBlocksPerHost?: string; autoAllocateBlocks?: string }, cmd: Command) =>
        services.run(cmd, async (ctx) => {
          const patch: Partial<IpamConfig> = {};
          const strict = parseBool('--strictaffinity', flags.strictaffinity);
          const auto = parseBool('--auto-allocate-blocks', flags.autoAllocateBlocks);
          if (strict !== undefined) patch.strictAffinity = strict;
          if (auto !== undefined) patch.autoAllocateBlocks = auto;
          if (flags.maxBlocksPerHost !== undefined) {
            const n = Number(flags.maxBlocksPerHost);
            if (!/^\d+$/.test(flags.maxBlocksPerHost) || !Number.isSafeInteger(n)) {
              throw new CliError(`--max-blocks-per-host: "${flags.maxBlocksPerHost}" is not a whole number >= 0`, EXIT.usage);
            }
            patch.maxBlocksPerHost = n;
          }
          const cfg = await withIpam(ctx, (s) => (Object.keys(patch).length === 0 ? getIpamConfig(s.store, s.signal) : setIpamConfig(s.store, patch, s.signal)));
          ctx.out(Object.entries(cfg).map(([k, v]) => `${k}: ${String(v)}`).join('\n'));
        }),
      );
  },
};
