import { ERROR_ACTION, type ErrorAction } from './constants.ts';

/**
 * Something wrong with an UPDATE that RFC 7606 lets the session survive. The
 * decoder and the validator return these; they never change what they
 * describe, the caller acts on `strongestAction`.
 */
export interface Finding {
  readonly action: ErrorAction;
  /** The attribute type code, when the finding is about one attribute. */
  readonly attrType?: number;
  /** UPDATE Message Error subcode that would have been sent before RFC 7606. */
  readonly subcode: number;
  readonly field: string;
  readonly reason: string;
  readonly offset?: number;
}

export function strongestAction(findings: readonly Finding[]): ErrorAction | undefined {
  let best: ErrorAction | undefined;
  for (const f of findings) if (best === undefined || f.action > best) best = f.action;
  return best;
}

export function isTreatAsWithdraw(findings: readonly Finding[]): boolean {
  return (strongestAction(findings) ?? 0) >= ERROR_ACTION.TREAT_AS_WITHDRAW;
}

export const ACTION_NAME: Readonly<Record<ErrorAction, string>> = {
  [ERROR_ACTION.ATTRIBUTE_DISCARD]: 'attribute-discard',
  [ERROR_ACTION.TREAT_AS_WITHDRAW]: 'treat-as-withdraw',
  [ERROR_ACTION.SESSION_RESET]: 'session-reset',
};
