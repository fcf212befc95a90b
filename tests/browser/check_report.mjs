// Open a custseg HTML report in headless Chromium with the network cut off and
// check it is self-contained and error-free.
//
// usage: node tests/browser/check_report.mjs REPORT.html SCREENSHOT.png [--mobile-screenshot MOBILE.png]
//
// Prints one JSON line and exits 1 if the page requested anything but itself
// (or data:/blob:/about: URLs), logged a console error, or threw; 2 on misuse
// or if the check itself broke (missing file, browser failed to start...).
import { launchOfflineChromium } from './offline_chromium.mjs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

process.on('uncaughtException', (err) => { console.error(`check_report: ${err.message}`); process.exit(2); });

const args = process.argv.slice(2);
const mi = args.indexOf('--mobile-screenshot');
const mobileShot = mi >= 0 ? args.splice(mi, 2)[1] : null;
if (args.length !== 2 || (mi >= 0 && !mobileShot)) {
  console.error('usage: node check_report.mjs REPORT.html SCREENSHOT.png [--mobile-screenshot MOBILE.png]');
  process.exit(2);
}
const [report, shot] = args;
const reportUrl = pathToFileURL(resolve(report)).href;

const summary = { requests_blocked: [], console_errors: [], page_errors: [], title: '', height: 0, console_warnings: [] };
const allowed = (url) => {
  const u = new URL(url);
  if (['data:', 'blob:', 'about:'].includes(u.protocol)) return true;
  u.hash = '';
  return u.protocol === 'file:' && u.href === reportUrl; // only the report itself
};

const bodyHeight = (page) => page.evaluate(() => Math.ceil(document.body.getBoundingClientRect().height));

const browser = await launchOfflineChromium();
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  // Every request goes through here: nothing leaves the machine.
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (allowed(url)) return route.continue();
    summary.requests_blocked.push(url);
    return route.abort('blockedbyclient');
  });
  // Web sockets bypass page.route; refuse them too.
  await context.routeWebSocket(/.*/, (ws) => { summary.requests_blocked.push(ws.url()); ws.close(); });

  const page = await context.newPage();
  page.on('console', (msg) => {
    const text = `${msg.text()} @ ${msg.location().url || '?'}:${msg.location().lineNumber}`;
    if (msg.type() === 'error') summary.console_errors.push(text);
    else if (msg.type() === 'warning') summary.console_warnings.push(text);
  });
  page.on('pageerror', (err) => summary.page_errors.push(String(err.message || err)));

  await page.goto(reportUrl, { waitUntil: 'load', timeout: 30_000 });
  summary.title = await page.title();
  summary.height = await bodyHeight(page);
  await page.screenshot({ path: shot, fullPage: true });

  if (mobileShot) {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload({ waitUntil: 'load' }); // let layout-on-load scripts see the narrow viewport
    summary.mobile_height = await bodyHeight(page);
    summary.mobile_width = await page.evaluate(() => document.documentElement.scrollWidth); // > 390: sideways scrolling
    await page.screenshot({ path: mobileShot, fullPage: true });
    await page.setViewportSize({ width: 1280, height: 800 });
  }

  await page.emulateMedia({ media: 'print' });
  summary.print_height = await bodyHeight(page);
  if (!(summary.print_height > 0)) summary.page_errors.push('print media: body has zero height');
} finally {
  await browser.close();
}

for (const k of ['requests_blocked', 'console_errors', 'page_errors', 'console_warnings']) summary[k] = [...new Set(summary[k])]; // the mobile reload repeats them
console.log(JSON.stringify(summary));
const failed = summary.requests_blocked.length || summary.console_errors.length || summary.page_errors.length
  || !(summary.height > 0); // an empty page is a failure too
process.exit(failed ? 1 : 0);
