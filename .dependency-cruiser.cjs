/**
 * Herald's layers, lowest first. A module may import its own folder and the
 * folders below it, never one above: so the domain stays pure, and no two
 * folders depend on each other (no folder cycles). Type-only imports of the
 * composition root (src/herald.ts: the services' types) are allowed anywhere.
 *
 *   domain                                  the vocabulary, the rules, the verbs (pure)
 *   render, read, input, store, http, auth  Markdown and text; read models; input schemas; storage; HTTP helpers; credentials
 *   notify, channels, feeds, snapshot, publish, timer
 *   api, console, subscribe                 the edges: Hono routes, console actions, subscription pages' actions
 *   herald.ts, server.ts, pages             the composition root and the process
 */
const layer = (folders) => `^src/(${folders.join('|')})/`;
const LOW = ['render', 'read', 'input', 'store', 'http', 'auth'];
const MID = ['notify', 'channels', 'feeds', 'snapshot', 'publish', 'timer'];

/** Forbids `from` to import any src folder outside `allowed` (and itself), and the root modules, except type-only. */
const only = (name, from, allowed) => ({
  name,
  severity: 'error',
  from: { path: layer(from) },
  to: {
    path: '^src/',
    // paths.ts (where templates/ is) and config.ts are shared by every layer.
    pathNot: [`^src/(${[...allowed, ...from].join('|')})/`, '^src/(herald|paths|config)\\.ts$'],
  },
});

module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      comment: 'src/domain imports nothing but itself and zod: no platform modules, no edges.',
      severity: 'error',
      from: { path: '^src/domain/' },
      to: { pathNot: ['^src/domain/', '^node_modules/zod/'] },
    },
    {
      name: 'config-loads-light',
      comment: "src/config.ts is loaded first, by every layer: zod and the domain's rules, and of notify/ only SMTP_URL's, DKIM_PRIVATE_KEY's and MAIL_FROM's readings (not the mailer, its threads or the store).",
      severity: 'error',
      from: { path: '^src/config\\.ts$' },
      to: { path: '^src/', pathNot: ['^src/domain/', '^src/notify/smtp-url\\.ts$', '^src/notify/dkim-key\\.ts$', '^src/notify/mail-from\\.ts$'] },
    },
    only('low-layers-stay-low', LOW, ['domain', ...LOW]),
    only('middle-layers-stay-below-the-edges', MID, ['domain', ...LOW, ...MID]),
    {
      name: 'edges-do-not-lean-on-each-other',
      comment: 'The console and the subscription pages may use the HTTP error mapping of api/; api/ imports neither.',
      severity: 'error',
      from: { path: '^src/api/' },
      to: { path: '^src/(console|subscribe)/' },
    },
    {
      name: 'herald-root-types-only',
      comment: 'Below the process, src/herald.ts is read for its types only (its value is the composition).',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/(server|herald)\\.ts$', '\\.d\\.ts$'] },
      to: { path: '^src/herald\\.ts$', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'no-circular',
      comment: 'No module cycles (type-only imports aside).',
      severity: 'error',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'no-outside-the-repository',
      comment: "Nothing reads beside the repository (a user's clone has nothing there).",
      severity: 'error',
      from: {},
      to: { path: '^\\.\\./' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
    exclude: { path: '^(dist|\\.builds|node_modules)/' },
  },
};
