/**
 * reef-node's entry point (bin/reef-node). Configuration comes from the
 * environment only (src/node/README.md); a bad value exits 2 with one line
 * naming the variable. SIGTERM/SIGINT stop gracefully: BGP peers get Cease
 * with graceful restart, the kernel keeps routes and rules, then the process
 * exits 0. A failure to start exits 1.
 *
 * `reef-node uninstall-policy` instead removes what the policy agent wrote on
 * this node and exits (uninstall-policy.ts).
 */
import { log } from '../lib/log.ts';
import { NodeConfigError, nodeConfigFrom, type NodeConfig } from './config.ts';
import { NodeDaemon } from './daemon.ts';
import { DatastoreConfigError } from '../datastore/errors.ts';

if (process.argv[2] === 'uninstall-policy') {
  const { describeUninstall, uninstallPolicy } = await import('./uninstall-policy.ts');
  try {
    process.stdout.write(`reef-node: ${describeUninstall(await uninstallPolicy())}\n`);
    process.exit(0);
  } catch (e) {
    process.stderr.write(`reef-node: uninstall-policy failed: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  }
} else if (process.argv[2] !== undefined) {
  process.stderr.write(`reef-node: unknown command ${JSON.stringify(process.argv[2])} (the daemon takes none; \`reef-node uninstall-policy\` removes the policy agent's rules)\n`);
  process.exit(2);
}

let cfg: NodeConfig;
try {
  cfg = nodeConfigFrom(process.env);
} catch (e) {
  if (!(e instanceof NodeConfigError || e instanceof DatastoreConfigError)) throw e;
  process.stderr.write(`reef-node: ${e.message}\n`);
  process.exit(2);
}

const daemon = new NodeDaemon(cfg);
let stopping = false;
const shutdown = (signal: string): void => {
  if (stopping) return;
  stopping = true;
  daemon.log.info('shutting down', { signal });
  // Sockets that never drain must not keep a terminating pod alive.
  setTimeout(() => process.exit(0), 8000).unref();
  void daemon.stop().then(
    () => {
      process.exitCode = 0;
    },
    (e: unknown) => {
      daemon.log.error('shutdown failed', { err: e instanceof Error ? e.message : String(e) });
      process.exit(1);
    },
  );
};
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('unhandledRejection', (e) => {
  log.error('unhandled rejection', { err: e instanceof Error ? (e.stack ?? e.message) : String(e) });
});

daemon.start().catch(async (e: unknown) => {
  if (e instanceof NodeConfigError) process.stderr.write(`reef-node: ${e.message}\n`);
  log.error('reef-node failed to start', { node: cfg.nodeName, err: e instanceof Error ? e.message : String(e) });
  await daemon.stop().catch(() => undefined);
  process.exit(e instanceof NodeConfigError ? 2 : 1);
});
