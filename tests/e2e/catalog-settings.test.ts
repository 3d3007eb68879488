// tests/e2e — 請求記号の規則 in Chromium: the preview box asks the core what the rules give; a librarian
// edits the general rule (two-kana author mark) and the preview changes; the change is saved and logged.
// Skipped when /usr/bin/chromium is absent. Run alone: npx vitest run tests/e2e/catalog-settings.test.ts
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { operationLog, tenants } from '../../cloud/src/db/schema/index.ts';
import { haveChromium } from './browser.ts';
import { staffSuite } from './staff-suite.ts';

const TENANT = 'e2ecallno';

describe.skipIf(!haveChromium)('catalogue settings 請求記号の規則 (Chromium)', () => {
  const suite = staffSuite(TENANT);

  it('edits a call-number rule and sees the preview change', async () => {
    const page = await suite.loggedIn('librarian');
    await page.getByRole('navigation').first().getByRole('link', { name: '設定' }).click();
    const section = page.locator('section[aria-labelledby="callno-settings-title"]');
    await section.getByRole('heading', { level: 2, name: '請求記号の規則' }).waitFor();

    const preview = section.getByRole('group', { name: '試してみる' });
    await preview.getByLabel('NDC分類').fill('913.6');
    await preview.getByLabel('著者ヨミ').fill('たかはし きよし');
    await preview.getByLabel('巻次').fill('上');
    const output = preview.locator('output');
    await expect.poll(() => output.textContent()).toBe('913.6/タ/上');

    // the first rule opens too; cancel leaves it as it was
    await section.getByRole('button', { name: '編集: 絵本' }).click();
    const first = section.getByRole('form', { name: '規則「絵本」の編集' });
    expect(await first.getByLabel('分類記号', { exact: true }).inputValue()).toBe('E');
    await first.getByRole('button', { name: 'やめる' }).click();
    await expect.poll(() => first.count()).toBe(0);

    await section.getByRole('button', { name: '編集: 一般' }).click();
    const form = section.getByRole('form', { name: '規則「一般」の編集' });
    await form.getByLabel('著者記号の文字数').fill('2');
    await form.getByLabel('巻冊記号を付ける').uncheck();
    await form.getByRole('button', { name: '規則を保存' }).click();
    await expect.poll(() => output.textContent()).toBe('913.6/タカ');
    expect(await section.locator('table').textContent()).toContain('著者ヨミ×2');

    const [tenant] = await suite.database.db.select().from(tenants).where(eq(tenants.code, TENANT));
    const saved = tenant!.settings.callNumbers as {
      rules: { name?: string; markLength: number; volume: boolean }[];
    };
    expect(saved.rules.find((r) => r.name === '一般')).toMatchObject({ markLength: 2, volume: false });
    const [entry] = await suite.database.db
      .select()
      .from(operationLog)
      .where(eq(operationLog.action, 'settings.callNumbers'));
    expect(entry!.details).toMatchObject({ before: 'default' });

    // a bad NDC condition is refused beside its field, nothing saved
    await section.getByRole('button', { name: '編集: 一般' }).click();
    await form.getByLabel(/条件: NDC/).fill('91x');
    await form.getByRole('button', { name: '規則を保存' }).click();
    await expect.poll(() => form.locator('.field-issue').count()).toBe(1);
    expect(await form.getByLabel(/条件: NDC/).getAttribute('aria-invalid')).toBe('true');

    // ↓ moves a rule down the order (the first cannot go up), and it can go back up
    const firstRule = () => section.locator('tbody tr').first().locator('td').nth(1).textContent();
    expect(await firstRule()).toBe('絵本');
    expect(await section.getByRole('button', { name: '絵本を上へ' }).isDisabled()).toBe(true);
    await section.getByRole('button', { name: '絵本を下へ' }).click();
    await expect.poll(firstRule).not.toBe('絵本');
    await expect.poll(() => section.getByRole('button', { name: '絵本を上へ' }).isDisabled()).toBe(false);
    await section.getByRole('button', { name: '絵本を上へ' }).click();
    await expect.poll(firstRule).toBe('絵本');
    await page.context().close();
  });

  it('overrides one MARC mapping field, refused first beside the tag, then back to the default; sets pool retention', async () => {
    const page = await suite.loggedIn('librarian');
    await page.getByRole('navigation').first().getByRole('link', { name: '設定' }).click();
    const section = page.locator('section[aria-labelledby="marc-mapping-settings-title"]');
    const titleRow = section.locator('tr', { hasText: '(title)' });
    await expect.poll(() => titleRow.textContent()).toContain('既定');

    await section.getByRole('button', { name: '編集: title' }).click();
    const form = section.getByRole('form', { name: '書名 (title) のマッピング' });
    await form.getByLabel('タグ(3桁) (1)').fill('24');
    await form.getByRole('button', { name: 'マッピングを保存' }).click();
    await expect.poll(() => form.getByLabel('タグ(3桁) (1)').getAttribute('aria-invalid')).toBe('true');
    await form.getByLabel('タグ(3桁) (1)').fill('246');
    await form.getByLabel('ヨミのサブフィールド (1)').fill('');
    await form.getByRole('button', { name: 'マッピングを保存' }).click();
    await expect.poll(() => titleRow.textContent()).toContain('この館');
    expect(await titleRow.textContent()).toContain('246 $a');
    const settingsNow = async () =>
      (await suite.database.db.select().from(tenants).where(eq(tenants.code, TENANT)))[0]!.settings;
    const mapping = (await settingsNow()).marcMapping as { trc: { fields: { title: { tag: string }[] } } };
    expect(mapping.trc.fields.title[0]!.tag).toBe('246');

    await section.getByRole('button', { name: '既定に戻す: title' }).click();
    // (the row's own 既定に戻す button says 既定 too: wait for the library's override to go instead)
    await expect.poll(() => titleRow.textContent()).not.toContain('この館');
    await expect.poll(async () => (await settingsNow()).marcMapping).toBeUndefined();

    const pool = page.locator('section[aria-labelledby="marc-pool-settings-title"]');
    await pool.getByLabel('採用されないレコードを残す日数').fill('30');
    await pool.getByRole('button', { name: 'プールの設定を保存' }).click();
    await pool.getByRole('status').waitFor();
    expect((await settingsNow()).marcPool).toEqual({
      barcodeField: '852$p',
      mapping: 'trc',
      retentionDays: 30,
    });
    await page.context().close();
  });
});
