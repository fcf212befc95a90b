// Headless Debian chromium for the browser tests, cut off from the network: no background
// services, and Chromium's own lookups (update and account services), which bypass page-level
// request routing, resolve nothing but the loopback address.
import { chromium } from 'playwright-core';

export const launchOfflineChromium = () => chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1', '--disable-domain-reliability', '--no-pings'],
});
