/**
 * Spare processes for the commands an apply runs (`ipset restore`, each
 * table's `iptables-restore`, `ip -batch`, `sysctl -p -`), started while
 * nothing waits for them. An apply takes the spare and only writes its input,
 * so neither the fork of the agent's large process (milliseconds of the main
 * thread) nor the program's start-up is on its path; the used spare is
 * replaced once the apply is over. A spare holds nothing: an
 * `iptables-restore` reads the kernel's table only when its input arrives.
 */
import { startCommand, type CommandProcess, type CommandRunner } from './command-runner.ts';

const key = (argv: readonly string[]) => argv.join('\0');

export class WarmCommands {
  private readonly runner: CommandRunner;
  private readonly spares = new Map<string, CommandProcess>();
  private readonly wanted = new Map<string, readonly string[]>();
  private open = true;

  constructor(runner: CommandRunner) {
    this.runner = runner;
  }

  /** A started process for argv: the spare if one is alive, else a new one. */
  take(argv: readonly string[]): CommandProcess {
    const k = key(argv);
    const spare = this.spares.get(k);
    this.spares.delete(k);
    return spare && !spare.exited ? spare : startCommand(this.runner, argv);
  }

  /** Keeps a spare of each argv from now on (started by refill()). */
  keep(argvs: readonly (readonly string[])[]): void {
    if (!this.runner.spawn) return;
    this.open = true;
    for (const a of argvs) this.wanted.set(key(a), a);
  }

  /** Starts a spare for every kept command that has none. Call it when nothing waits. */
  refill(): void {
    if (!this.open) return;
    for (const [k, argv] of this.wanted) {
      const have = this.spares.get(k);
      if (!have || have.exited) this.spares.set(k, this.runner.spawn!(argv));
    }
  }

  /** Ends every spare unused (empty input: each exits without acting) and starts no more until keep(). */
  close(): void {
    this.open = false;
    this.wanted.clear();
    for (const p of this.spares.values()) p.end().catch(() => {});
    this.spares.clear();
  }
}
