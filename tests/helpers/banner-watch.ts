import type { Page } from 'playwright-core';

/**
 * Records what changes in the embed banner's shadow root from now on (text a screen reader would read again):
 * one line per mutation, read back with `bannerChanges`.
 */
export const watchBanner = (p: Page): Promise<void> =>
  p.evaluate(() => {
    const w = window as unknown as { changes: string[] };
    w.changes = [];
    new MutationObserver((records) => {
      for (const r of records) w.changes.push(`${r.type} ${r.target.nodeName}`);
    }).observe(document.querySelector('[data-herald-banner]')!.shadowRoot!, {
      subtree: true,
      childList: true,
      characterData: true,
      attributes: true,
    });
  });

/** The banner's changes since `watchBanner`. */
export const bannerChanges = (p: Page): Promise<string[]> => p.evaluate(() => (window as unknown as { changes: string[] }).changes);
