import winston from 'winston';

/**
 * One logger for the process. Components take a child with their context
 * (`peer`, `node`, `block`) once, then log fixed phrases with data in fields.
 * REEF_LOG_LEVEL sets the level; REEF_LOG_FORMAT=json switches to JSON lines.
 */
const level = process.env.REEF_LOG_LEVEL ?? (process.env.NODE_ENV === 'test' ? 'error' : 'info');

export const log: winston.Logger = winston.createLogger({
  level,
  format:
    process.env.REEF_LOG_FORMAT === 'json'
      ? winston.format.combine(winston.format.timestamp(), winston.format.json())
      : winston.format.combine(
          winston.format.timestamp(),
          winston.format.printf(({ timestamp, level: lvl, message, ...fields }) => {
            const rest = Object.entries(fields)
              .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
              .join(' ');
            return `${String(timestamp)} ${lvl} ${String(message)}${rest ? ' ' + rest : ''}`;
          }),
        ),
  transports: [new winston.transports.Console({ stderrLevels: ['error', 'warn', 'info', 'debug', 'verbose', 'silly'] })],
});

export type Logger = winston.Logger;

export function childLogger(fields: Record<string, unknown>): Logger {
  return log.child(fields);
}
