import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { adminLogin, screenshot, startBrowser, type TestBrowser } from '../support/browser.js';
import { type Demo, startDemo } from '../support/demo/demo.js';

/** Reloads the page until `cell` shows `text` (provisioning is asynchronous). */
async function reloadUntil(page: Page, cell: string, text: string): Promise<void> {
  for (let i = 0; i < 100; i += 1) {
    const shown = await page.locator(cell).textContent().catch(() => null);
    if (shown?.trim() === text) return;
    await page.waitForTimeout(200);
    await page.reload();
  }
  assert.fail(`${cell} never showed "${text}"`);
}

describe('the demo, in a browser', () => {
  let demo: Demo;
  let browser: TestBrowser;

  before(async () => {
    demo = await startDemo({ port: 0, logLevel: 'silent' });
    browser = await startBrowser();
  });
  after(async () => {
    await browser?.close();
    await demo?.stop();
  });

  it('signs in through the sample application\'s login button and shows the assertion',
    async () => {
      const ada = demo.users.find((u) => u.username.startsWith('ada'))!;
      const page = await browser.newPage();
      await page.goto(demo.sampleAppUrl);
      await page.getByRole('button', { name: 'Log in with SSO' }).click();
      await page.waitForURL((url) => url.href.startsWith(demo.serviceUrl));
      await page.getByLabel('Username or email').fill(ada.username);
      await page.getByLabel('Password').fill(ada.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(`${demo.sampleAppUrl}/`);
      assert.equal(await page.locator('#name-id').textContent(), 'ada@example.com');
      const attributes = await page.locator('#attributes').textContent();
      assert.match(attributes ?? '', /firstName\s*Ada/);
      assert.match(attributes ?? '', /jobTitle\s*Engineer/);
      await reloadUntil(page, '[data-field="name"]', 'Ada Lovelace');
      await screenshot(page, 'demo-sample-app-signed-in');
    });

  it('shows a rename made in the admin portal in the application\'s account', async () => {
    const admin = await browser.newPage();
    await adminLogin(admin, demo.serviceUrl, demo.admin.password);
    await admin.goto(`${demo.serviceUrl}/admin/users`);
    await admin.getByRole('link', { name: 'ada@example.com' }).click();
    await admin.getByLabel('First name').fill('Augusta');
    await admin.getByLabel('Display name').fill('Augusta Lovelace');
    await admin.getByRole('button', { name: 'Save properties' }).click();
    await admin.waitForLoadState();

    const app = await browser.newPage();
    await app.goto(demo.sampleAppUrl);
    await reloadUntil(app, '[data-field="name"]', 'Augusta Lovelace');
    assert.equal((await app.locator('[data-field="displayName"]').textContent())?.trim(),
      'Augusta Lovelace');
    const account = demo.scim.users().find((u) => u.userName === 'ada@example.com');
    assert.equal(account?.name?.givenName, 'Augusta');
    await screenshot(app, 'demo-sample-app-after-rename');
  });

  it('opens the sample application from the user console\'s tile', async () => {
    const grace = demo.users.find((u) => u.username.startsWith('grace'))!;
    // A browser of its own: no session of the earlier tests comes along.
    const own = await startBrowser();
    try {
      const page = await own.newPage();
      await page.goto(`${demo.serviceUrl}/`);
      await page.getByLabel('Username or email').fill(grace.username);
      await page.getByLabel('Password').fill(grace.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('link', { name: /Sample App/ }).click();
      await page.waitForURL(`${demo.sampleAppUrl}/`);
      assert.equal(await page.locator('#name-id').textContent(), 'grace@example.com');
    } finally {
      await own.close();
    }
  });
});
