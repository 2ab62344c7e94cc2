import { describe, expect, it } from 'vitest';
import { bannerLevelText, bannerLine, bannerOthersText } from '../../src/read/banner.ts';

/** The banner's words as public/embed.js and the console's preview write them (src/read/banner.ts). */
describe('banner words', () => {
  it('says "Monitoring" for a monitored incident whose components are operational, not "No impact"', () => {
    expect(bannerLevelText({ indicator: 'none', status: 'monitoring' })).toBe('Monitoring');
    expect(bannerLevelText({ indicator: 'none', status: 'investigating' })).toBe('No impact');
    expect(bannerLevelText({ indicator: 'minor', status: 'monitoring' })).toBe('Minor impact');
    expect(bannerLevelText({ indicator: 'critical', status: 'identified' })).toBe('Critical impact');
    expect(bannerLevelText({ indicator: 'maintenance', status: 'in_progress' })).toBe('Maintenance');
  });

  it('puts a full stop between a message that ends no sentence and the estimate', () => {
    const eta = ' Estimated resolution: 10:48 AM UTC.';
    // From the hunt: "Investigating slow search results Estimated resolution: 10:48 AM UTC.".
    expect(bannerLine('Investigating slow search results', eta)).toBe(`Investigating slow search results.${eta}`);
    expect(bannerLine('Is search slow for you?', eta)).toBe(`Is search slow for you?${eta}`);
    expect(bannerLine('Card payments are failing for some…', eta)).toBe(`Card payments are failing for some…${eta}`);
    expect(bannerLine('We said "soon."', eta)).toBe(`We said "soon."${eta}`);
    // A message cut with its bidi isolate closed after the full stop.
    expect(bannerLine('Name: \u2067فريق.\u2069', eta)).toBe(`Name: \u2067فريق.\u2069${eta}`);
    expect(bannerLine('Investigating', '')).toBe('Investigating');
    expect(bannerLine('', eta)).toBe(eta);
  });

  it('counts the others on the status page', () => {
    expect(bannerOthersText(1)).toBe('1 more on the status page');
    expect(bannerOthersText(3)).toBe('3 more on the status page');
  });
});
