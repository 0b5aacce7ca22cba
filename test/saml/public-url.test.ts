import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type AppFixture, browser, type IdpFixture, makeApp, startIdp } from './helpers.js';
import { authnRequestXml, redirectQuery } from './requests.js';

const PUBLIC_URL = 'https://idp.example.com';
const SP = 'https://proxied.example.com/metadata';

describe('behind a reverse proxy: the public URL is the endpoint', () => {
  let idp: IdpFixture;
  let app: AppFixture;

  before(async () => {
    // Requests arrive on 127.0.0.1, as from a proxy; peers know only the public URL.
    idp = await startIdp({ PUBLIC_URL });
    app = await makeApp(idp, { spEntityId: SP, acsUrls: ['https://proxied.example.com/acs'] });
  });
  after(() => idp.service.dispose());

  const signIn = (destination: string) => browser(idp).get(`/saml2/${app.customValue}?`
    + redirectQuery(authnRequestXml({ issuer: SP, destination })));

  it('publishes the public URL as entity ID and SSO location', async () => {
    const metadata = await browser(idp).get(`/saml2/${app.customValue}/metadata`).expect(200);
    assert.match(metadata.text, new RegExp(
      `entityID="${PUBLIC_URL}/saml2/${app.customValue}"`));
    assert.match(metadata.text, new RegExp(`Location="${PUBLIC_URL}/saml2/${app.customValue}"`));
  });

  it('accepts a Destination naming the public URL', async () => {
    const res = await signIn(`${PUBLIC_URL}/saml2/${app.customValue}`);
    assert.equal(res.status, 303, res.text);
    assert.match(res.headers.location!, /^\/login\?continue=/);
  });

  it('refuses a Destination naming the address the proxy forwards to', async () => {
    const res = await signIn(`${idp.service.url}/saml2/${app.customValue}`);
    assert.equal(res.status, 400);
    assert.match(res.text, /Reference: destination_mismatch</);
  });
});
