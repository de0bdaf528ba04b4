/**
 * NetworkPolicy: namespaced, applies to the endpoints of its namespace that
 * its selector picks. Calico's v3 ordered form (Allow/Deny/Pass/Log rules).
 */
import { z } from 'zod';
import { policyName } from '../names.ts';
import { defineKind } from './kind.ts';
import { commonShape, finishCommon, type PolicySpecCommon } from './policy-common.ts';

export type NetworkPolicySpec = PolicySpecCommon;

export const networkPolicyKind = defineKind({
  kind: 'NetworkPolicy',
  checkName: policyName,
  spec: z.strictObject(commonShape),
  finish(p, _meta, f): NetworkPolicySpec {
    return finishCommon(p, f);
  },
});
