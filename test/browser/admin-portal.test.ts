import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { readFileSync } from 'node:fs';
import { SAML, ValidateInResponseTo } from '@node-saml/node-saml';
import request from 'supertest';
import { SYSTEM } from '../../src/insights/events.js';
import { readPostForm } from '../saml/helpers.js';
import { csrfOf } from '../support/admin-agent.js';
import { adminLogin, screenshot, startBrowser, type TestBrowser } from '../support/browser.js';
import { makePerson, type Person, PERSON_PASSWORD } from '../support/directory.js';
import { startTestService, type TestService } from '../support/service.js';

const ASANA_ENTITY_ID = 'https://app.asana.com/';
const ASANA_ACS = 'https://app.asana.com/-/saml/consume';

/** The SAMLResponse the service posts to Asana when this person opens the IdP URL. */
async function signedResponseFor(service: TestService, person: Person, idpPath: string):
  Promise<string> {
  const agent = request.agent(service.url);
  const login = await agent.get('/login').expect(200);
  await agent.post('/login').type('form').send({ _csrf: csrfOf(login.text),
    username: person.username, password: PERSON_PASSWORD, continue: idpPath }).expect(303);
  const page = await agent.get(idpPath).expect(200);
  return readPostForm(page.text).SAMLResponse;
}

/** Validates a response as Asana would, trusting only the given certificate. */
function asanaValidator(service: TestService, certificatePem: string): SAML {
  return new SAML({ idpCert: certificatePem, issuer: ASANA_ENTITY_ID,
    audience: ASANA_ENTITY_ID, callbackUrl: ASANA_ACS,
    idpIssuer: `${service.url}/saml2/asana-corp`, wantAssertionsSigned: true,
    wantAuthnResponseSigned: false, validateInResponseTo: ValidateInResponseTo.never });
}

describe('admin portal in Chromium', () => {
  let service: TestService;
  let browser: TestBrowser;
  let page: Page;

  before(async () => {
    service = await startTestService();
    browser = await startBrowser();
    page = await browser.newPage();
    await adminLogin(page, service.url, service.adminPassword);
  });
  after(async () => {
    await browser?.close();
    await service?.dispose();
  });

  it('adds Asana with a custom IdP URL value, binds a group, downloads certificate.pem',
    async () => {
    const group = await service.ctx.groups.create({ name: 'Design team' }, SYSTEM);
    await page.goto(`${service.url}/admin/applications`);
    await page.getByRole('link', { name: '+ Add New Application' }).click();
    await page.getByRole('searchbox', { name: 'Search' }).fill('asana');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByLabel(/Asana/).check();
    await page.getByRole('button', { name: 'Next' }).click();

    await page.getByLabel('Display label').fill('Asana (Corp)');
    await page.getByLabel('Description').fill('Projects and tasks');
    await page.getByText('Advanced Settings').click();
    await page.getByLabel('IdP URL').fill('asana-corp');
    assert.equal(await page.locator('#idp-url-preview').textContent(),
      `${service.url}/saml2/asana-corp`);
    await page.getByRole('button', { name: 'Save Application' }).click();

    await page.getByText('Asana (Corp) was saved').waitFor();
    const app = await service.ctx.applications.findByCustomValue('asana-corp');
    assert.equal(app?.label, 'Asana (Corp)');
    assert.equal(app?.description, 'Projects and tasks');
    await page.getByRole('link', { name: 'Configure Application' }).click();
    await page.getByRole('link', { name: 'User Groups' }).last().click();
    await page.getByLabel(/Design team/).check();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'user groups of Asana (Corp) were saved' })
      .waitFor();
    assert.deepEqual(await service.ctx.applications.boundGroupIds(app!.id), [group.id]);

    await page.getByText('Actions').click();
    const [download] = await Promise.all([page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download Certificate' }).click()]);
    assert.equal(download.suggestedFilename(), 'certificate.pem');
    const pem = readFileSync((await download.path())!, 'utf8');
    assert.match(pem, /^-----BEGIN CERTIFICATE-----\n/);

    const designer = await makePerson(service, 'dana', [group.id]);
    const response = await signedResponseFor(service, designer, '/saml2/asana-corp');
    const { profile } = await asanaValidator(service, pem)
      .validatePostResponseAsync({ SAMLResponse: response });
    assert.equal(profile?.nameID, 'dana@example.com');
    const other = await service.ctx.applications.create('asana', { customValue: 'other' },
      SYSTEM);
    await assert.rejects(asanaValidator(service, await service.ctx.saml.certificatePem(other.id))
      .validatePostResponseAsync({ SAMLResponse: response }), /signature/i);

    await page.goto(`${service.url}/admin/applications`);
    await screenshot(page, 'admin-app-list');
  });

  it('refuses a wrong count on the delete confirmation and deletes with the right one',
    async () => {
      const app = await service.ctx.applications.create('custom-saml',
        { label: 'Old wiki', customValue: 'old-wiki' }, SYSTEM);
      await page.goto(`${service.url}/admin/applications`);
      await page.getByLabel('Select Old wiki').check();
      await page.getByRole('button', { name: 'Delete' }).click();
      const count = page.getByLabel('Enter the number of applications you are deleting');
      await count.fill('2');
      await page.getByRole('button', { name: 'Delete Application' }).click();
      await page.getByText('Enter 1, the number of applications selected').waitFor();
      assert.equal(await count.inputValue(), '2');
      assert.equal((await service.ctx.applications.get(app.id)).label, 'Old wiki');

      await count.fill('1');
      await page.getByRole('button', { name: 'Delete Application' }).click();
      await page.getByRole('status').filter({ hasText: 'Old wiki was deleted.' }).waitFor();
      assert.equal(await service.ctx.applications.findByCustomValue('old-wiki'), undefined);
    });

  it('refuses a form posted without its CSRF token and changes nothing', async () => {
    await page.goto(`${service.url}/admin/users/new`);
    await page.getByLabel('Username').fill('mallory');
    await page.getByLabel('Company email').fill('mallory@example.com');
    await page.locator('input[name="_csrf"]').evaluateAll((inputs) => {
      for (const input of inputs) input.remove();
    });
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST'),
      page.getByRole('button', { name: 'Create user' }).click(),
    ]);
    assert.equal(response.status(), 403);
    await page.getByText('This form was not sent from a page of this site').waitFor();
    const found = await service.ctx.users.list({ username: 'mallory', limit: 1, offset: 0 });
    assert.equal(found.total, 0);
  });
});
