/** Runs test/ipam/worker.ts as a child process and parses its journal. */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { WorkerConfig } from './worker.ts';

const NODE = join(import.meta.dirname, '../../node_modules/.bin/node');
const SCRIPT = join(import.meta.dirname, 'worker.ts');

export interface Journal {
  ready: boolean;
  done: boolean;
  intents: Set<string>;
  allocs: Map<string, string[]>;
  released: Set<string>;
}

export interface RunningWorker {
  proc: ChildProcess;
  journal: Journal;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
  /** Resolves once the worker has allocated at least one address, or has exited. */
  firstAlloc: Promise<void>;
}

export function startWorker(cfg: WorkerConfig): RunningWorker {
  const proc = spawn(NODE, [SCRIPT, JSON.stringify(cfg)], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_ENV: 'test', REEF_LOG_LEVEL: 'error' } });
  const journal: Journal = { ready: false, done: false, intents: new Set(), allocs: new Map(), released: new Set() };
  let partial = '';
  let stderr = '';
  let onAlloc: () => void = () => undefined;
  const firstAlloc = new Promise<void>((r) => (onAlloc = r));
  proc.stdout!.setEncoding('utf8');
  proc.stdout!.on('data', (chunk: string) => {
    partial += chunk;
    const lines = partial.split('\n');
    partial = lines.pop()!;
    for (const line of lines) {
      const [what, handle, ip] = line.split(' ');
      if (what === 'ready') journal.ready = true;
      else if (what === 'done') journal.done = true;
      else if (what === 'intent') journal.intents.add(handle!);
      else if (what === 'alloc') {
        journal.allocs.set(handle!, [...(journal.allocs.get(handle!) ?? []), ip!]);
        onAlloc();
      } else if (what === 'release') journal.released.add(handle!);
    }
  });
  proc.stderr!.setEncoding('utf8');
  proc.stderr!.on('data', (c: string) => (stderr = (stderr + c).slice(-4000)));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) =>
    proc.once('exit', (code, signal) => {
      onAlloc();
      resolve({ code, signal, stderr });
    }),
  );
  return { proc, journal, exited, firstAlloc };
}

/** Handle -> addresses still held according to the journal (allocated, release not journaled). */
export function heldByJournal(journals: readonly Journal[]): Map<string, string[]> {
  const held = new Map<string, string[]>();
  for (const j of journals) for (const [h, ips] of j.allocs) if (!j.released.has(h)) held.set(h, ips);
  return held;
}
