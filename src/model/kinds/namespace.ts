/**
 * Namespace: a Kubernetes v1 Namespace, stored so the policy agent can read
 * namespace labels (what namespaceSelectors match). With the etcd datastore
 * they are applied with reefctl (or written by a controller that mirrors the
 * Kubernetes API); with the Kubernetes API they are the cluster's own. Only
 * metadata matters: name (a DNS-1123 label) and labels. The spec carries
 * nothing but Kubernetes' optional `finalizers`, kept as given.
 */
import { z } from 'zod';
import { nonEmptyStr } from '../fields.ts';
import { dns1123Label } from '../names.ts';
import { defineKind } from './kind.ts';

export interface NamespaceSpec {
  finalizers?: string[];
}

export const namespaceKind = defineKind({
  kind: 'Namespace',
  checkName: dns1123Label,
  spec: z.strictObject({ finalizers: z.array(nonEmptyStr).optional() }),
  finish(p): NamespaceSpec {
    return p.finalizers && p.finalizers.length > 0 ? { finalizers: p.finalizers } : {};
  },
});
