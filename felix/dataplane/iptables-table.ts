/**
 * One iptables table of one family (after Calico felix's iptables.Table):
 * desired chains kept apart from what is installed, dirty chains compared by
 * their rule-hash lists, and every difference applied in one
 * `iptables-restore --noflush` transaction. Only chains whose hash list
 * differs are rewritten (`:CHAIN` flushes a chain in --noflush mode, then its
 * rules follow). Base chains (FORWARD, INPUT, OUTPUT, POSTROUTING) belong to
 * everyone: reef keeps only its jump rules at their top, removed verbatim by
 * their read-back line and inserted with `-I CHAIN 1`.
 */
import type { Logger } from '../../src/lib/log.ts';
import { ruleLine, sameHashes, type ChainSpec, type RuleSpec } from './chains.ts';
import { DataplaneCommandError, runChecked, type CommandRunner } from './command-runner.ts';
import { WarmCommands } from './warm-commands.ts';
import { parseIptablesSave, type InstalledTable } from './iptables-save.ts';

export interface IptablesTableOptions {
  readonly runner: CommandRunner;
  readonly family: 4 | 6;
  readonly table: 'filter' | 'nat';
  readonly log?: Logger;
  /** Where the restore command is taken from (a spare when the dataplane keeps one). */
  readonly warm?: WarmCommands;
}

export interface TableApplyStats {
  chainsWritten: number;
  rulesWritten: number;
  chainsDeleted: number;
  baseChainsFixed: number;
}

/** A table's restore input for its current changes (see IptablesTable.plan). */
export interface TablePlan {
  readonly version: number;
  /** undefined: nothing to write. */
  readonly input: string | undefined;
  readonly stats: TableApplyStats;
}

export function zeroTableStats(): TableApplyStats {
  return { chainsWritten: 0, rulesWritten: 0, chainsDeleted: 0, baseChainsFixed: 0 };
}

export class IptablesTable {
  readonly family: 4 | 6;
  readonly table: 'filter' | 'nat';
  private readonly runner: CommandRunner;
  private readonly log: Logger | undefined;
  private readonly warm: WarmCommands;
  /** `iptables-restore --noflush` of this family. */
  readonly restoreArgv: readonly string[];
  private readonly desired = new Map<string, ChainSpec>();
  private readonly baseJumps = new Map<string, readonly RuleSpec[]>();
  private readonly dirty = new Set<string>();
  private readonly dirtyBase = new Set<string>();
  /** undefined: not known (never read, or a restore failed); the next apply reads back first. */
  private installed: InstalledTable | undefined;
  /** Bumped by every change to desired or installed state: a plan made before a change is stale. */
  private version = 0;

  constructor(opts: IptablesTableOptions) {
    this.runner = opts.runner;
    this.family = opts.family;
    this.table = opts.table;
    this.log = opts.log;
    this.warm = opts.warm ?? new WarmCommands(opts.runner);
    this.restoreArgv = [this.family === 4 ? 'iptables-restore' : 'ip6tables-restore', '--noflush'];
  }

  get chainCount(): number {
    return this.desired.size;
  }

  hasChain(name: string): boolean {
    return this.desired.has(name);
  }

  setChain(spec: ChainSpec): void {
    this.desired.set(spec.name, spec);
    this.dirty.add(spec.name);
    this.version++;
  }

  removeChain(name: string): void {
    if (this.desired.delete(name)) this.dirty.add(name);
    this.version++;
  }

  /** The rules reef keeps, in this order, at the top of a base chain. */
  setBaseJumps(base: string, rules: readonly RuleSpec[]): void {
    this.baseJumps.set(base, rules);
    this.dirtyBase.add(base);
    this.version++;
  }

  /** Chains missing from the kernel are created from `specs`; chains already there (a previous run's) are left alone. */
  async ensureChains(specs: readonly ChainSpec[]): Promise<TableApplyStats> {
    const inst = await this.readBack();
    for (const s of specs) if (!inst.chains.has(s.name)) this.setChain(s);
    return this.apply();
  }

  /** Reads the kernel and marks every reef chain and base chain for comparison, so the next apply repairs drift. */
  /** `reread` false: trust the cached view (read at start, kept up to date by our own writes). */
  async markForResync(reread = true): Promise<void> {
    const inst = reread || !this.installed ? await this.readBack() : this.installed;
    this.version++;
    for (const name of inst.chains.keys()) this.dirty.add(name);
    for (const name of this.desired.keys()) this.dirty.add(name);
    for (const base of this.baseJumps.keys()) this.dirtyBase.add(base);
  }

  /**
   * Works out the restore input for the current changes without running it,
   * so a caller can prepare it while another command runs; apply(plan) uses
   * it unless something changed since. undefined: nothing known to plan from
   * (apply reads back first).
   */
  plan(): TablePlan | undefined {
    if (this.dirty.size === 0 && this.dirtyBase.size === 0) return { version: this.version, input: undefined, stats: zeroTableStats() };
    const inst = this.installed;
    if (!inst) return undefined;
    const stats = zeroTableStats();
    // Every declaration before any rule: a rule may jump to a chain declared later in the sort.
    let decls = '';
    let lines = '';
    const deleted: string[] = [];
    for (const name of [...this.dirty].sort()) {
      const want = this.desired.get(name);
      const have = inst.chains.get(name);
      if (want) {
        if (sameHashes(have, want.rules)) continue;
        decls += `:${name} - [0:0]\n`;
        for (const r of want.rules) lines += `${ruleLine('-A', name, r.text)}\n`;
        stats.chainsWritten++;
        stats.rulesWritten += want.rules.length;
      } else if (have) {
        deleted.push(name);
      }
    }
    for (const base of [...this.dirtyBase].sort()) {
      const fix = this.baseChainFix(base, this.baseJumps.get(base) ?? [], inst);
      if (fix.length === 0) continue;
      for (const l of fix) lines += `${l}\n`;
      stats.baseChainsFixed++;
    }
    // Flush every chain being deleted before any -X, so deleted chains may jump to each other.
    for (const name of deleted) lines += `-F ${name}\n`;
    for (const name of deleted) lines += `-X ${name}\n`;
    stats.chainsDeleted = deleted.length;
    const body = decls + lines;
    return { version: this.version, input: body.length > 0 ? `*${this.table}\n${body}COMMIT\n` : undefined, stats };
  }

  async apply(prepared?: TablePlan): Promise<TableApplyStats> {
    if (this.dirty.size === 0 && this.dirtyBase.size === 0) return zeroTableStats();
    if (!this.installed) await this.readBack();
    const plan = prepared?.version === this.version ? prepared : this.plan()!;
    if (plan.input !== undefined) await this.restoreInput(plan.input);
    return this.committed(plan);
  }

  /**
   * apply(prepared), with the restore process taken at once and fed its
   * input when `gate` resolves (the sets the rules reference must exist
   * first). If `gate` rejects, nothing is written and this rejects with the
   * same error.
   */
  async applyWhen(prepared: TablePlan | undefined, gate: Promise<unknown>): Promise<TableApplyStats> {
    if (prepared?.input === undefined || prepared.version !== this.version || !this.installed) {
      await gate;
      return this.apply(prepared);
    }
    const plan = prepared;
    const proc = this.warm.take(this.restoreArgv);
    try {
      await gate;
    } catch (err) {
      proc.kill();
      throw err;
    }
    // Nothing may change the table between plan and write; if something did, write nothing here and apply afresh.
    if (plan.version !== this.version) {
      proc.end().catch(() => {});
      return this.apply();
    }
    const res = await proc.end(plan.input);
    if (res.code !== 0) this.restoreFailed(plan.input!, new DataplaneCommandError(this.restoreArgv, res, plan.input));
    return this.committed(plan);
  }

  /** Records a plan's restore as done: the installed view follows the desired state. */
  private committed(plan: TablePlan): TableApplyStats {
    const inst = this.installed!;
    const stats = plan.stats;
    for (const name of this.dirty) {
      const want = this.desired.get(name);
      if (want) inst.chains.set(name, want.rules.map((r) => r.hash));
      else inst.chains.delete(name);
    }
    for (const base of this.dirtyBase) {
      const jumps = this.baseJumps.get(base) ?? [];
      const rest = (r: RuleSpec) => ruleLine('-A', base, r.text).slice(base.length + 4);
      inst.baseRules.set(base, jumps.map((r, index) => ({ index, hash: r.hash, rest: rest(r) })));
    }
    this.dirty.clear();
    this.dirtyBase.clear();
    this.version++;
    return stats;
  }

  /** Removes reef's base-chain jumps and every reef chain in this table; other programs' rules stay. */
  async uninstall(): Promise<TableApplyStats> {
    const inst = await this.readBack();
    const stats = zeroTableStats();
    const lines: string[] = [];
    for (const [base, rules] of inst.baseRules) {
      for (const r of rules) lines.push(`-D ${base} ${r.rest}`);
      if (rules.length) stats.baseChainsFixed++;
    }
    const names = [...inst.chains.keys()];
    for (const name of names) lines.push(`-F ${name}`);
    for (const name of names) lines.push(`-X ${name}`);
    stats.chainsDeleted = names.length;
    if (lines.length > 0) await this.restore(lines);
    this.desired.clear();
    this.baseJumps.clear();
    this.dirty.clear();
    this.dirtyBase.clear();
    this.installed = { chains: new Map(), baseRules: new Map() };
    this.version++;
    return stats;
  }

  /** The restore lines that put `want` at the top of `base` and remove any other reef rule there. */
  private baseChainFix(base: string, want: readonly RuleSpec[], inst: InstalledTable): string[] {
    const have = inst.baseRules.get(base) ?? [];
    const inPlace = have.length === want.length && have.every((r, i) => r.index === i && r.hash === want[i]!.hash);
    if (inPlace) return [];
    const lines = have.map((r) => `-D ${base} ${r.rest}`);
    for (let i = want.length - 1; i >= 0; i--) lines.push(ruleLine('-I', base, want[i]!.text, 1));
    return lines;
  }

  private async readBack(): Promise<InstalledTable> {
    const save = this.family === 4 ? 'iptables-save' : 'ip6tables-save';
    this.installed = parseIptablesSave(await runChecked(this.runner, [save, '-t', this.table]));
    this.version++;
    return this.installed;
  }

  private restore(lines: string[]): Promise<void> {
    return this.restoreInput(`*${this.table}\n${lines.join('\n')}\nCOMMIT\n`);
  }

  private async restoreInput(input: string): Promise<void> {
    try {
      const res = await this.warm.take(this.restoreArgv).end(input);
      if (res.code !== 0) throw new DataplaneCommandError(this.restoreArgv, res, input);
    } catch (err) {
      this.restoreFailed(input, err);
    }
  }

  private restoreFailed(input: string, err: unknown): never {
    // Whatever the kernel holds now is unknown: read back before the next diff.
    this.installed = undefined;
    this.version++;
    this.log?.warn('iptables restore failed', { table: this.table, family: this.family, lines: input.split('\n').length - 3, err: String(err) });
    throw err;
  }
}
