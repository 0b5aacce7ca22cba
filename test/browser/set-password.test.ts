import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SYSTEM } from '../../src/insights/events.js';
import { adminLogin, screenshot, startBrowser, type TestBrowser } from '../support/browser.js';
import { startTestService, type TestService } from '../support/service.js';

describe('a set-password link, in Chromium', () => {
  let service: TestService;
  let admin: TestBrowser;
  let user: TestBrowser;
  let userId: string;

  before(async () => {
    service = await startTestService();
    userId = (await service.ctx.users.create({ username: 'imported.ivo',
      email: 'ivo@example.com' }, SYSTEM)).id;
    admin = await startBrowser();
    user = await startBrowser();
  });
  after(async () => {
    await admin?.close();
    await user?.close();
    await service.dispose();
  });

  it('is made on the user page, and lets the user set a password and sign in', async () => {
    const adminTab = await admin.newPage();
    await adminLogin(adminTab, service.url, service.adminPassword);
    await adminTab.goto(`${service.url}/admin/users/${userId}`);
    await adminTab.getByRole('button', { name: 'Create set-password link' }).click();
    const link = (await adminTab.locator('#password-link').textContent())!.trim();
    assert.match(link, /\/set-password\?token=/);

    // The user opens the link in a browser of their own.
    const page = await user.newPage();
    await page.goto(link);
    assert.match(await page.locator('h1').textContent() ?? '', /Set your password/);
    await page.getByLabel('New password').fill('ivo-chose-this-1');
    await page.getByLabel('Repeat the password').fill('ivo-chose-this-1');
    await page.getByRole('button', { name: 'Set password' }).click();
    await page.locator('#password-set').waitFor();
    await screenshot(page, 'set-password-done');
    await page.getByRole('link', { name: 'Sign in' }).click();
    await page.getByLabel('Username or email').fill('imported.ivo');
    await page.getByLabel('Password').fill('ivo-chose-this-1');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Applications', exact: true }).waitFor();

    // The link is spent: opening it again says so.
    await page.goto(link);
    assert.match(await page.locator('#link-refused').textContent() ?? '',
      /has been used already/);
    // The link was shown once, on the answer to the button; the user page never holds it.
    await adminTab.goto(`${service.url}/admin/users/${userId}`);
    assert.doesNotMatch(await adminTab.content(), /token=/);
  });
});
