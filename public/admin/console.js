// Herald console: small enhancements only. Every form works without this file.
(function () {
  'use strict';

  function readJson(el, name) {
    try {
      return JSON.parse(el.getAttribute(name) || '{}');
    } catch (e) {
      return {};
    }
  }

  // The value a form has chosen for a field: its ticked radio, or its select.
  function chosenValue(form, name) {
    var el = form.querySelector('input[name="' + name + '"]:checked') || form.querySelector('select[name="' + name + '"]');
    return el ? el.value : '';
  }

  // The "Email subscribers" box follows the runbook default for what the form
  // has chosen, until the Comms Lead ticks or unticks it by hand. The defaults
  // are keyed by the values of the fields named in data-notify-key, joined by
  // "|": the declare form's severity; an update's status and re-grade. An
  // update that puts a component none of its updates had in trouble
  // (data-troubled lists those that were) emails too, once subscribers were told.
  function followNotifyDefault(form, defaults) {
    var box = form.querySelector('input[name="notify"]');
    if (!box) return;
    var fields = (form.getAttribute('data-notify-key') || '').split(' ');
    var troubled = form.hasAttribute('data-troubled') ? readJson(form, 'data-troubled') : null;
    // A form drawn again after a choice by hand (refused, or "Back to edit") keeps that choice.
    var touched = !!form.querySelector('input[name="notify_by_hand"]');
    function widens() {
      if (!Array.isArray(troubled)) return false;
      return Array.prototype.some.call(form.querySelectorAll('select[name^="component."]'), function (sel) {
        var id = sel.name.slice('component.'.length);
        return sel.value !== '' && sel.value !== 'operational' && sel.value !== 'remove' && troubled.indexOf(id) < 0;
      });
    }
    form.addEventListener('change', function (e) {
      if (e.target === box) {
        touched = true;
        return;
      }
      var name = e.target.name || '';
      if (touched || (fields.indexOf(name) < 0 && name.indexOf('component.') !== 0)) return;
      var key = fields
        .map(function (name) {
          return chosenValue(form, name);
        })
        .join('|');
      if (!(key in defaults)) return;
      box.checked = !!defaults[key] || widens();
      // Still "as shown": the server lets the runbook decide.
      var shown = form.querySelector('input[name="notify_shown"]');
      if (shown) shown.value = box.checked ? '1' : '0';
    });
  }

  // "A, B and C", as the server joins names (src/domain/words.ts).
  function joinNames(list) {
    if (list.length <= 1) return list[0] || '';
    return list.slice(0, -1).join(', ') + ' and ' + list[list.length - 1];
  }

  // The template lines that follow the form in an edited body too, as long as each is still as the template
  // was filled (src/console/template-lines.ts, refilled, the same rule on the server): the facts chosen and the times.
  var FOLLOWED = ['Affected services', 'Estimated resolution', 'Started at', 'Updated at', 'Resolved at', 'Total duration'];

  function followedLabel(line) {
    var m = /^\s*-\s+\*\*([^*]+):\*\*/.exec(line);
    return m && FOLLOWED.indexOf(m[1]) >= 0 ? m[1] : null;
  }

  // A template's followed lines by label (trimmed), the first of each.
  function followedLines(text) {
    var out = {};
    text.split('\n').forEach(function (raw) {
      var line = raw.trim();
      var label = followedLabel(line);
      if (label && !(label in out)) out[label] = line;
    });
    return out;
  }

  // The update rhythm sentences the templates write, of any level (src/domain/rhythm-sentences.ts, the same pattern).
  var SPAN = '(?:1 (?:minute|hour|day|week)|\\d+ (?:minutes|hours|days|weeks))';
  var RHYTHM = new RegExp(
    'We will provide (?:the next update within ' +
      SPAN +
      '|updates at least every (?:minute|hour|day|week|' +
      SPAN +
      ')|updates as more information becomes available)\\.',
  );

  function rhythmOf(text) {
    var m = RHYTHM.exec(text);
    return m ? m[0] : null;
  }

  // The rhythm sentence still as `filled` wrote it becomes `current`'s, or goes with the space before it when
  // `current` states none (src/console/template-lines.ts, refilledRhythm): a re-grade changes the cadence promised.
  function refilledRhythm(body, filled, current) {
    var was = rhythmOf(filled);
    var now = rhythmOf(current);
    if (was === null || was === now || body.indexOf(was) < 0) return body;
    return now === null
      ? body
          .split(' ' + was)
          .join('')
          .split(was)
          .join('')
      : body.split(was).join(now);
  }

  // An edited body with each line still exactly as `filled` stated it replaced by `current`'s line of that label,
  // and its rhythm sentence as `filled` wrote it by `current`'s; every other line, one changed by hand among them,
  // as written. Read by tests/unit/template-lines.test.ts.
  window.heraldRefilled = function (body, filled, current) {
    var was = followedLines(filled);
    var now = followedLines(current);
    var lines = body
      .split('\n')
      .map(function (raw) {
        var cr = raw.charAt(raw.length - 1) === '\r' ? '\r' : '';
        var line = raw.slice(0, raw.length - cr.length).trim();
        var label = followedLabel(line);
        if (!label || !(label in now)) return raw;
        return line === was[label] || line === now[label] ? now[label] + cr : raw;
      })
      .join('\n');
    return refilledRhythm(lines, filled, current);
  };

  // A body still equal to the template it was filled with follows the form:
  // the chosen severity or status, the components picked and the estimate;
  // an edited one, by its lines still as the template wrote them (heraldRefilled).
  // The templates come from the server with these three left as tokens, keyed
  // by the chosen option, or by the values of the fields in data-template-key
  // joined by "|" (an update's status and the level it re-grades to, whose
  // cadence the text promises). A form with nothing to choose (the maintenance
  // form: data-choice="") has one template, keyed "", and its components ticked
  // as "components" boxes.
  function followTemplates(form, choiceName, templates) {
    var body = form.querySelector('textarea[name="body"]');
    var tpl = form.querySelector('input[name="body_template"]');
    if (!body || !tpl) return;
    var names = readJson(form, 'data-component-names');
    var base = readJson(form, 'data-incident-components');
    if (!Array.isArray(base)) base = [];
    function components() {
      var ids = base.slice();
      form.querySelectorAll('select[name^="component."]').forEach(function (sel) {
        var id = sel.name.slice('component.'.length);
        // "remove" takes a component off the incident: the text no longer names it.
        if (sel.value === 'remove')
          ids = ids.filter(function (other) {
            return other !== id;
          });
        else if (sel.value && ids.indexOf(id) < 0) ids.push(id);
      });
      form.querySelectorAll('input[name="components"]:checked').forEach(function (box) {
        if (ids.indexOf(box.value) < 0) ids.push(box.value);
      });
      return joinNames(
        ids.map(function (id) {
          return names[id] || id;
        }),
      );
    }
    function eta() {
      var sel = form.querySelector('select[name="eta"]');
      var opt = sel && sel.options[sel.selectedIndex];
      return (opt && opt.getAttribute('data-text')) || 'not known yet';
    }
    var keyFields = (form.getAttribute('data-template-key') || choiceName).split(' ');
    function refill() {
      var key = keyFields
        .map(function (name) {
          return chosenValue(form, name);
        })
        .join('|');
      if (!(key in templates)) return;
      var list = components();
      var text = templates[key]
        .split('{components}')
        .join(list || 'our services')
        .split('{affected}')
        .join(list || 'being assessed')
        .split('{eta}')
        .join(eta());
      // The template it now follows is the one sent (body_template): the server brings the same lines up to its own filling.
      body.value = body.value.trim() === tpl.value.trim() ? text : window.heraldRefilled(body.value, tpl.value, text);
      tpl.value = text;
    }
    form.addEventListener('change', function (e) {
      var t = e.target;
      if (keyFields.indexOf(t.name) >= 0 || t.name === 'eta' || t.name === 'components' || (t.name && t.name.indexOf('component.') === 0))
        refill();
    });
  }

  // One click publishes: disable the button so a double click sends one request
  // (the server also consumes each draft once).
  function guardDoubleSubmit(form) {
    form.addEventListener('submit', function () {
      var btn = form.querySelector('button[type="submit"]');
      if (btn)
        setTimeout(function () {
          btn.disabled = true;
        }, 0);
    });
  }

  // A form posted after the session ended is not read (src/api/console-guard.ts): signing in leads back to
  // its page, where what was typed is put back. So does a form refused for a stale token (a page opened before
  // signing in again: src/pages/admin/form-refused.astro). It is kept in this tab from the submit to the next
  // page, and dropped there unless that page is one of those two, on the way back to the form.
  var UNSENT = 'herald:unsent-form';

  // What this tab keeps under `key` (a form as sent), or null.
  function readKept(key) {
    try {
      return JSON.parse(sessionStorage.getItem(key) || 'null');
    } catch (e) {
      return null;
    }
  }

  // Who is signed in on this page (src/layouts/Admin.astro); nobody on the sign-in page.
  function signedIn() {
    return document.body.getAttribute('data-signed-in');
  }

  // What one person typed goes back to them alone: on a shared computer, the next one to sign in in this tab must
  // not find it in their form (and publish it under their name).
  function theirs(kept) {
    return !!kept && kept.who === signedIn();
  }

  function forget() {
    try {
      sessionStorage.removeItem(UNSENT);
      sessionStorage.removeItem(PREVIEWED);
    } catch (e) {
      // Storage refused: nothing was kept either.
    }
  }

  // Storage full or refused: the form is sent all the same, only nothing can be put back.
  function keep(key, value) {
    try {
      sessionStorage.setItem(key, JSON.stringify(value));
    } catch (e) {
      // As said.
    }
  }

  // The page a form belongs to: the one its address names (?from=: a refused form drawn again at /admin/preview or
  // /admin/maintenance/…, whose address holds no form once signed in again), else the page it is on.
  function pageOf(form) {
    return new URL(form.action, location.href).searchParams.get('from') || location.pathname + location.search;
  }

  // Each writing form is named by its data-keep ("update", "move"…): what was typed goes back into the same form,
  // whichever others the page shows by then.
  function keepOnSubmit(form) {
    form.addEventListener('submit', function () {
      var fields = sentFields(form).map(function (el) {
        return [el.name, el.value, el.type === 'checkbox' || el.type === 'radio' ? el.checked : null];
      });
      keep(UNSENT, { page: pageOf(form), form: form.getAttribute('data-keep'), fields: fields, who: signedIn() });
    });
  }

  // The page the form was on, as signing in leads back to it: its path, and its query less the one-time notices
  // ("?saved=…") the server leaves out of the way back (src/auth/return-path.ts).
  function samePage(page) {
    var was = new URL(page, location.href);
    if (was.pathname !== location.pathname) return false;
    var same = true;
    new URLSearchParams(location.search).forEach(function (value, name) {
      if (was.searchParams.get(name) !== value) same = false;
    });
    return same;
  }

  // The preview's "Publish now" sends a draft, which belongs to the session that previewed it: posted after that
  // session ended, what leads back is the form the preview was made from, as it was sent (kept in this tab with
  // the draft it became), and signing in puts it back there.
  var PREVIEWED = 'herald:previewed-form';

  function draftOf(form) {
    var field = form.querySelector('input[name="draft"]');
    return field ? field.value : null;
  }

  function keepPreviewed(kept) {
    var publish = document.querySelector('form[action^="/admin/publish"]');
    if (!publish || kept.ledBack) return;
    kept.draft = draftOf(publish);
    keep(PREVIEWED, kept);
  }

  function keepOnPublish(form) {
    form.addEventListener('submit', function () {
      var previewed = readKept(PREVIEWED);
      if (!previewed || previewed.draft !== draftOf(form)) return;
      // The form's own page, as the publish form names it: a preview sent from a refused form was sent from
      // /admin/preview, which holds no form once signed in again.
      var page = new URL(form.action, location.href).searchParams.get('from') || previewed.page;
      keep(UNSENT, { page: page, form: previewed.form, fields: previewed.fields, who: previewed.who });
    });
  }

  // The pages that lead back to the form: the sign-in page after the session ended, and the page of a form refused
  // for a stale token. Each names the form's page as this tab knows it (the server's is from the Referer).
  function leadsBack(kept) {
    if (location.pathname === '/admin/login' && document.getElementById('signin-unsent')) {
      // The way back, for a browser that sent no Referer with the form (the server checks it as any `next`).
      var signIn = document.querySelector('form[action^="/admin/login"]');
      if (signIn) signIn.setAttribute('action', '/admin/login?next=' + encodeURIComponent(kept.page) + '&unsent=1');
      return true;
    }
    var link = document.getElementById('form-refused-back');
    if (!link) return false;
    if (new URL(kept.page, location.href).pathname.indexOf('/admin') === 0) link.setAttribute('href', kept.page);
    return true;
  }

  function putBackUnsent() {
    var kept = readKept(UNSENT);
    if (!kept) return putBackExpiredDraft();
    if (leadsBack(kept)) {
      kept.ledBack = true;
      keep(UNSENT, kept);
      return;
    }
    sessionStorage.removeItem(UNSENT);
    if (!theirs(kept)) return;
    keepPreviewed(kept);
    var form = kept.ledBack && samePage(kept.page) && document.querySelector('form[data-keep="' + kept.form + '"]');
    if (form)
      putBack(
        form,
        kept.fields,
        'This is what you were writing when your session ended or the page went stale; none of it was saved or published. Check it, then send it again.',
      );
  }

  // "Back to edit" to a draft that is gone (the session that previewed it ended; src/components/admin/DraftExpired.astro):
  // the form as it was sent for that preview, if this tab previewed it.
  function putBackExpiredDraft() {
    if (!document.getElementById('draft-expired')) return;
    var previewed = readKept(PREVIEWED);
    var draft = new URLSearchParams(location.search).get('draft');
    var form =
      theirs(previewed) && draft && previewed.draft === draft && document.querySelector('form[data-keep="' + previewed.form + '"]');
    if (form)
      putBack(
        form,
        previewed.fields,
        'This is the form as you sent it for the preview; nothing of it was published. Check it, then preview it again.',
      );
  }

  // The fields a form sends, as keepOnSubmit keeps them: named, enabled, not the CSRF token nor a button.
  function sentFields(form) {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && el.name !== 'csrf' && !el.disabled && el.tagName !== 'BUTTON';
    });
  }

  // Back to a form this tab sent for a preview (the back button, or back twice after "Publish now"): the browser
  // fills in again what was typed, but the page is drawn anew (it is not cached), and so are its hidden fields, the
  // one-time key (`once`, src/console/form-once.ts) among them. Previewed again under a new key, it was a new form's
  // preview, and its "Publish now" published it a second time. When every field the Comms Lead sees is as it was
  // sent for the tab's last preview, the hidden ones are put back as sent too: the same form, posted again, is
  // found published already (src/publish/preview.ts publishedUnder). Changed by then, it is left as drawn.
  function restoreSentForm() {
    var nav = window.performance && performance.getEntriesByType && performance.getEntriesByType('navigation')[0];
    if (!nav || nav.type !== 'back_forward') return;
    var previewed = readKept(PREVIEWED);
    if (!theirs(previewed) || !Array.isArray(previewed.fields) || !samePage(previewed.page)) return;
    var form = document.querySelector('form[data-keep="' + previewed.form + '"]');
    if (!form) return;
    var els = sentFields(form);
    var sent = previewed.fields;
    if (els.length !== sent.length) return;
    var same = els.every(function (el, i) {
      if (el.name !== sent[i][0]) return false;
      if (el.type === 'hidden') return true;
      var tick = el.type === 'checkbox' || el.type === 'radio';
      return tick ? el.value === sent[i][1] && el.checked === sent[i][2] : el.value === sent[i][1];
    });
    if (!same) return;
    els.forEach(function (el, i) {
      if (el.type === 'hidden') el.value = sent[i][1];
    });
  }

  // Fills `form` with the fields as kept (name, value, ticked) and says so on top of it.
  function putBack(form, kept, said) {
    var fields = kept.slice();
    // A box set by hand (src/console/draft-input.ts, notifyChoice) stays so: a fresh form has no field saying it.
    var byHand = fields.some(function (f) {
      return f[0] === 'notify_by_hand' && f[1] === '1';
    });
    if (byHand && !form.querySelector('input[name="notify_by_hand"]')) {
      var marker = document.createElement('input');
      marker.type = 'hidden';
      marker.name = 'notify_by_hand';
      marker.value = '1';
      form.appendChild(marker);
    }
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.name === 'csrf' || el.tagName === 'BUTTON') return;
      var tick = el.type === 'checkbox' || el.type === 'radio';
      for (var i = 0; i < fields.length; i++) {
        if (fields[i][0] !== el.name || (tick && fields[i][1] !== el.value)) continue;
        if (tick) el.checked = fields[i][2];
        else el.value = fields[i][1];
        fields.splice(i, 1);
        return;
      }
    });
    // A component set under the folded "Other components" shows with the rest of what was typed.
    form.querySelectorAll('details').forEach(function (d) {
      var set = Array.prototype.some.call(d.querySelectorAll('select'), function (sel) {
        return sel.value !== '';
      });
      if (set) d.open = true;
    });
    var note = document.createElement('div');
    note.className = 'notice warn';
    note.setAttribute('role', 'status');
    note.id = 'unsent-restored';
    note.innerHTML = '<p></p>';
    note.firstChild.textContent = said;
    form.insertBefore(note, form.firstChild);
  }

  // "in 12 min", "5 min ago", "in 2 h 5 min", as src/console/format.ts relativeMinutes writes it on the server:
  // for the pages that follow the clock (public/admin/dashboard.js, update-due.js).
  window.heraldRelativeMinutes = function (minutes) {
    var abs = Math.abs(minutes);
    var span = abs >= 60 ? Math.floor(abs / 60) + ' h' + (abs % 60 ? ' ' + (abs % 60) + ' min' : '') : abs + ' min';
    if (abs === 0) return 'in under a minute';
    return minutes > 0 ? 'in ' + span : span + ' ago';
  };

  // The dashboard's answer (GET /api/admin/dashboard) for the pages that follow it (public/admin/dashboard.js,
  // update-due.js): every 20 s, one request at a time, none while the tab is hidden and one at once when it
  // is shown again after the interval. A 401 (signed out elsewhere, or expired) stops the asking; offline
  // or restarting, the next turn asks again. It answers a function that stops the asking.
  window.heraldFollowDashboard = function (onData, onSignedOut) {
    var INTERVAL = 20000;
    var timer = null;
    var lastPoll = Date.now();
    var busy = false;
    var stopped = false;
    function schedule(delay) {
      clearTimeout(timer);
      if (!stopped && !document.hidden) timer = setTimeout(poll, delay === undefined ? INTERVAL : delay);
    }
    function poll() {
      clearTimeout(timer);
      if (stopped || busy || document.hidden) return;
      busy = true;
      lastPoll = Date.now();
      // Marked as this page's poll: it does not keep the session alive (src/auth/session-cookie.ts isPoll).
      fetch('/api/admin/dashboard', {
        credentials: 'same-origin',
        cache: 'no-store',
        headers: { accept: 'application/json', 'x-herald-poll': '1' },
      })
        .then(function (res) {
          if (res.status === 401) {
            stopped = true;
            if (onSignedOut) onSignedOut();
          }
          return res.ok ? res.json() : null;
        })
        .then(function (data) {
          if (data && typeof data === 'object') onData(data);
        })
        .catch(function () {})
        .then(function () {
          busy = false;
          schedule();
        });
    }
    function stop() {
      stopped = true;
      clearTimeout(timer);
    }
    if (!window.fetch) return stop;
    schedule();
    document.addEventListener('visibilitychange', function () {
      if (document.hidden) return clearTimeout(timer);
      var waited = Date.now() - lastPoll;
      if (waited >= INTERVAL) poll();
      else schedule(INTERVAL - waited);
    });
    return stop;
  };

  // On a narrow screen the tabs scroll sideways: bring the current one into view.
  function showCurrentTab() {
    var tabs = document.querySelector('nav.tabs');
    var current = tabs && tabs.querySelector('[aria-current="page"]');
    if (!current || tabs.scrollWidth <= tabs.clientWidth) return;
    var offset = current.getBoundingClientRect().left - tabs.getBoundingClientRect().left;
    tabs.scrollLeft += offset - (tabs.clientWidth - current.offsetWidth) / 2;
  }

  // After the browser has filled the form in again (pageshow follows load).
  window.addEventListener('pageshow', restoreSentForm);

  document.addEventListener('DOMContentLoaded', function () {
    showCurrentTab();
    // Signed out: nothing typed stays in this tab for whoever uses it next.
    document.querySelectorAll('form[action="/admin/logout"]').forEach(function (form) {
      form.addEventListener('submit', forget);
    });
    if (location.pathname === '/admin/login' && new URLSearchParams(location.search).has('signed_out')) forget();
    putBackUnsent();
    document.querySelectorAll('form[data-keep]').forEach(keepOnSubmit);
    document.querySelectorAll('form[data-choice]').forEach(function (form) {
      var choice = form.getAttribute('data-choice');
      followNotifyDefault(form, readJson(form, 'data-notify-defaults'));
      followTemplates(form, choice, readJson(form, 'data-templates'));
    });
    document.querySelectorAll('form[action^="/admin/publish"]').forEach(function (form) {
      guardDoubleSubmit(form);
      keepOnPublish(form);
    });
  });
})();
