/*! Herald status banner. Usage: <script src="https://status.example.com/embed.js" async></script>
 * Options (attributes on the script tag): data-components="api,dashboard" limits the banner to those
 * components; data-interval="60" sets the poll interval in seconds (1 to 86400, default 60).
 * No dependencies. Never throws into the host page: every failure just leaves the banner as it was. */
(function () {
  'use strict';
  try {
    var script = document.currentScript;
    if (!script || !script.src || !window.fetch || !document.documentElement.attachShadow) return;
    var origin = new URL(script.src, location.href).origin;
    var components = script.getAttribute('data-components');
    // Included twice (e.g. by two widgets)? One copy per status page and components.
    var reg = (window.__heraldBanner = window.__heraldBanner || {});
    var id = origin + '?' + components;
    var was = reg[id];
    reg[id] = script;
    // Run again after a body swap (Turbo, pjax): the running copy goes on; its banners go back now.
    if (was && was.isConnected === false) {
      if (reg.shelf && reg.shelf.children.length && !reg.shelf.isConnected) mount(reg.shelf);
      return;
    }
    if (was) return console.warn('Herald: ' + script.src + ' is on the page twice; ignored.');
    // What each copy shows, by record: a record once, whichever copies it concerns.
    var held = (reg.held = reg.held || {});
    // Each copy's last record and key: a dismissal is every copy's showing the record.
    var seen = (reg.seen = reg.seen || {});

    var seconds = parseFloat(script.getAttribute('data-interval') || '');
    // At most a day: a longer timer overflows and fires at once.
    var interval = (seconds >= 1 ? Math.min(seconds, 86400) : 60) * 1000;
    // A poll not answered within the interval (5 to 10 s) is given up: a Herald that accepts and never
    // answers would otherwise hold it, and every poll after it, until the browser's own limit.
    var patience = Math.min(Math.max(interval, 5000), 10000);
    var endpoint = origin + '/api/banner.json' + (components ? '?components=' + encodeURIComponent(components) : '');
    var storeKey = 'herald-banner-dismissed:' + origin;
    var memory = []; // used when localStorage is unavailable (privacy modes, sandboxed frames)
    var LABEL = {
      none: 'No impact',
      minor: 'Minor impact',
      major: 'Major impact',
      critical: 'Critical impact',
      maintenance: 'Maintenance',
    };
    // Herald's words are English, its dates too (on the reader's clock and zone).
    var locale = /^en(-|$)/i.test(navigator.language || '') ? navigator.language : 'en';
    var host, root, box, col, link, sev, title, text, eta, more, also, timer, before;
    var lastPoll = 0;

    // Hosts of their own name (no div rule reaches them); for !important declarations the shadow
    // tree's win over the page's. all:initial stops inherited styles.
    var SHELF =
      ':host{all:initial!important;position:fixed!important;z-index:2147483000!important;inset:auto 2vmin 2vmin!important;' +
      'display:flex!important;flex-direction:column-reverse!important;align-items:center!important;gap:8px!important;' +
      'pointer-events:none!important}' +
      // Stacked: within the window, every dismiss button in reach.
      ':host([many]){max-height:calc(100vh - 4vmin)!important;max-height:calc(100dvh - 4vmin)!important;overflow-y:auto!important}' +
      // The page's ::backdrop rule (for its dialogs) would cover the page.
      ':host::backdrop{display:none!important}' +
      // Not printed (the page's print CSS cannot hide it).
      '@media print{:host{display:none!important}}';
    var CSS =
      ':host{all:initial!important;display:block!important;width:100%!important;max-width:640px!important;pointer-events:auto!important}' +
      '.box{display:flex;gap:12px;align-items:flex-start;box-sizing:border-box;padding:11px;padding-inline-start:14px;border-radius:8px;' +
      // Its edge in forced colours.
      'border:1px solid transparent;border-inline-start:6px solid var(--c);background:#fff;color:#1b1f24;box-shadow:0 4px 18px rgba(0,0,0,.2);' +
      'font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;text-align:start}' +
      '.none{--c:#2f855a}.minor{--c:#b7791f}.major{--c:#dd6b20}.critical{--c:#c53030}.maintenance{--c:#2b6cb0}' +
      // Never taller than the window.
      '.c{flex:1;min-width:0;display:flex;flex-direction:column;max-height:calc(100vh - 40px)}' +
      'a{overflow:auto;color:inherit;text-decoration:none;overflow-wrap:anywhere}' +
      'a:hover .t{text-decoration:underline}strong{font-weight:650}' +
      'strong,.m{display:-webkit-box;-webkit-box-orient:vertical;overflow:hidden;-webkit-line-clamp:3}' +
      '.sev{display:inline-block;margin-inline-end:6px;padding:0 4px;border:1px solid;border-radius:4px;font-size:12px;white-space:nowrap}' +
      // The visible cue that the banner is a link to the incident.
      '.more,.o{display:block;margin-top:4px;width:max-content;max-width:100%;font-weight:650;color:#0a58ca;' +
      'text-decoration:underline;text-underline-offset:2px}a:hover .more,.o:hover{text-decoration-thickness:2px}.o{flex:none}' +
      'button{flex:none;min-width:28px;min-height:28px;border:0;background:none;color:inherit;font:inherit;font-size:20px;line-height:1;' +
      'padding:2px 7px;border-radius:4px;cursor:pointer}button:hover{background:rgba(127,127,127,.2)}' +
      'a:focus-visible,button:focus-visible{outline:2px solid currentColor;outline-offset:2px}' +
      // A phone, 400% zoom: fewer lines (the rest is behind "Details").
      '@media (max-width:480px),(max-height:480px){.box{padding:7px 7px 7px 10px;gap:8px}strong,.m{-webkit-line-clamp:2}}' +
      '@media (max-height:320px){strong,.m{-webkit-line-clamp:1}}' +
      '@media (prefers-color-scheme:dark){.box{background:#1f2328;color:#e6edf3;box-shadow:0 4px 18px rgba(0,0,0,.6)}' +
      '.more,.o{color:#6cb6ff}}' +
      '@keyframes herald-in{from{transform:translateY(12px);opacity:0}}' +
      '@media (prefers-reduced-motion:no-preference){.box{animation:herald-in .25s ease-out}}';

    // The last 20 keys dismissed (JSON), or one key as earlier versions kept it.
    var dismissed = function () {
      try {
        var raw = localStorage.getItem(storeKey) || '';
        return raw.charAt(0) === '[' ? JSON.parse(raw) : raw ? [raw] : [];
      } catch (e) {
        return memory;
      }
    };
    var remember = function (key) {
      memory = dismissed().concat(key).slice(-20);
      try {
        localStorage.setItem(storeKey, JSON.stringify(memory));
      } catch (e) {}
    };
    var el = function (tag, parent, className) {
      var node = document.createElement(tag);
      if (parent) parent.appendChild(node);
      if (className) node.className = className;
      return node;
    };
    // Only what changed: a screen reader may read the live region again.
    var put = function (node, value) {
      if (node.textContent !== value) node.textContent = value;
    };
    var set = function (node, name, value) {
      if (node.getAttribute(name) !== value) node.setAttribute(name, value);
    };
    var styled = function (node, css) {
      var shadow = node.attachShadow({ mode: 'open' });
      // A constructed stylesheet is not an inline <style>, so a host page CSP
      // without 'unsafe-inline' still applies it; older browsers get <style>.
      try {
        var sheet = new CSSStyleSheet();
        sheet.replaceSync(css);
        shadow.adoptedStyleSheets = [sheet];
      } catch (e) {
        el('style', shadow).textContent = css;
      }
      return shadow;
    };
    // One shelf for all status pages' banners: they stack.
    var shelf = function () {
      if (!reg.shelf) {
        el('slot', styled((reg.shelf = document.createElement('herald-status-banners')), SHELF));
        reg.shelf.setAttribute('popover', 'manual');
      }
      return reg.shelf;
    };
    // In the top layer, in the window whatever transform or filter the page's body has (else fixed to it).
    // Not over a modal dialog or a fullscreen element: the rest of the page is inert then, and a click on
    // the banner's × would reach what is under it. It waits in the body, under them, until the next poll.
    function mount(stack) {
      if (!stack.isConnected) document.body.appendChild(stack);
      try {
        if (stack.matches(':popover-open') || document.querySelector(':modal, :fullscreen')) return;
        // A shelf an older copy of this script made has no popover attribute.
        stack.setAttribute('popover', 'manual');
        stack.showPopover();
      } catch (e) {}
    }

    var build = function () {
      host = document.createElement('herald-status-banner');
      host.setAttribute('data-herald-banner', '');
      root = styled(host, CSS);
      box = el('div', root);
      box.setAttribute('role', 'status');
      box.setAttribute('aria-live', 'polite');
      // English, left to right on any page; the title and message as written.
      box.setAttribute('lang', 'en');
      box.setAttribute('dir', 'ltr');
      col = el('div', box, 'c');
      link = el('a', col);
      var head = el('strong', link);
      sev = el('span', head, 'sev');
      title = el('span', head, 't');
      var line = el('span', link, 'm');
      text = el('span', line);
      eta = el('span', line);
      title.setAttribute('dir', 'auto');
      text.setAttribute('dir', 'auto');
      more = el('span', link, 'more');
      // "1 more on the status page", when there is.
      also = el('a', null, 'o');
      var close = el('button', box);
      close.type = 'button';
      close.setAttribute('aria-label', 'Dismiss status message');
      close.textContent = '\u00d7';
      close.addEventListener('click', dismiss);
      box.addEventListener('keydown', function (e) {
        if (e.key === 'Escape') dismiss();
      });
      // Where the focus came from: it goes back there on a dismissal.
      box.addEventListener('focusin', function (e) {
        if (!box.contains(e.relatedTarget)) before = e.relatedTarget;
      });
    };

    var safeUrl = function (url) {
      try {
        var u = new URL(url, origin);
        return u.protocol === 'https:' || u.protocol === 'http:' ? u.href : origin;
      } catch (e) {
        return origin;
      }
    };

    // The estimate (a window's end) with the zone's name, its date when not today, "(passed)" once past.
    var etaText = function (value, maintenance) {
      var t = value ? new Date(value) : null;
      if (!t || Number.isNaN(t.getTime())) return '';
      try {
        var now = new Date();
        var clock = {
          hour: 'numeric',
          minute: '2-digit',
          timeZoneName: 'short',
          hourCycle: new Intl.DateTimeFormat([], { hour: 'numeric' }).resolvedOptions().hourCycle,
        };
        if (t.toDateString() !== now.toDateString()) {
          clock.day = 'numeric';
          clock.month = 'short';
          if (t.getFullYear() !== now.getFullYear()) clock.year = 'numeric';
        }
        var label = maintenance ? ' Scheduled end: ' : ' Estimated resolution: ';
        return label + t.toLocaleString(locale, clock) + (t.getTime() <= now.getTime() ? ' (passed)' : '') + '.';
      } catch (e) {
        return '';
      }
    };

    var show = function (b) {
      if (!host) build();
      var level = /^(none|minor|major|critical|maintenance)$/.test(b.indicator) ? b.indicator : 'minor';
      set(box, 'class', 'box ' + level);
      set(link, 'href', safeUrl(b.url));
      var n = b.others > 0 ? Math.floor(b.others) : 0;
      var message = String(b.message || '');
      var end = etaText(b.eta, b.kind === 'maintenance');
      set(also, 'href', new URL('..', safeUrl(b.url)).href);
      var fill = function () {
        put(sev, level === 'none' && b.status === 'monitoring' ? 'Monitoring' : LABEL[level]);
        put(title, String(b.title || ''));
        put(text, message);
        put(
          eta,
          end && message && !/[.!?\u2026\u3002\uff01\uff1f][\s"'\u2019\u201d\u00bb)\]\u202a-\u202e\u2066-\u2069]*$/.test(message)
            ? '.' + end
            : end,
        );
        put(more, 'Details');
        put(also, n ? n + ' more on the status page' : '');
        if (n && !also.parentNode) col.appendChild(also);
        else if (!n && also.parentNode) col.removeChild(also);
      };
      var stack = shelf();
      // Back in the top layer after a dialog closed, or a page hid every popover.
      if (host.parentNode === stack && stack.isConnected) {
        mount(stack);
        return fill();
      }
      if (!document.body) return;
      // Screen readers announce changes to a live region that is already in the page,
      // so the region goes in empty and the text follows a moment later.
      sev.textContent = title.textContent = text.textContent = eta.textContent = more.textContent = also.textContent = '';
      mount(stack);
      stack.appendChild(host);
      stack.toggleAttribute('many', stack.children.length > 1);
      setTimeout(fill, 50);
    };

    var hide = function () {
      held[id] = '';
      var stack = host && host.parentNode;
      if (!stack) return;
      stack.removeChild(host);
      stack.toggleAttribute('many', stack.children.length > 1);
      if (!stack.children.length && stack.parentNode) stack.parentNode.removeChild(stack);
    };

    function dismiss() {
      var focused = root.activeElement;
      var mine = seen[id];
      for (var other in seen) if (mine && seen[other].rec === mine.rec) remember(seen[other].key);
      hide();
      if (focused && before && before.isConnected && before.focus) before.focus();
    }

    var apply = function (b) {
      var key = String(b.dismiss_key);
      var rec = origin + '\n' + (b.incident_id || key);
      var at = Date.parse(b.updated_at) || 0;
      seen[id] = b.active && b.dismiss_key ? { rec: rec, key: key } : { rec: '' };
      // Or a dismissed key carried on (news of other records since, now ended).
      var gone = dismissed().some(function (d) {
        return d === key || String(d).indexOf(key + ':') === 0;
      });
      if (!b.active || !b.dismiss_key || gone) return hide();
      // A copy showing the record goes on showing it, given this newer update if it is one: its banner, and
      // a keyboard user's focus in it, stay where they are.
      for (var other in held) {
        var h = held[other];
        if (other === id || !h || h.rec !== rec) continue;
        // Newer only: other components give another key.
        if (h.at < at) h.take(b, rec, key, at);
        return hide();
      }
      take(b, rec, key, at);
    };
    var take = function (b, rec, key, at) {
      held[id] = { rec: rec, key: key, at: at, take: take };
      show(b);
    };

    var schedule = function (delay) {
      clearTimeout(timer);
      if (!document.hidden) timer = setTimeout(poll, typeof delay === 'number' ? delay : interval);
    };

    function poll() {
      clearTimeout(timer);
      if (document.hidden) return; // resumed by visibilitychange
      lastPoll = Date.now();
      var abort = window.AbortController ? new AbortController() : null;
      var giveUp =
        abort &&
        setTimeout(function () {
          abort.abort();
        }, patience);
      var next = function () {
        clearTimeout(giveUp);
        schedule();
      };
      // no-cache: revalidate with the ETag, so an unchanged banner costs a 304.
      fetch(endpoint, { mode: 'cors', credentials: 'omit', cache: 'no-cache', signal: abort ? abort.signal : undefined })
        .then(function (r) {
          return r.ok ? r.json() : null;
        })
        .then(function (b) {
          // Not a banner (a proxy's JSON error): what is shown stays.
          if (b && typeof b.active === 'boolean') apply(b);
        })
        .then(next, next);
    }

    document.addEventListener('visibilitychange', function () {
      if (document.hidden) return clearTimeout(timer);
      var waited = Date.now() - lastPoll;
      if (waited >= interval) poll();
      else schedule(interval - waited);
    });

    // A body replaced or rewritten (Turbo, SPAs): the shelf goes back at once, unchanged (nothing read again);
    // at most 10 times in 10 s.
    if (!reg.watch && window.MutationObserver) {
      var watched,
        since = 0,
        count = 0;
      var watch = function () {
        var stack = reg.shelf;
        if (stack && stack.children.length && !stack.isConnected && document.body) {
          if (Date.now() - since > 1e4) since = Date.now() + (count = 0);
          if (++count <= 10) mount(stack);
        }
        if (document.body && document.body !== watched) reg.watch.observe((watched = document.body), { childList: true });
      };
      (reg.watch = new MutationObserver(watch)).observe(document.documentElement, { childList: true });
      watch();
    }

    if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', poll);
    else poll();
  } catch (e) {
    // Nothing here may break the host page.
  }
})();
