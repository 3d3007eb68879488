// tests/e2e — staff patron management in Chromium: register with the duplicate warning, the patron
// page (minimal first, full record on request), an alert that the counter then shows, 登録内容の変更
// with a field error, and a temporary password that the patron then uses in My Library.
// Skipped when /usr/bin/chromium is absent. Run alone: npx vitest run tests/e2e/patrons.test.ts
import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { operationLog, patrons, tenants } from '../../cloud/src/db/schema/index.ts';
import { haveChromium } from './browser.ts';
import { staffSuite } from './staff-suite.ts';

const TENANT = 'e2epat';

describe.skipIf(!haveChromium)('patron management 利用者 (Chromium)', () => {
  const suite = staffSuite(TENANT);

  it('lets a librarian add a residency kind (a neighbouring town) in the settings, as data', async () => {
    const page = await suite.loggedIn('librarian');
    await page.getByRole('navigation').first().getByRole('link', { name: '設定' }).click();
    await page.getByRole('heading', { level: 2, name: '利用者登録の設定' }).waitFor();
    await page.getByLabel('コード', { exact: true }).fill('yonaguni');
    await page.getByLabel('名称(日本語)', { exact: true }).fill('与那国町(広域利用)');
    await page.getByLabel('名称(英語)', { exact: true }).fill('Yonaguni (regional use)');
    await page.getByRole('button', { name: '住所区分を追加' }).click();
    const residencies = page.locator('section[aria-labelledby="registration-settings-title"] table');
    await expect.poll(() => residencies.textContent()).toContain('与那国町(広域利用)');
    const [tenant] = await suite.database.db.select().from(tenants).where(eq(tenants.code, TENANT));
    const saved = tenant!.settings.patronRegistration as { residencies: { code: string }[] };
    expect(saved.residencies.map((r) => r.code)).toEqual(['resident', 'worker', 'student', 'yonaguni']);

    // 利用者区分: the four defaults are listed, and a librarian adds one
    await page.getByRole('heading', { level: 2, name: '利用者区分の設定' }).waitFor();
    await page.getByLabel('区分コード', { exact: true }).fill('senior');
    await page.getByLabel('区分名(日本語)', { exact: true }).fill('高齢者施設');
    await page.getByLabel('区分名(英語)', { exact: true }).fill('Care home');
    await page.getByRole('button', { name: '利用者区分を追加' }).click();
    const categories = page.locator('section[aria-labelledby="category-settings-title"] table');
    await expect.poll(() => categories.textContent()).toContain('高齢者施設');
    expect(await categories.textContent()).toContain('中高生');
    const [added] = await suite.database.db
      .select()
      .from(operationLog)
      .where(eq(operationLog.action, 'settings.patronCategory.add'));
    expect(added!.details).toEqual({ code: 'senior' });
    // and renames 中高生, its code staying
    await page.getByLabel('区分名(日本語) (youth)', { exact: true }).fill('中学・高校生');
    await page.getByRole('button', { name: '名称変更: youth' }).click();
    await expect.poll(() => categories.textContent()).toContain('中学・高校生');
  });

  it('lists the registrations past their expiry with the status filter', async () => {
    const page = await suite.loggedIn('counter');
    await page.getByRole('navigation').first().getByRole('link', { name: '利用者' }).click();
    await page.getByLabel('状態').selectOption({ label: '期限切れ' });
    await page.getByRole('button', { name: '検索', exact: true }).click();
    await expect.poll(() => page.url()).toContain('status=expired');
    const rows = page.locator('main tbody tr');
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain('利用者 expired');
    expect(await rows.first().textContent()).toContain('期限切れ');
    await page.context().close();
  });

  it('registers a patron after confirming the duplicate warning, logs the full view, and the counter shows the alert', async () => {
    const page = await suite.loggedIn('librarian');
    await page.getByRole('navigation').first().getByRole('link', { name: '利用者' }).click();
    await page.getByRole('link', { name: '新規登録' }).click();
    await page.getByRole('heading', { level: 1, name: '利用者登録' }).waitFor();
    // the fixture's patrons share this reading and birth date: the core warns before registering
    await page.getByLabel('氏名').fill('利用者 新規');
    await page.getByLabel('ヨミ(カタカナ)').fill('りようしゃ');
    await page.getByLabel('生年月日').fill('1990-05-05');
    await page.getByLabel('新しいカード番号').fill('31000001');
    await page.getByRole('button', { name: '登録する' }).click();
    const warning = page.getByRole('alert');
    await expect.poll(() => warning.textContent()).toContain('同じ方がすでに登録されている可能性があります');
    expect(await warning.textContent()).toContain('利用者 alice');
    await page.getByRole('button', { name: '別人であることを確認して登録' }).click();
    await page.getByRole('heading', { level: 1, name: '利用者情報' }).waitFor();
    const [created] = await suite.database.db.select().from(patrons).where(eq(patrons.name, '利用者 新規'));
    expect(created!.nameReading).toBe('リヨウシャ');

    // minimal first: no birth date on screen until the full record is asked for (and logged)
    await expect.poll(() => page.locator('main').textContent()).toContain('31000001');
    expect(await page.locator('main').textContent()).not.toContain('1990-05-05');
    await page.getByRole('button', { name: '全情報を表示(記録されます)' }).click();
    await expect.poll(() => page.locator('main').textContent()).toContain('1990-05-05');
    const views = await suite.database.db
      .select()
      .from(operationLog)
      .where(and(eq(operationLog.targetId, created!.id), eq(operationLog.action, 'patron.viewFull')));
    expect(views).toHaveLength(1);

    // an alert for the counter
    await page.getByLabel('内容').fill('保護者の同伴が必要です');
    await page.getByRole('button', { name: '追加' }).click();
    await expect.poll(() => page.locator('.patron-alerts').textContent()).toContain('保護者の同伴が必要です');

    const desk = await suite.loggedIn('counter');
    await desk.getByRole('navigation').first().getByRole('link', { name: '貸出・返却' }).click();
    await desk.getByRole('heading', { level: 1, name: '貸出・返却' }).waitFor();
    // a wedge scanner types into whatever has focus: wait until the scan field has it
    await expect
      .poll(() => desk.evaluate<string>('document.activeElement?.id ?? ""'), { timeout: 10_000 })
      .toBe('counter-scan');
    await expect.poll(() => desk.getByLabel('この端末の場所').inputValue(), { timeout: 10_000 }).not.toBe('');
    await desk.keyboard.type('31000001');
    await desk.keyboard.press('Enter');
    const panel = desk.getByRole('complementary', { name: /利用者/ });
    await expect.poll(() => panel.textContent()).toContain('注意事項: 保護者の同伴が必要です');

    // the quiet buttons each run one request and say what came of it: renew, then close the alert
    await page.getByRole('button', { name: '登録更新' }).click();
    await expect.poll(() => page.getByRole('status').first().textContent()).toContain('登録を更新しました');
    await page.getByRole('button', { name: '終了' }).click();
    await expect.poll(() => page.locator('.patron-alerts').count()).toBe(0);
    expect(await page.getByRole('status').first().textContent()).toBe('完了しました。');
  });

  it('edits a registration: a bad phone number is refused beside the field, a good one is saved and logged', async () => {
    const page = await suite.loggedIn('librarian');
    const id = suite.lib.patronIds.alice!;
    await page.goto(`${suite.base}/patrons/${id}`);
    await page.getByRole('heading', { level: 1, name: '利用者情報' }).waitFor();
    await page.getByRole('button', { name: '登録内容を変更' }).click();
    const form = page.getByRole('region', { name: '登録内容の変更' });
    await expect.poll(() => form.getByLabel('氏名').inputValue()).toBe('利用者 alice');

    await form.getByLabel('電話番号').fill('call me');
    await form.getByRole('button', { name: '変更を保存' }).click();
    await expect.poll(() => form.getByLabel('電話番号').getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#edit-phone-issue').textContent()).toBeTruthy();

    await form.getByLabel('電話番号').fill('0980-82-1111');
    await form.getByRole('button', { name: '変更を保存' }).click();
    await expect
      .poll(() => page.getByRole('status').first().textContent())
      .toBe('登録内容を変更しました(1項目)。');
    await expect.poll(() => page.locator('main').textContent()).toContain('0980-82-1111');

    // a new address that others with the same reading and birth date may share: warned, then confirmed
    await page.getByRole('button', { name: '登録内容を変更' }).click();
    await form.getByLabel('住所', { exact: true }).fill('石垣市登野城1-2-3');
    await form.getByRole('button', { name: '変更を保存' }).click();
    const warning = form.getByRole('alert');
    await expect.poll(() => warning.textContent()).toContain('同じ方がすでに登録されている可能性があります');
    expect(await warning.textContent()).toContain('利用者 bob');
    expect(await warning.textContent()).not.toContain('利用者 alice');
    await warning.getByRole('button', { name: '別人であることを確認して保存' }).click();
    await expect
      .poll(() => page.getByRole('status').first().textContent())
      .toBe('登録内容を変更しました(1項目)。');
    const [saved] = await suite.database.db.select().from(patrons).where(eq(patrons.id, id));
    expect(saved!.phone).toBe('0980-82-1111');
    expect(saved!.address).toBe('石垣市登野城1-2-3');
    const updates = await suite.database.db
      .select()
      .from(operationLog)
      .where(and(eq(operationLog.targetId, id), eq(operationLog.action, 'patron.update')));
    expect(updates.map((u) => u.details)).toEqual([{ fields: ['phone'] }, { fields: ['address'] }]);
    expect(JSON.stringify(updates)).not.toMatch(/0980-82-1111|登野城/);
    await page.context().close();
  });

  it('issues a temporary password once; the patron logs in to My Library with it and must change it first', async () => {
    const desk = await suite.loggedIn('counter');
    const id = suite.lib.patronIds.bob!;
    await desk.goto(`${suite.base}/patrons/${id}`);
    await desk.getByRole('heading', { level: 1, name: '利用者情報' }).waitFor();
    await expect.poll(() => desk.locator('main').textContent()).toContain(suite.lib.cards.bob!);
    expect(await desk.getByRole('button', { name: '仮パスワードを発行' }).count()).toBe(0);
    await desk.context().close();

    const page = await suite.loggedIn('librarian');
    await page.goto(`${suite.base}/patrons/${id}`);
    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: '仮パスワードを発行' }).click();
    const box = page.getByRole('region', { name: /この画面を閉じると再表示できません/ });
    await box.waitFor();
    const temporary = (await box.locator('output').textContent())!.trim();
    expect(temporary.length).toBeGreaterThanOrEqual(8);
    const [row] = await suite.database.db.select().from(patrons).where(eq(patrons.id, id));
    expect(row!.passwordMustChange).toBe(true);
    const issued = await suite.database.db
      .select()
      .from(operationLog)
      .where(and(eq(operationLog.targetId, id), eq(operationLog.action, 'patron.issuePassword')));
    expect(issued).toHaveLength(1);
    expect(JSON.stringify(issued)).not.toContain(temporary);
    // closed, it is gone from the page
    await box.getByRole('button', { name: '閉じる' }).click();
    expect(await page.locator('main').textContent()).not.toContain(temporary);
    await page.context().close();

    const context = await suite.browser.newContext({ locale: 'ja-JP' });
    const opac = await context.newPage();
    opac.setDefaultTimeout(15_000);
    await opac.goto(`${suite.base}/opac/login`);
    await opac.getByLabel('利用者カードの番号').fill(suite.lib.cards.bob!);
    await opac.getByLabel('パスワード').fill(temporary);
    await opac.getByRole('button', { name: 'ログイン', exact: true }).click();
    await opac.getByRole('heading', { level: 1, name: 'パスワードを変える' }).waitFor();
    expect(await opac.locator('main').textContent()).toContain('仮のパスワードです');
    await opac.getByLabel('今のパスワード').fill(temporary);
    await opac.getByLabel('新しいパスワード(8文字以上)').fill('bob-own-pass-42');
    await opac.getByRole('button', { name: '変更する' }).click();
    await expect
      .poll(() => opac.getByRole('status').first().textContent())
      .toContain('パスワードを変えました。');
    const [after] = await suite.database.db.select().from(patrons).where(eq(patrons.id, id));
    expect(after!.passwordMustChange).toBe(false);
    await context.close();
  });
});
