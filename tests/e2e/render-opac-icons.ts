// Renders the WebOPAC's PNG icons (what Chrome needs to offer installing the OPAC) from its SVGs with
// the Chromium the browser tests use, so the committed PNGs can be reproduced after an SVG changes:
//   node --import tsx tests/e2e/render-opac-icons.ts
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { launchChromium } from './browser.ts';
import { root } from './web-build.ts';

const pub = join(root, 'web/public');
const icons = [
  { svg: 'opac-icon.svg', png: 'opac-icon-192.png', size: 192 },
  { svg: 'opac-icon.svg', png: 'opac-icon-512.png', size: 512 },
  // full-bleed, the glyph inside the safe circle: launchers cut it to their own shape
  { svg: 'opac-icon-maskable.svg', png: 'opac-icon-maskable-512.png', size: 512 },
];

const browser = await launchChromium();
try {
  for (const icon of icons) {
    const page = await browser.newPage({ viewport: { width: icon.size, height: icon.size } });
    const svg = readFileSync(join(pub, icon.svg), 'utf8').replace(
      '<svg ',
      `<svg width="${icon.size}" height="${icon.size}" `,
    );
    await page.setContent(`<html><body style="margin:0;background:transparent">${svg}</body></html>`);
    const png = await page.locator('svg').screenshot({ omitBackground: true });
    writeFileSync(join(pub, icon.png), png);
    await page.close();
    console.log(`${icon.png} ${icon.size}×${icon.size}`);
  }
} finally {
  await browser.close();
}
