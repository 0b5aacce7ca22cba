import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as samlify from 'samlify';
import { installSchemaValidator, isSchemaValid } from '../../src/saml/schemas.js';
import { authnRequestXml } from './requests.js';

describe('SAML schema validation', () => {
  installSchemaValidator();

  it('accepts a schema-valid AuthnRequest', () => {
    assert.equal(isSchemaValid(authnRequestXml({ issuer: 'https://sp.example.com' })), true);
  });

  it('refuses what the schema does not allow', () => {
    const valid = authnRequestXml({ issuer: 'https://sp.example.com' });
    assert.equal(isSchemaValid(valid.replace('Version="2.0"', '')), false, 'no Version');
    assert.equal(isSchemaValid(valid.replace('ID="', 'Bogus="x" ID="')), false, 'unknown attr');
    assert.equal(isSchemaValid('<root/>'), false, 'not SAML');
    assert.equal(isSchemaValid('<samlp:AuthnRequest'), false, 'not well-formed');
  });

  it('is the validator samlify uses', async () => {
    // samlify's own context module, the one its flows read the validator from.
    const specifier = 'samlify/build/src/api.js';
    const api = await import(specifier) as unknown as {
      getContext(): { validate(xml: string): Promise<unknown> } };
    const context = (api as { default?: typeof api }).default ?? api;
    await assert.rejects(context.getContext().validate('<root/>'));
    assert.equal(await context.getContext().validate(authnRequestXml({ issuer: 'x' })),
      'SUCCESS_VALIDATE_XML');
    assert.ok(samlify.setSchemaValidator);
  });
});
