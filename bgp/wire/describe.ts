import {
  CEASE,
  FSM_ERROR,
  HEADER_ERROR,
  NOTIFICATION_CODE,
  OPEN_ERROR,
  ROUTE_REFRESH_ERROR,
  UPDATE_ERROR,
} from './constants.ts';

const UPPER = new Set(['as', 'bgp', 'fsm', 'open', 'update', 'opensent', 'openconfirm', 'borr', 'eorr']);

function words(name: string): string {
  return name
    .toLowerCase()
    .split('_')
    .map((w) => (UPPER.has(w) ? w.toUpperCase() : w))
    .join(' ');
}

function invert(o: Readonly<Record<string, number>>): Map<number, string> {
  return new Map(Object.entries(o).map(([k, v]) => [v, words(k)]));
}

const codeNames = invert(NOTIFICATION_CODE);
const subcodeNames = new Map<number, Map<number, string>>([
  [NOTIFICATION_CODE.MESSAGE_HEADER_ERROR, invert(HEADER_ERROR)],
  [NOTIFICATION_CODE.OPEN_MESSAGE_ERROR, invert(OPEN_ERROR)],
  [NOTIFICATION_CODE.UPDATE_MESSAGE_ERROR, invert(UPDATE_ERROR)],
  [NOTIFICATION_CODE.FSM_ERROR, invert(FSM_ERROR)],
  [NOTIFICATION_CODE.CEASE, invert(CEASE)],
  [NOTIFICATION_CODE.ROUTE_REFRESH_MESSAGE_ERROR, invert(ROUTE_REFRESH_ERROR)],
]);

/** "UPDATE message error / malformed AS_PATH (3/11)", for logs and the CLI. */
export function describeNotification(code: number, subcode: number): string {
  const name = codeNames.get(code) ?? 'unknown error code';
  const sub = subcodeNames.get(code)?.get(subcode);
  const label = sub !== undefined ? `${name} / ${sub}` : subcode === 0 ? name : `${name} / subcode ${subcode}`;
  return `${label} (${code}/${subcode})`;
}
