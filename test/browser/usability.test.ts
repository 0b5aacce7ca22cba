import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { SYSTEM } from '../../src/insights/events.js';
import { adminLogin, startBrowser, type TestBrowser } from '../support/browser.js';
import { makePerson, type Person, PERSON_PASSWORD } from '../support/directory.js';
import { startTestService, type TestService } from '../support/service.js';
import { startTestSp, type TestSp } from '../support/sp.js';

/** A phone's viewport width in CSS pixels. */
const PHONE_WIDTH = 390;

/** True when the page is wider than the window, i.e. it scrolls sideways. */
async function scrollsSideways(page: Page): Promise<boolean> {
  return page.evaluate(() => document.documentElement.scrollWidth
    > document.documentElement.clientWidth);
}

/** What has keyboard focus: its accessible text and whether a focus ring is drawn. */
async function focused(page: Page): Promise<{ text: string; ring: boolean }> {
  return page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    if (!el) return { text: '', ring: false };
    const style = getComputedStyle(el);
    const label = (el as HTMLInputElement).labels?.[0]?.innerText;
    return { text: (el.getAttribute('aria-label') || label || el.innerText || '').trim(),
      ring: el.matches(':focus-visible') && style.outlineStyle !== 'none'
        && parseFloat(style.outlineWidth) > 0 };
  });
}

/** Presses Tab until the focused element's text matches, at most `limit` times. */
async function tabTo(page: Page, pattern: RegExp, limit = 30): Promise<{ text: string;
  ring: boolean }> {
  for (let i = 0; i < limit; i += 1) {
    await page.keyboard.press('Tab');
    const now = await focused(page);
    if (pattern.test(now.text)) return now;
  }
  throw new Error(`no focusable element matching ${pattern} within ${limit} tabs`);
}

describe('the pages on a phone, by keyboard, and with both sessions, in Chromium', () => {
  let service: TestService;
  let browser: TestBrowser;
  let sp: TestSp;
  let member: Person;
  let appId: string;

  before(async () => {
    service = await startTestService();
    const group = await service.ctx.groups.create({ name: 'Field team' }, SYSTEM);
    member = await makePerson(service, 'kit', [group.id]);
    const app = await service.ctx.saml.createApplication({ connector: 'custom-saml',
      label: 'Field notes', customValue: 'field-notes', showInPortal: true,
      description: 'Notes from the field.\nSynced every hour.' }, SYSTEM);
    appId = app.id;
    await service.ctx.applications.bind(app.id, group.id, SYSTEM);
    sp = await startTestSp({ idpMetadataUrl: `${service.url}/saml2/field-notes/metadata` });
    await service.ctx.saml.updateSettings(app.id, { spEntityId: sp.entityId,
      acsUrls: [sp.acsUrl] }, SYSTEM);
    browser = await startBrowser();
  });
  after(async () => {
    await browser?.close();
    await sp?.stop();
    await service?.dispose();
  });

  it('signs in and opens a tile with the keyboard alone, focus always visible',
    async () => {
      const page = await browser.newPage();
      await page.goto(`${service.url}/login`);
      assert.deepEqual(await tabTo(page, /^Skip to content$/, 1),
        { text: 'Skip to content', ring: true });
      assert.equal((await tabTo(page, /^Username or email/)).ring, true);
      await page.keyboard.type(member.username);
      assert.equal((await tabTo(page, /^Password/)).ring, true);
      await page.keyboard.type(PERSON_PASSWORD);
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { name: 'Applications' }).waitFor();
      const tile = await tabTo(page, /Field notes/);
      assert.equal(tile.ring, true, 'the focused tile shows a focus ring');
      assert.match(tile.text, /Notes from the field\.\nSynced every hour\./,
        'the description keeps its line break');
      await page.keyboard.press('Enter');
      await page.waitForURL(sp.acsUrl);
      const profile = JSON.parse(await page.locator('body').innerText()) as { nameID?: string };
      assert.equal(profile.nameID, member.email);
      await page.close();
    });

  it('shows the user console and the main admin pages at phone width without sideways '
    + 'scrolling', async () => {
    const page = await browser.newPage();
    await page.setViewportSize({ width: PHONE_WIDTH, height: 844 });
    await page.goto(`${service.url}/`);
    await page.getByRole('link', { name: /Field notes/ }).waitFor();
    assert.equal(await scrollsSideways(page), false, 'user console');
    await adminLogin(page, service.url, service.adminPassword);
    for (const path of ['/admin/applications', `/admin/applications/${appId}/sso`,
      `/admin/applications/${appId}/groups`, '/admin/applications/new',
      '/admin/applications/new/details?connector=asana', '/admin/users', '/admin/users/new',
      '/admin/groups', '/admin/insights']) {
      await page.goto(`${service.url}${path}`);
      assert.equal(await scrollsSideways(page), false, path);
    }
    await page.getByRole('link', { name: 'Users' }).click();
    await page.getByRole('heading', { name: 'Users' }).waitFor();
    await page.getByRole('link', { name: 'kit' }).click();
    await page.getByRole('heading', { name: /kit/ }).waitFor();
    await page.close();
  });

  it('keeps the console and the admin portal signed in side by side', async () => {
    const consoleTab = await browser.newPage();
    const adminTab = await browser.newPage();
    await adminLogin(adminTab, service.url, service.adminPassword);
    await consoleTab.goto(`${service.url}/`);
    await consoleTab.getByRole('link', { name: /Field notes/ }).waitFor();

    await consoleTab.getByRole('button', { name: 'Log out' }).click();
    await consoleTab.getByText('You are signed out.').waitFor();
    await adminTab.reload();
    assert.match(await adminTab.locator('header .who').innerText(), /Signed in as\s+admin/);

    await consoleTab.getByLabel('Username or email').fill(member.username);
    await consoleTab.getByLabel('Password').fill(PERSON_PASSWORD);
    await consoleTab.getByRole('button', { name: 'Sign in' }).click();
    await consoleTab.getByRole('link', { name: /Field notes/ }).waitFor();
    await adminTab.getByRole('button', { name: 'Log out' }).click();
    await adminTab.getByText('You are logged out.').waitFor();
    await consoleTab.reload();
    await consoleTab.getByRole('link', { name: /Field notes/ }).waitFor();
    await adminTab.goto(`${service.url}/admin/users`);
    await adminTab.waitForURL(/\/admin\/login\?next=/);
    await Promise.all([consoleTab.close(), adminTab.close()]);
  });

  it('asks for confirmation before deactivating SSO', async () => {
    const page = await browser.newPage();
    await adminLogin(page, service.url, service.adminPassword);
    await page.goto(`${service.url}/admin/applications/${appId}/sso`);
    await page.getByRole('button', { name: 'Deactivate SSO' }).click();
    await page.getByRole('alert').filter({ hasText: 'tick the confirmation box' }).waitFor();
    assert.equal((await service.ctx.applications.get(appId)).ssoActive, true);
    await page.getByLabel('Yes, stop every sign-in to Field notes').check();
    await page.getByRole('button', { name: 'Deactivate SSO' }).click();
    await page.getByRole('status').filter({ hasText: 'SSO for Field notes was deactivated.' })
      .waitFor();
    assert.equal((await service.ctx.applications.get(appId)).ssoActive, false);
    await page.getByRole('button', { name: 'Activate SSO' }).click();
    await page.getByRole('status').filter({ hasText: 'was activated' }).waitFor();
    assert.equal((await service.ctx.applications.get(appId)).ssoActive, true);
    await page.close();
  });

  it('shows a taken email under the email field, with what was typed kept', async () => {
    const page = await browser.newPage();
    await adminLogin(page, service.url, service.adminPassword);
    await page.goto(`${service.url}/admin/users/new`);
    await page.getByLabel('Username').fill('kit2');
    await page.getByLabel('Company email').fill('KIT@example.com');
    await page.getByRole('button', { name: 'Create user' }).click();
    const email = page.getByLabel('Company email');
    await page.getByText('Already taken (letter case is ignored)').waitFor();
    assert.equal(await email.getAttribute('aria-invalid'), 'true');
    assert.match(await page.locator(`#${await email.getAttribute('aria-describedby')
      .then((ids) => ids!.split(' ').pop())}`).innerText(), /Already taken/);
    assert.equal(await page.getByLabel('Username').getAttribute('aria-invalid'), null);
    assert.equal(await page.getByLabel('Username').inputValue(), 'kit2');
    await page.close();
  });
});
