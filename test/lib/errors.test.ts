import { expect } from 'chai';
import { ReefError } from '../../src/lib/errors.ts';

describe('ReefError', () => {
  it('keeps the stable code, details and cause', () => {
    const cause = new Error('socket closed');
    const e = new ReefError('DATASTORE_UNREACHABLE', 'cannot reach datastore', { endpoint: '127.0.0.1:1' }, { cause });
    expect(e.code).to.equal('DATASTORE_UNREACHABLE');
    expect(e.details).to.deep.equal({ endpoint: '127.0.0.1:1' });
    expect(e.cause).to.equal(cause);
    expect(e.name).to.equal('ReefError');
  });
});
