import { ReefError } from '../../../src/lib/errors.ts';

/** A policy the calculation cannot represent; `path` names the field (`spec.ingress[0].ports[1]`). */
export class PolicyInvalidError extends ReefError {
  readonly policy: string;
  readonly path: string;
  constructor(policy: string, path: string, reason: string, cause?: unknown) {
    super('POLICY_INVALID', `policy ${policy}: ${path}: ${reason}`, { policy, path, reason }, { cause });
    this.policy = policy;
    this.path = path;
  }
}
