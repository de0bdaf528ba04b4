import { readFileSync } from 'node:fs';

/**
 * Last-resort cleanup for what tests start outside the process (daemons,
 * namespaces, temp dirs). Normal teardown happens in after() hooks; this
 * registry catches the rest: a crashed run, process.exit() from mocha --exit,
 * or Ctrl-C. Hooks run synchronously because 'exit' allows nothing else, and
 * each runs at most once.
 */
const hooks = new Map<number, () => void>();
let nextId = 1;
let installed = false;

const SIGNALS = { SIGINT: 2, SIGTERM: 15, SIGHUP: 1 } as const;

function runAll(): void {
  for (const [id, hook] of [...hooks]) {
    hooks.delete(id);
    try {
      hook();
    } catch {
      // Cleanup is best effort at this point; one failure must not skip the rest.
    }
  }
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', runAll);
  for (const [name, num] of Object.entries(SIGNALS)) {
    const onSignal = (): void => {
      runAll();
      // With another listener (mocha's own) the process is theirs to end;
      // alone, ours would swallow the signal, so end it the default way.
      if (process.listenerCount(name) <= 1) process.exit(128 + num);
    };
    process.on(name, onSignal);
  }
}

/** Registers a synchronous cleanup; returns the function that unregisters it once done normally. */
export function onExit(hook: () => void): () => void {
  install();
  const id = nextId++;
  hooks.set(id, hook);
  return () => {
    hooks.delete(id);
  };
}

/** True while `pid` runs; a zombie (exited, not yet reaped) counts as gone. */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
