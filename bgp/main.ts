/**
 * reef-bgp: the speaker as a program (docs/reef-bgp.md). Config from a YAML
 * or JSON file, or from the bgp-ingest kit's peers.json; SIGHUP re-reads the
 * file and applies peers and originated prefixes as a diff; SIGTERM/SIGINT
 * send Cease / Administrative Shutdown to every peer and exit. Config errors
 * exit 2 with one line that names the field; runtime failures exit 1.
 */
import { readFileSync } from 'node:fs';
import { flushCompileCache } from 'node:module';
import { parseArgs } from 'node:util';
import { log } from '../src/lib/log.ts';
import { ConfigError, benchConfig, originatedFrom, peersFrom, speakerOptionsFrom } from './config-base.ts';
import type { ReefBgpConfig } from './config.ts';
import { Speaker } from './speaker.ts';
import { StatusServer } from './status-server.ts';

const version = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** Settings a running speaker cannot take over without a restart. */
const RESTART_ONLY = ['asNumber', 'routerId', 'listen', 'clusterId', 'multipath', 'kernel', 'gracefulRestart', 'status'] as const;

interface Args {
  config?: string;
  check?: boolean;
  benchConfig?: string;
}

/** The schema (and zod) only when there is a file to validate. */
async function loadConfigFile(path: string): Promise<ReefBgpConfig> {
  const { loadConfigFile: load } = await import('./config.ts');
  return load(path);
}

function load(a: Args): Promise<ReefBgpConfig> | ReefBgpConfig {
  if (a.benchConfig !== undefined) return benchConfig(a.benchConfig);
  if (a.config === undefined) throw new ConfigError('', 'no config: give -c FILE or --bench-config FILE');
  return loadConfigFile(a.config);
}

async function run(a: Args): Promise<void> {
  let cfg: ReefBgpConfig;
  try {
    cfg = await load(a);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    process.stderr.write(`reef-bgp: ${e.message}\n`);
    process.exit(2);
  }
  if (a.check) {
    process.stdout.write(`config ok: AS ${cfg.asNumber}, ${cfg.peers.length} peers, ${cfg.originate.length} originated prefixes\n`);
    return;
  }
  const speaker = new Speaker(speakerOptionsFrom(cfg));
  speaker.setPeers(peersFrom(cfg));
  speaker.setOriginated(originatedFrom(cfg));
  const status = new StatusServer(speaker, { socket: cfg.status.socket, ...(cfg.status.listen !== undefined ? { listen: cfg.status.listen } : {}), log });
  try {
    await status.start();
    await speaker.start();
  } catch (e) {
    log.error('reef-bgp failed to start', { error: e instanceof Error ? e.message : String(e) });
    await speaker.stop().catch(() => undefined);
    await status.stop().catch(() => undefined);
    process.exit(1);
  }
  // bin/reef-launch turns Node's compile cache on; write it now, so even a first run that is killed leaves it for the next start.
  flushCompileCache();
  log.info('reef-bgp started', { version, asNumber: cfg.asNumber, routerId: cfg.routerId, peers: cfg.peers.length, port: speaker.port });

  process.on('SIGHUP', () => void reload());
  const reload = async (): Promise<void> => {
    if (a.config === undefined) return void log.warn('SIGHUP ignored: the bench config is not reloaded');
    let next: ReefBgpConfig;
    try {
      next = await loadConfigFile(a.config);
    } catch (e) {
      return void log.error('config reload rejected, keeping the running config', { error: e instanceof Error ? e.message : String(e) });
    }
    const needRestart = RESTART_ONLY.filter((k) => JSON.stringify(next[k]) !== JSON.stringify(cfg[k]));
    if (needRestart.length > 0) log.warn('config changes that take effect only after a restart', { fields: needRestart.join(',') });
    const peers = speaker.setPeers(peersFrom(next));
    const prefixes = speaker.setOriginated(originatedFrom(next));
    log.info('config reloaded', { peersAdded: peers.added, peersRemoved: peers.removed, peersReset: peers.reset, peersUpdated: peers.updated, prefixesAdded: prefixes.added, prefixesRemoved: prefixes.removed });
    cfg = { ...next, ...Object.fromEntries(RESTART_ONLY.map((k) => [k, cfg[k]])) } as ReefBgpConfig;
  };

  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info('shutting down', { signal });
    // Sockets that do not drain must not keep the process up.
    setTimeout(() => process.exit(0), 5000).unref();
    void (async () => {
      await speaker.stop();
      await status.stop();
      // No exit() here: the NOTIFICATIONs still queued on the sockets go out, then the loop empties.
      process.exitCode = 0;
    })();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

const USAGE = `Usage: reef-bgp [options]

reef's BGP speaker as a program

Options:
  -c, --config <file>        YAML or JSON config file (SIGHUP re-reads it)
  --check                    validate the config and exit
  --bench-config <file>      the bgp-ingest kit's peers.json
  --version                  output the version number
  -h, --help                 display help for command
`;

// node:util's parseArgs, not commander: three options do not need ~5 MB of resident memory.
function parseCommandLine(argv: string[]): Args | undefined {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        config: { type: 'string', short: 'c' },
        check: { type: 'boolean' },
        'bench-config': { type: 'string' },
        version: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    process.stderr.write(`reef-bgp: ${(e as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  if (values.help) return void process.stdout.write(USAGE);
  if (values.version) return void process.stdout.write(`reef-bgp ${version}\n`);
  return {
    ...(values.config !== undefined ? { config: values.config } : {}),
    ...(values.check ? { check: true } : {}),
    ...(values['bench-config'] !== undefined ? { benchConfig: values['bench-config'] } : {}),
  };
}

const args = parseCommandLine(process.argv.slice(2));
if (args !== undefined) {
  run(args).catch((e: unknown) => {
    log.error('reef-bgp failed', { error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
    process.exit(1);
  });
}
