import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { SYSTEM } from '../../src/insights/events.js';
import { adminLogin, screenshot, startBrowser, type TestBrowser } from '../support/browser.js';
import { makePerson, type Person, PERSON_PASSWORD } from '../support/directory.js';
import { startTestService, type TestService } from '../support/service.js';
import { startTestSp, type TestSp } from '../support/sp.js';

/** Signs in on the console's login page the browser is on. */
async function signIn(page: Page, person: Person): Promise<void> {
  await page.getByLabel('Username or email').fill(person.username);
  await page.getByLabel('Password').fill(PERSON_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** What the test SP answered at its ACS: the profile it accepted, as JSON. */
async function acceptedProfile(page: Page, sp: TestSp) {
  await page.waitForURL(`${sp.acsUrl}`);
  const text = await page.locator('body').innerText();
  return JSON.parse(text) as { nameID?: string; inResponseTo?: string | null;
    error?: string };
}

describe('single sign-on through the pages, in Chromium, with a node-saml SP', () => {
  let service: TestService;
  let admin: TestBrowser;
  let people: TestBrowser;
  let adminPage: Page;
  let userPage: Page;
  let sp: TestSp;
  let member: Person;
  let outsider: Person;

  before(async () => {
    service = await startTestService();
    const group = await service.ctx.groups.create({ name: 'Testers' }, SYSTEM);
    member = await makePerson(service, 'amy', [group.id]);
    outsider = await makePerson(service, 'otto');
    admin = await startBrowser();
    people = await startBrowser();
    adminPage = await admin.newPage();
    userPage = await people.newPage();
    await adminLogin(adminPage, service.url, service.adminPassword);
  });
  after(async () => {
    await sp?.stop();
    await admin?.close();
    await people?.close();
    await service?.dispose();
  });

  it('the administrator adds a custom SAML application from SP metadata and binds the group',
    async () => {
      const page = adminPage;
      await page.goto(`${service.url}/admin/applications`);
      await page.getByRole('link', { name: '+ Add New Application' }).click();
      await page.getByRole('searchbox', { name: 'Search' }).fill('custom');
      await page.getByRole('button', { name: 'Search' }).click();
      await page.getByLabel(/Custom SAML application/).check();
      await page.getByRole('button', { name: 'Next' }).click();
      await page.getByLabel('Display label').fill('Test SP');
      await page.getByLabel('Description').fill('The team\'s test application');
      await page.getByText('Advanced Settings').click();
      await page.getByLabel('IdP URL').fill('test-sp');
      await page.getByRole('button', { name: 'Save Application' }).click();
      await page.getByRole('link', { name: 'Configure Application' }).click();

      sp = await startTestSp({ idpMetadataUrl: `${service.url}/saml2/test-sp/metadata` });
      await page.getByText('Import SP metadata').click();
      await page.getByLabel('SP metadata XML').fill(
        sp.redirectSaml.generateServiceProviderMetadata(null));
      await page.getByRole('button', { name: 'Import metadata' }).click();
      await page.getByRole('status').filter({ hasText: 'The SP metadata was imported' })
        .waitFor();
      const app = (await service.ctx.applications.findByCustomValue('test-sp'))!;
      const settings = await service.ctx.saml.settings.get(app.id);
      assert.equal(settings.spEntityId, sp.entityId);
      assert.deepEqual(settings.acsUrls, [sp.acsUrl]);
      assert.equal(await page.getByLabel('SP Entity ID').inputValue(), sp.entityId);
      await screenshot(page, 'admin-app-sso');

      await page.getByRole('link', { name: 'User Groups' }).last().click();
      await page.getByLabel(/Testers/).check();
      await page.getByRole('button', { name: 'Save' }).click();
      await page.getByRole('status').filter({ hasText: 'were saved' }).waitFor();
      assert.equal(await service.ctx.applications.isBound(app.id, member.id), true);
    });

  it('a member signs in to the user console, clicks the tile and lands signed in on the SP',
    async () => {
      const page = userPage;
      await page.goto(`${service.url}/`);
      await page.waitForURL(/\/login/);
      await signIn(page, member);
      const tile = page.getByRole('link', { name: /Test SP/ });
      await tile.waitFor();
      assert.match(await tile.innerText(), /The team's test application/);
      await screenshot(page, 'user-console');
      const refused: string[] = [];
      const onConsole = (message: { type(): string; text(): string }) => {
        if (message.type() === 'error') refused.push(message.text());
      };
      page.on('console', onConsole);
      await tile.click();
      const profile = await acceptedProfile(page, sp);
      page.off('console', onConsole);
      assert.deepEqual(refused.filter((text) => /Content Security Policy/i.test(text)), [],
        'the Signing in page breaks none of its own policy');
      assert.equal(profile.error, undefined);
      assert.equal(profile.nameID, member.email);
      assert.match(await page.locator('body').innerText(), /amy@example\.com/);
    });

  it('a user outside the group sees no tile and gets the 403 page on the IdP URL',
    async () => {
      const page = userPage;
      await page.goto(`${service.url}/`);
      await page.getByRole('button', { name: 'Log out' }).click();
      await page.getByText('You are signed out.').waitFor();
      await signIn(page, outsider);
      await page.getByRole('heading', { name: 'No applications yet' }).waitFor();
      assert.equal(await page.getByRole('link', { name: /Test SP/ }).count(), 0);
      const response = await page.goto(`${service.url}/saml2/test-sp`);
      assert.equal(response?.status(), 403);
      await page.getByRole('heading', { name: 'Sign-in refused' }).waitFor();
      // The refusal signs nobody out: back on the console the user is still signed in.
      await page.getByRole('link', { name: 'Back to applications' }).click();
      await page.getByRole('heading', { name: 'No applications yet' }).waitFor();
      assert.equal(await page.getByRole('button', { name: 'Log out' }).count(), 1);
      assert.match(await page.locator('header .who').innerText(), /Signed in as\s+otto/);
    });

  it('SP-initiated: the SP\'s login button leads to the login page and back to the SP',
    async () => {
      const page = userPage;
      await page.goto(`${service.url}/`);
      await page.getByRole('button', { name: 'Log out' }).click();
      await page.goto(sp.url);
      await page.getByRole('link', { name: 'Log in with SSO' }).click();
      await page.waitForURL(new RegExp(`^${service.url}/login\\?`));
      await signIn(page, member);
      const profile = await acceptedProfile(page, sp);
      assert.equal(profile.nameID, member.email);
      assert.match(String(profile.inResponseTo), /^_/, 'answers the SP\'s own request');
    });

  it('Directory Insights shows the sign-ins of the application, newest first', async () => {
    const page = adminPage;
    await page.goto(`${service.url}/admin/insights`);
    await page.getByLabel('Application').selectOption({ label: 'Test SP' });
    await page.getByRole('button', { name: 'Apply filters' }).click();
    const types = await page.locator('table.events tbody tr td:nth-child(2)').allInnerTexts();
    assert.deepEqual(types.filter((t) => t.startsWith('sso_')),
      ['sso_login_success', 'sso_login_denied', 'sso_login_success']);
    await screenshot(page, 'admin-insights');
  });
});
