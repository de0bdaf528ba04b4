import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { datastoreConfigFrom, parseEndpoints } from '../../src/datastore/config.ts';
import { DatastoreConfigError } from '../../src/datastore/errors.ts';
import { EtcdDatastore } from '../../src/datastore/etcd.ts';
import { describeDatastore, openDatastore } from '../../src/datastore/index.ts';

describe('datastore configuration', () => {
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'reef-dscfg-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  function file(name: string, text: string): string {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  }

  const calico = (): string =>
    file(
      'calicoctl.cfg',
      [
        'apiVersion: projectcalico.org/v3',
        'kind: CalicoAPIConfig',
        'metadata: {}',
        'spec:',
        '  datastoreType: etcdv3',
        '  etcdEndpoints: http://10.0.0.3:2379,http://10.0.0.4:2379',
        '  etcdCACertFile: /file/ca.pem',
        '  etcdCertFile: /file/cert.pem',
        '  etcdKeyFile: /file/key.pem',
      ].join('\n'),
    );

  it('defaults to etcd v3 at 127.0.0.1:2379', () => {
    expect(datastoreConfigFrom({})).to.deep.equal({ type: 'etcdv3', etcd: { endpoints: ['127.0.0.1:2379'] } });
  });

  const precedence = [
    { name: 'flags over env over file', flags: { etcdEndpoints: '10.0.0.1:2379' }, env: { ETCD_ENDPOINTS: '10.0.0.2:2379' }, useFile: true, want: ['10.0.0.1:2379'] },
    { name: 'env over file', flags: {}, env: { ETCD_ENDPOINTS: 'http://10.0.0.2:2379, 10.0.0.5:2379' }, useFile: true, want: ['http://10.0.0.2:2379', '10.0.0.5:2379'] },
    { name: 'file over default', flags: {}, env: {}, useFile: true, want: ['http://10.0.0.3:2379', 'http://10.0.0.4:2379'] },
    { name: 'an empty env value falls through', flags: {}, env: { ETCD_ENDPOINTS: '' }, useFile: true, want: ['http://10.0.0.3:2379', 'http://10.0.0.4:2379'] },
  ];
  for (const c of precedence) {
    it(`takes endpoints from ${c.name}`, () => {
      const cfg = datastoreConfigFrom({ flags: c.flags, env: c.env, ...(c.useFile ? { configFile: calico() } : {}) });
      expect(cfg.etcd.endpoints).to.deep.equal(c.want);
    });
  }

  it('resolves each TLS file on its own: flag, then env, then file', () => {
    const cfg = datastoreConfigFrom({
      flags: { etcdCaCertFile: '/flag/ca.pem' },
      env: { ETCD_CERT_FILE: '/env/cert.pem' },
      configFile: calico(),
    });
    expect(cfg.etcd.tls).to.deep.equal({ caCertFile: '/flag/ca.pem', certFile: '/env/cert.pem', keyFile: '/file/key.pem' });
  });

  it('takes the type from REEF_DATASTORE_TYPE, and recognises kubernetes without supporting it yet', () => {
    const cfg = datastoreConfigFrom({ env: { REEF_DATASTORE_TYPE: 'kubernetes' } });
    expect(cfg.type).to.equal('kubernetes');
    expect(() => openDatastore(cfg)).to.throw(DatastoreConfigError, /not supported yet/);
    expect(datastoreConfigFrom({ flags: { datastoreType: 'etcdv3' }, env: { REEF_DATASTORE_TYPE: 'kubernetes' } }).type).to.equal('etcdv3');
  });

  it('reads reef.dev/v1 ReefAPIConfig files too', () => {
    const p = file('reef.cfg', 'apiVersion: reef.dev/v1\nkind: ReefAPIConfig\nspec:\n  etcdEndpoints: 10.1.1.1:2379\n');
    expect(datastoreConfigFrom({ configFile: p }).etcd.endpoints).to.deep.equal(['10.1.1.1:2379']);
  });

  const bad = [
    { name: 'an unknown datastore type', src: () => ({ flags: { datastoreType: 'consul' } }), msg: /unknown datastore type "consul"/ },
    { name: 'a config file that is missing', src: () => ({ configFile: join(dir, 'nope.cfg') }), msg: /cannot read config file/ },
    { name: 'a config file of another kind', src: () => ({ configFile: file('k.cfg', 'apiVersion: v1\nkind: Pod\n') }), msg: /is not projectcalico\.org\/v3\/CalicoAPIConfig/ },
    { name: 'a config file that is not YAML', src: () => ({ configFile: file('y.cfg', 'a: [\n') }), msg: /not valid YAML/ },
    { name: 'an endpoint without a port', src: () => ({ env: { ETCD_ENDPOINTS: '10.0.0.1' } }), msg: /"10\.0\.0\.1" is not host:port/ },
  ];
  for (const c of bad) {
    it(`refuses ${c.name} with DatastoreConfigError`, () => {
      expect(() => datastoreConfigFrom(c.src())).to.throw(DatastoreConfigError, c.msg);
    });
  }

  it('parses bracketed IPv6 endpoints', () => {
    expect(parseEndpoints('[::1]:2379,https://[fd00::1]:2379')).to.deep.equal(['[::1]:2379', 'https://[fd00::1]:2379']);
  });

  it('opens an etcd backend without dialling, and names it for messages', async () => {
    const cfg = datastoreConfigFrom({ env: { ETCD_ENDPOINTS: 'http://127.0.0.1:1' } });
    const ds = openDatastore(cfg);
    expect(ds).to.be.instanceOf(EtcdDatastore);
    expect(describeDatastore(cfg)).to.equal('etcd at 127.0.0.1:1');
    await ds.close();
  });

  it('names a TLS file it cannot read', () => {
    const cfg = datastoreConfigFrom({ env: { ETCD_CA_CERT_FILE: join(dir, 'missing-ca.pem') } });
    expect(() => openDatastore(cfg)).to.throw(DatastoreConfigError, /cannot read etcd CA certificate file .*missing-ca\.pem/);
  });
});
