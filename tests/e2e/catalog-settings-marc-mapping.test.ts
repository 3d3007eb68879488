// tests/e2e — the MARCマッピング editor in Chromium: a rule's 詳細 (condition, prefix …) is edited
// with the keyboard-reachable disclosure, an invalid regular expression is refused beside its box,
// a rule is added and moved up, the whole mapping's encoding is set; all kept after a reload.
// Skipped when /usr/bin/chromium is absent. Run alone:
// npx vitest run tests/e2e/catalog-settings-marc-mapping.test.ts
import { eq } from 'drizzle-orm';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { operationLog, tenants } from '../../cloud/src/db/schema/index.ts';
import { axeViolations, haveChromium } from './browser.ts';
import { staffSuite } from './staff-suite.ts';

const TENANT = 'e2emarcmap';
/** 200 $a carries the title after "TRC:"; 245 has another */
const RECORD = `<record xmlns="http://www.loc.gov/MARC21/slim"><leader>00000nam a2200000 i 4500</leader>
<datafield tag="200" ind1=" " ind2=" "><subfield code="a">TRC:試しの書名</subfield></datafield>
<datafield tag="245" ind1="0" ind2="0"><subfield code="a">本の書名</subfield></datafield></record>`;

describe.skipIf(!haveChromium)('MARCマッピング editor (Chromium)', () => {
  const suite = staffSuite(TENANT);
  const settingsNow = async () =>
    (await suite.database.db.select().from(tenants).where(eq(tenants.code, TENANT)))[0]!.settings;
  const focusedId = (page: Page) => page.evaluate<string>('document.activeElement?.id ?? ""');
  const openSettings = async (page: Page) => {
    await page.getByRole('navigation').first().getByRole('link', { name: '設定' }).click();
    const section = page.locator('section[aria-labelledby="marc-mapping-settings-title"]');
    await section.getByRole('heading', { level: 2, name: 'MARCマッピング' }).waitFor();
    return section;
  };

  it('edits a rule’s condition and prefix, refusing a bad regular expression beside it; kept after a reload', async () => {
    const page = await suite.loggedIn('librarian');
    let section = await openSettings(page);
    await section.getByRole('button', { name: '編集: title' }).click();
    let form = section.getByRole('form', { name: '書名 (title) のマッピング' });
    expect(await form.textContent()).toContain('値の取れた最初の規則が使われます');

    // the first rule's 詳細 is closed until its button (a real button: Enter opens it) is pressed
    const details1 = form.getByRole('button', { name: '詳細 (規則 1)' });
    expect(await details1.getAttribute('aria-expanded')).toBe('false');
    expect(await form.getByLabel('条件(正規表現) (1)').isVisible()).toBe(false);
    await details1.focus();
    await page.keyboard.press('Enter');
    expect(await details1.getAttribute('aria-expanded')).toBe('true');
    await form.getByLabel('条件のサブフィールド (1)').fill('a');
    await form.getByLabel('条件(正規表現) (1)').fill('([');
    await form.getByRole('button', { name: 'マッピングを保存' }).click();
    const pattern = form.getByLabel('条件(正規表現) (1)');
    await expect.poll(() => pattern.getAttribute('aria-invalid')).toBe('true');
    expect(await form.locator('#marc-rule-0-whenPattern-issue').textContent()).toBe(
      'not a valid regular expression',
    );
    expect(await pattern.getAttribute('aria-describedby')).toBe('marc-rule-0-whenPattern-issue');
    expect((await settingsNow()).marcMapping).toBeUndefined();

    await pattern.fill('^[^（]');
    // a new rule from 200 $a kept only when it starts with "TRC:", moved to the top
    await form.getByRole('button', { name: '規則を追加' }).click();
    await expect.poll(() => focusedId(page)).toBe('marc-rule-2-tag');
    await page.keyboard.type('200');
    await form.getByLabel('サブフィールド (3)', { exact: true }).fill('a');
    await form.getByRole('button', { name: '詳細 (規則 3)' }).click();
    await form.getByLabel('先頭の文字で絞る (3)').fill('TRC:');
    await form.getByRole('button', { name: '規則 3 を上へ' }).click();
    await form.getByRole('button', { name: '規則 2 を上へ' }).click();
    expect(await form.getByLabel('タグ(3桁) (1)').inputValue()).toBe('200');
    expect(await form.getByLabel('先頭の文字で絞る (1)').inputValue()).toBe('TRC:');
    expect(await form.getByLabel('条件(正規表現) (2)').inputValue()).toBe('^[^（]');
    // focus followed the rule up to the top, where its ↑ is disabled: on its ↓ now
    expect(await focusedId(page)).toBe('marc-rule-0-down');
    // the refusal named rule 1's box by number: moving rules drops it rather than misplace it
    expect(await form.locator('.field-issue').count()).toBe(0);

    // 試してみる maps a pasted record through the rules as edited, before they are saved
    const tryIt = section.getByRole('form', { name: '試してみる' });
    await tryIt.getByLabel('MARC レコード(MARCXML または ISO 2709)').fill(RECORD);
    await tryIt.getByRole('button', { name: 'この設定で試す' }).click();
    const titleCell = tryIt.locator('tr', { has: page.locator('th', { hasText: /^title$/ }) }).locator('td');
    await expect.poll(() => titleCell.textContent()).toBe('試しの書名');
    expect(await axeViolations(page)).toEqual([]);
    await form.getByRole('button', { name: 'マッピングを保存' }).click();
    const titleRow = section.locator('tr', { hasText: '(title)' });
    await expect.poll(() => titleRow.textContent()).toContain('この館');
    expect(await titleRow.textContent()).toContain('200 $a prefix "TRC:"');

    const saved = (await settingsNow()).marcMapping as { trc: { fields: { title: unknown[] } } };
    expect(saved.trc.fields.title).toEqual([
      { tag: '200', subfields: 'a', prefix: 'TRC:' },
      { tag: '251', subfields: 'a', readingSubfields: 'd', when: { subfield: 'a', pattern: '^[^（]' } },
      { tag: '245', subfields: 'abnp' },
    ]);
    const logged = await suite.database.db
      .select()
      .from(operationLog)
      .where(eq(operationLog.action, 'settings.marcMapping'));
    expect(logged).toHaveLength(1);

    await page.reload();
    section = await openSettings(page);
    await section.getByRole('button', { name: '編集: title' }).click();
    form = section.getByRole('form', { name: '書名 (title) のマッピング' });
    // rules that use 詳細 properties show them open
    expect(await form.getByRole('button', { name: '詳細 (規則 1)' }).getAttribute('aria-expanded')).toBe(
      'true',
    );
    expect(await form.getByLabel('先頭の文字で絞る (1)').inputValue()).toBe('TRC:');
    expect(await form.getByLabel('条件(正規表現) (2)').inputValue()).toBe('^[^（]');
    expect(await form.getByRole('button', { name: '詳細 (規則 3)' }).getAttribute('aria-expanded')).toBe(
      'false',
    );
    await page.context().close();
  });

  it('sets the whole mapping’s encoding and record source, kept after a reload', async () => {
    const page = await suite.loggedIn('librarian');
    let section = await openSettings(page);
    const level = section.getByRole('form', { name: 'trc 全体の設定' });
    expect(await level.getByLabel('レコード番号の発行元').inputValue()).toBe('TRC');
    await level.getByLabel('文字コード').selectOption('shift_jis');
    await level.getByLabel('ヨミの 880 の文字種コード').fill('$1');
    await level.getByRole('button', { name: '全体の設定を保存' }).click();
    await level.getByRole('status').waitFor();
    const trc = ((await settingsNow()).marcMapping as { trc: Record<string, unknown> }).trc;
    expect(trc).toMatchObject({ encoding: 'shift_jis', readingScript: '$1' });
    expect(trc).not.toHaveProperty('sourceOrg'); // the default's, not copied into the override

    await page.reload();
    section = await openSettings(page);
    const again = section.getByRole('form', { name: 'trc 全体の設定' });
    expect(await again.getByLabel('文字コード').inputValue()).toBe('shift_jis');
    expect(await again.getByLabel('ヨミの 880 の文字種コード').inputValue()).toBe('$1');
    await page.context().close();
  });
});
