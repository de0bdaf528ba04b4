import { createRequire } from 'node:module';
import type winston from 'winston';

/**
 * One logger for the process. Components take a child with their context
 * (`peer`, `node`, `block`) once, then log fixed phrases with data in fields.
 * REEF_LOG_LEVEL sets the level; REEF_LOG_FORMAT=json switches to JSON lines.
 *
 * winston is the backend, but it is built on the first message that passes the
 * level, not at import: it costs 10-15 MB of resident memory, which short-lived
 * programs (the CNI plugins, reefctl) and quiet daemons never need. `log` and
 * the children from `childLogger` are small facades; each creates its winston
 * child (with its fields) when it first writes. Only winston's own pieces
 * (four logform formats, createLogger, the Console transport) are loaded, not
 * its index, which also builds a default logger and every format.
 */
let level = process.env.REEF_LOG_LEVEL ?? (process.env.NODE_ENV === 'test' ? 'error' : 'info');

type Fields = Record<string, unknown>;

/** What components use; a winston.Logger (tests pass silent ones) satisfies it. */
export interface Logger {
  /** The process-wide level (setting it on any logger sets it for all, as with winston's children). */
  level: string;
  error(message: string, fields?: Fields): unknown;
  warn(message: string, fields?: Fields): unknown;
  info(message: string, fields?: Fields): unknown;
  verbose(message: string, fields?: Fields): unknown;
  debug(message: string, fields?: Fields): unknown;
  child(fields: Fields): Logger;
}

/** winston's npm levels: a message is written when its rank is at most the level's. */
const RANK: Readonly<Record<string, number>> = { error: 0, warn: 1, info: 2, http: 3, verbose: 4, debug: 5, silly: 6 };
let threshold = RANK[level] ?? RANK.info!;

let root: winston.Logger | undefined;

function backend(): winston.Logger {
  if (root !== undefined) return root;
  const require = createRequire(import.meta.url);
  // The four formats by file: logform's index defines all of them (and colors) on load.
  const format = {
    combine: require('logform/combine') as typeof winston.format.combine,
    timestamp: require('logform/timestamp') as typeof winston.format.timestamp,
    printf: require('logform/printf') as typeof winston.format.printf,
    json: require('logform/json') as typeof winston.format.json,
  };
  const createLogger = require('winston/lib/winston/create-logger') as typeof winston.createLogger;
  const Console = require('winston/lib/winston/transports/console') as typeof winston.transports.Console;
  root = createLogger({
    level,
    format:
      process.env.REEF_LOG_FORMAT === 'json'
        ? format.combine(format.timestamp(), format.json())
        : format.combine(
            format.timestamp(),
            format.printf(({ timestamp, level: lvl, message, ...fields }) => {
              const rest = Object.entries(fields)
                .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
                .join(' ');
              return `${String(timestamp)} ${lvl} ${String(message)}${rest ? ' ' + rest : ''}`;
            }),
          ),
    transports: [new Console({ stderrLevels: ['error', 'warn', 'info', 'debug', 'verbose', 'silly'] })],
  });
  return root;
}

class LazyLogger implements Logger {
  readonly #parent: LazyLogger | null;
  readonly #fields: Fields | null;
  #real: winston.Logger | undefined;

  constructor(parent: LazyLogger | null, fields: Fields | null) {
    this.#parent = parent;
    this.#fields = fields;
  }

  /** The winston logger behind this facade, built (with the parents') on first use. */
  get winston(): winston.Logger {
    if (this.#real === undefined) {
      const base = this.#parent === null ? backend() : this.#parent.winston;
      this.#real = this.#fields === null ? base : base.child(this.#fields);
    }
    return this.#real;
  }

  get level(): string {
    return level;
  }

  set level(l: string) {
    level = l;
    threshold = RANK[l] ?? RANK.info!;
    if (root !== undefined) root.level = l;
  }

  error(message: string, fields?: Fields): void {
    this.#write(0, 'error', message, fields);
  }

  warn(message: string, fields?: Fields): void {
    this.#write(1, 'warn', message, fields);
  }

  info(message: string, fields?: Fields): void {
    this.#write(2, 'info', message, fields);
  }

  verbose(message: string, fields?: Fields): void {
    this.#write(4, 'verbose', message, fields);
  }

  debug(message: string, fields?: Fields): void {
    this.#write(5, 'debug', message, fields);
  }

  child(fields: Fields): Logger {
    return new LazyLogger(this, fields);
  }

  #write(rank: number, lvl: 'error' | 'warn' | 'info' | 'verbose' | 'debug', message: string, fields: Fields | undefined): void {
    if (rank > threshold) return;
    if (fields === undefined) this.winston[lvl](message);
    else this.winston[lvl](message, fields);
  }
}

export const log: Logger = new LazyLogger(null, null);

export function childLogger(fields: Fields): Logger {
  return log.child(fields);
}
