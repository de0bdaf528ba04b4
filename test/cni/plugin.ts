/**
 * Runs bin/reef-ipam the way a runtime does: a fresh process with CNI_* in
 * its environment and the network configuration on stdin.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
export const REEF_IPAM = resolve(ROOT, 'bin/reef-ipam');

export interface PluginRun {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed, when it is JSON. */
  json: Record<string, unknown> | undefined;
}

export function execPlugin(argv0: string[], env: Record<string, string>, stdin: string, timeoutMs = 20_000): Promise<PluginRun> {
  return new Promise((done, fail) => {
    const child = spawn(argv0[0]!, argv0.slice(1), {
      // PATH so bin/reef-launch finds the project's node; nothing else leaks from the test's environment.
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', REEF_LOG_LEVEL: 'error', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.on('error', fail);
    child.on('close', (code) => {
      clearTimeout(timer);
      let json: Record<string, unknown> | undefined;
      try {
        json = stdout.trim() ? (JSON.parse(stdout) as Record<string, unknown>) : undefined;
      } catch {
        json = undefined;
      }
      done({ code: code ?? -1, stdout, stderr, json });
    });
    child.stdin.end(stdin);
  });
}

export interface CniCall {
  command: 'ADD' | 'DEL' | 'CHECK' | 'VERSION';
  containerId?: string;
  ifName?: string;
  netns?: string;
  args?: string;
  extraEnv?: Record<string, string>;
}

export function cniEnv(c: CniCall): Record<string, string> {
  const env: Record<string, string> = { CNI_COMMAND: c.command, CNI_PATH: '/usr/lib/cni' };
  if (c.containerId !== undefined) env.CNI_CONTAINERID = c.containerId;
  env.CNI_IFNAME = c.ifName ?? 'eth0';
  if (c.netns !== undefined) env.CNI_NETNS = c.netns;
  if (c.args !== undefined) env.CNI_ARGS = c.args;
  return { ...env, ...c.extraEnv };
}

export function runIpam(c: CniCall, conf: unknown): Promise<PluginRun> {
  return execPlugin([REEF_IPAM], cniEnv(c), typeof conf === 'string' ? conf : JSON.stringify(conf));
}
