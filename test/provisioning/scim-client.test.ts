import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  desiredAttributes, createUserPayload, userPatchOperations,
} from '../../src/provisioning/mappings.js';
import { eqFilter, errorMessageOf, parseRetryAfter } from '../../src/provisioning/scim-client.js';
import { findConnector } from '../../src/applications/catalog.js';
import type { User } from '../../src/directory/users.js';

function directoryUser(overrides: Partial<User> = {}): User {
  return {
    id: 'u1', username: 'ada@example.com', email: 'ada@example.com', firstName: 'Ada',
    lastName: 'Lovelace', displayName: '', jobTitle: '', department: '',
    preferredLanguage: '', status: 'active', hasPassword: false, createdAt: '', updatedAt: '',
    ...overrides,
  };
}

describe('SCIM client helpers', () => {
  it('reads Retry-After in seconds and as an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    assert.equal(parseRetryAfter('30', now), 30_000);
    assert.equal(parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', now), 5_000);
    assert.equal(parseRetryAfter('Wed, 31 Dec 2025 23:00:00 GMT', now), 0);
    assert.equal(parseRetryAfter('soon', now), null);
    assert.equal(parseRetryAfter(null, now), null);
  });

  it('escapes a filter value as a JSON string', () => {
    assert.equal(eqFilter('userName', 'a"b\\c@example.com'),
      'userName eq "a\\"b\\\\c@example.com"');
  });

  it('takes the message from SCIM and from Asana-shaped error bodies', () => {
    assert.equal(errorMessageOf(400, { detail: 'bad name' }, ''), 'bad name');
    assert.equal(errorMessageOf(400, { errors: [{ message: 'nope' }] }, ''), 'nope');
    assert.equal(errorMessageOf(502, null, ''), 'HTTP 502');
  });

  it('leaves empty optional values out of a create, and removes them in an update', () => {
    const desired = desiredAttributes(directoryUser(), []);
    const body = createUserPayload(desired);
    assert.equal('title' in body, false);
    assert.equal(body.active, true);
    const capabilities = findConnector('custom-saml')!.scim!;
    assert.deepEqual(userPatchOperations(desired, ['title'], capabilities),
      [{ op: 'remove', path: 'title' }]);
  });

  it('sends names as name.formatted only where the connector says so', () => {
    const desired = desiredAttributes(directoryUser({ firstName: 'Augusta' }), []);
    const paths = ['name.givenName', 'name.formatted'];
    const asana = userPatchOperations(desired, paths, findConnector('asana')!.scim!);
    assert.deepEqual(asana, [{ op: 'replace', path: 'name.formatted',
      value: 'Augusta Lovelace' }]);
    const custom = userPatchOperations(desired, paths, findConnector('custom-saml')!.scim!);
    assert.equal(custom.length, 2);
  });
});
