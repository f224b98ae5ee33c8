// Headless Chromium for the browser tests: Debian's `chromium` (browsers cannot be
// downloaded by test tools here), driven by playwright-core.

import { existsSync } from 'node:fs';

import { chromium } from 'playwright-core';

/** FOGBANK_SKIP_BROWSER=1 skips the browser tests on a machine without Chromium. */
export const skipBrowser = process.env.FOGBANK_SKIP_BROWSER === '1';

/** $CHROMIUM, else the usual install paths; throws with what to do when none is found. */
export function chromiumPath() {
  const candidates = [
    process.env.CHROMIUM,
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
    '/usr/bin/google-chrome',
    '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  ].filter(Boolean);
  const found = candidates.find((p) => existsSync(p));
  if (!found) {
    throw new Error(
      'no Chromium found: install it (Debian: apt-get install chromium), set $CHROMIUM, ' +
        'or set FOGBANK_SKIP_BROWSER=1 to skip the browser tests',
    );
  }
  return found;
}

/** Launches headless Chromium with `extraArgs` after the flags every test wants. */
export function launchChromium(extraArgs = []) {
  return chromium.launch({
    executablePath: chromiumPath(),
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...extraArgs,
    ],
  });
}
