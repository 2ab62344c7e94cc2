// Herald console, dashboard only: keeps the page current without a reload.
// Every 20 s (not while the tab is hidden) it asks GET /api/admin/dashboard
// (window.heraldFollowDashboard, public/admin/console.js)
// and updates in place what changes with the clock or the outbox: the overall
// status, the "Update overdue" flags and "due in N min", the postmortems'
// due/overdue flags and how many more are owed than listed, the delivery
// counts, the paused-sending notice and the channels that get no updates
// (paused or disabled). An incident with a new update (posted elsewhere, a
// re-grade) has its row redrawn from the answer, and so has one whose times
// the server now writes otherwise (with their date, after the site's midnight).
// Times are shown as the server writes them (the zone named as people there
// write it, src/domain/time-text.ts), never formatted here.
// Rows that come or go are not rebuilt here: a "New activity" notice offers a
// reload. A screen reader is told once, in the page's live region, of a row
// redrawn for an update posted elsewhere (or a new due time) and of a row gone
// (its incident no longer open), in the words the incident's own page uses
// (public/admin/update-due.js); never of the minutes counting down.
// Without this file the page is correct as loaded.
(function () {
  'use strict';

  var live; // the polite live region for "New activity" and "signed out", and what is told of the rows
  var shown; // in it, the notice on screen ("New activity", "signed out")
  var said; // in it, visually hidden: what was last told of the rows' changes

  function $(selector, root) {
    return (root || document).querySelector(selector);
  }
  function $all(selector, root) {
    return Array.prototype.slice.call((root || document).querySelectorAll(selector));
  }
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function setText(node, text) {
    if (node && node.textContent !== text) node.textContent = text;
  }
  function byData(name, value) {
    return $all('[data-' + name + ']').filter(function (node) {
      return node.getAttribute('data-' + name) === value;
    })[0];
  }

  function showNotice(parts) {
    if (!live) return;
    var p = el('p');
    parts.forEach(function (part) {
      p.appendChild(typeof part === 'string' ? document.createTextNode(part) : part);
    });
    live.className = 'notice';
    shown.replaceChildren(p);
  }

  // Told once, each poll's changes in one line; a poll with none leaves the last line as it is (not said again).
  function tell(lines) {
    if (said && lines.length) said.textContent = lines.join(' ');
  }

  function newActivity() {
    if (live && live.getAttribute('data-shown') === 'activity') return;
    var link = el('a', null, 'Reload');
    link.href = '/admin';
    showNotice([el('strong', null, 'New activity.'), ' ', link, ' to see it.']);
    live.setAttribute('data-shown', 'activity');
  }

  function sameSet(a, b) {
    if (a.length !== b.length) return false;
    for (var i = 0; i < a.length; i++) if (b.indexOf(a[i]) < 0) return false;
    return true;
  }

  function updateOverall(overall) {
    var strip = $('#overall-strip');
    if (!strip || !overall) return;
    var cls = 'overall-strip i-' + overall.indicator;
    if (strip.className !== cls) strip.className = cls;
    setText($('strong', strip), overall.description);
  }

  // The alert's words come with the answer (overdue_text, as the page draws them): redrawn, and so said again, only when they change.
  function updateOverdueAlert(text) {
    var box = $('#overdue-alert');
    if (!box) return;
    if ((text || '') === box.getAttribute('data-text')) return;
    box.setAttribute('data-text', text || '');
    if (!text) return box.replaceChildren();
    var notice = el('div', 'notice bad');
    var p = el('p');
    p.appendChild(el('strong', null, text));
    p.appendChild(document.createTextNode(' Customers are waiting to hear from you.'));
    notice.appendChild(p);
    box.replaceChildren(notice);
  }

  // An active incident's row as the page draws it (src/pages/admin/index.astro), from the answer's row.
  function activeRow(row) {
    var href = '/admin/incidents/' + encodeURIComponent(row.id);
    var li = el('li');
    li.setAttribute('data-incident', row.id);
    li.setAttribute('data-last-update', row.last_update_at);
    li.setAttribute('data-due-at', row.due_at || '');
    li.setAttribute('data-last-update-text', row.last_update_text);
    li.setAttribute('data-due-text', row.due_text || '');
    var head = el('div');
    var title = el('a', 'title', row.name);
    title.href = href;
    var meta = el('div', 'meta');
    meta.append(
      el('span', 'pill impact-' + row.impact, row.severity_label),
      ' ',
      el('span', null, row.status_label + ' · ' + row.components_text + ' · last update ' + row.last_update_text),
    );
    head.append(title, meta);
    var due = el('div', row.overdue ? 'due is-overdue' : 'due');
    if (!row.due_at) {
      due.append(el('span', 'muted', 'No update cadence'));
    } else {
      var time = el('time', null, row.due_text);
      time.setAttribute('datetime', row.due_at);
      var rel = el('span', null, window.heraldRelativeMinutes(row.minutes_left));
      rel.setAttribute('data-rel', '');
      if (row.overdue) {
        var line = el('span', 'due-line');
        line.append('was due ', time, ' · ', rel);
        due.append(el('span', 'pill overdue', 'Update overdue'), line);
      } else {
        var next = el('span', 'due-line');
        var strong = el('strong');
        strong.append(time);
        next.append('Next update due ', strong);
        rel.className = 'due-line muted';
        due.append(next, rel);
      }
    }
    var post = el('a', 'btn btn-small', 'Post update');
    post.href = href + '#post-update';
    due.append(post);
    li.append(head, due);
    return li;
  }

  // A row redrawn or moved would take the focus from a keyboard user on one of its links: it goes back
  // to the same link of the row as it now is.
  function keepingFocus(change) {
    var focused = document.activeElement;
    var li = focused && focused.closest ? focused.closest('li[data-incident]') : null;
    var which = li && (focused.classList.contains('title') ? 'a.title' : focused.classList.contains('btn') ? 'a.btn' : null);
    change();
    if (!which || document.activeElement === focused) return;
    var row = byData('incident', li.getAttribute('data-incident'));
    var link = row && $(which, row);
    if (link) link.focus();
  }

  // What a screen reader is told of a row redrawn: "INC-… Checkout errors: a new update was posted by the API at
  // 03:23 UTC. Next update due 07:23 UTC.", as the incident's page says it (update-due.js); '' when nothing it says changed.
  function redrawnWords(li, row) {
    var words = [];
    if (li.getAttribute('data-last-update') !== row.last_update_at && row.last_update_text)
      words.push('a new update was posted' + (row.last_update_by ? ' by ' + row.last_update_by : '') + ' at ' + row.last_update_text + '.');
    if (row.due_at && row.due_text && li.getAttribute('data-due-at') !== row.due_at)
      words.push(row.overdue ? 'Update overdue: it was due ' + row.due_text + '.' : 'Next update due ' + row.due_text + '.');
    return words.length ? row.id + ' ' + row.name + ': ' + words.join(' ') : '';
  }

  // One active incident's flag; false when the row is not on the page. A row whose incident has a new
  // update, or another due time, is redrawn whole from the answer, and what changed is added to `told`.
  // So is a row whose times the server now writes otherwise, with nothing told (nothing happened): after the
  // site's midnight "23:20 MST" is "6 Dec 2026, 23:20 MST" (kept as it was, it read as later today).
  function updateActive(row, told) {
    var li = byData('incident', row.id);
    if (!li) return false;
    var reworded =
      row.severity_label &&
      (li.getAttribute('data-last-update-text') !== row.last_update_text || li.getAttribute('data-due-text') !== (row.due_text || ''));
    if (reworded || li.getAttribute('data-last-update') !== row.last_update_at || li.getAttribute('data-due-at') !== (row.due_at || '')) {
      if (!row.severity_label) return false; // an answer from a server without the row's words: reload
      var words = redrawnWords(li, row);
      li.replaceWith(activeRow(row));
      if (words) told.push(words);
      return true;
    }
    if (!row.due_at) return true;
    var due = $('.due', li);
    var rel = $('[data-rel]', due);
    if (!due || !rel) return false;
    if (row.overdue && !due.classList.contains('is-overdue')) {
      // "Next update due 14:30 UTC / in 1 min" becomes "Update overdue / was due 14:30 UTC · 1 min ago".
      var time = $('time', due);
      var line = el('span', 'due-line');
      line.appendChild(document.createTextNode('was due '));
      if (time) line.appendChild(time);
      line.appendChild(document.createTextNode(' · '));
      rel = el('span');
      rel.setAttribute('data-rel', '');
      line.appendChild(rel);
      $all('.due-line', due).forEach(function (old) {
        old.remove();
      });
      due.insertBefore(line, due.firstChild);
      due.insertBefore(el('span', 'pill overdue', 'Update overdue'), line);
      due.classList.add('is-overdue');
    }
    setText(rel, window.heraldRelativeMinutes(row.minutes_left));
    return true;
  }

  function updatePostmortem(row) {
    var li = byData('postmortem', row.id);
    if (!li) return false;
    if (li.getAttribute('data-state') === row.state) return true;
    // Only "due" becomes "overdue" with time; anything else is news.
    if (row.state !== 'overdue' || !row.overdue_at) return false;
    var due = $('.due', li);
    var time =
      due &&
      $all('time', due).filter(function (t) {
        return t.getAttribute('datetime') === row.overdue_at;
      })[0];
    var pill = due && $('.pill', due);
    var line = due && $('.due-line', due);
    if (!time || !pill || !line) return false;
    pill.className = 'pill overdue';
    pill.textContent = 'Postmortem overdue';
    line.replaceChildren(document.createTextNode('overdue since '), time);
    due.classList.add('is-overdue');
    li.setAttribute('data-state', 'overdue');
    return true;
  }

  // "and 1,299 more postmortems owed" below the ten listed: the words come with the answer (postmortems_more_text,
  // as the page draws them), and the line hides when none are left over. An answer without them (another
  // server's) leaves it as it is.
  function updateMorePostmortems(text) {
    var line = $('#postmortems-more');
    var link = line && $('a', line);
    if (!link || text === undefined) return;
    if (text) setText(link, text);
    line.hidden = !text;
  }

  function updateDelivery(row) {
    var li = byData('intent', row.intent);
    var counts = li && $('[data-counts]', li);
    if (!counts) return false;
    var pills = [el('span', 'pill st-sent', row.sent + ' sent')];
    if (row.queued > 0) pills.push(el('span', 'pill st-queued', row.queued + ' queued'));
    if (row.failed > 0) pills.push(el('span', 'pill st-failed', row.failed + ' failed'));
    var text = pills
      .map(function (p) {
        return p.textContent;
      })
      .join(' ');
    if (counts.getAttribute('data-text') === text) return true;
    counts.setAttribute('data-text', text);
    var nodes = [];
    pills.forEach(function (p, i) {
      if (i > 0) nodes.push(document.createTextNode(' '));
      nodes.push(p);
    });
    counts.replaceChildren.apply(counts, nodes);
    return true;
  }

  function updatePaused(paused) {
    var notice = $('#sending-paused');
    if (!notice) return;
    if (paused) setText($('[data-reason]', notice), paused.reason);
    notice.hidden = !paused;
  }

  // "2 updates wait for it" (src/read/stopped-channels.ts waitingText).
  function waitingText(n) {
    return n === 0 ? 'nothing waits for it yet' : n === 1 ? '1 update waits for it' : n + ' updates wait for it';
  }

  // The channels that get no updates: redrawn whole, as the server draws them (StoppedChannels.astro).
  function updateStoppedChannels(rows) {
    var notice = $('#channels-stopped');
    var list = notice && $('[data-rows]', notice);
    if (!list || !Array.isArray(rows)) return;
    var items = rows.map(function (r) {
      var li = el('li');
      li.setAttribute('data-stopped', r.id);
      li.appendChild(el('strong', null, r.name));
      li.appendChild(document.createTextNode(': ' + r.why + '; ' + waitingText(r.waiting) + '.'));
      return li;
    });
    var text = items
      .map(function (li) {
        return li.textContent;
      })
      .join('\n');
    if (list.getAttribute('data-text') !== text) {
      list.setAttribute('data-text', text);
      list.replaceChildren.apply(list, items);
    }
    notice.hidden = rows.length === 0;
  }

  // The focus on a row that goes moves to the list's heading, not to the page's start; the last row gone,
  // the list says what the page drawn now would. A screen reader is told it went, as the incident's page says it
  // (update-due.js: it cannot tell a resolution from a withdrawal either).
  function dropClosedRows(active, told) {
    var open = active.map(function (r) {
      return r.id;
    });
    $all('li[data-incident]').forEach(function (li) {
      if (open.indexOf(li.getAttribute('data-incident')) >= 0) return;
      var list = li.parentNode;
      var focused = li.contains(document.activeElement);
      var title = $('a.title', li);
      told.push(li.getAttribute('data-incident') + ' ' + (title ? title.textContent : '') + ' was updated and is no longer open.');
      li.remove();
      if (list && list.children.length === 0) list.replaceWith(el('p', 'empty', 'No active incidents.'));
      var heading = $('#active-title');
      if (focused && heading) {
        heading.setAttribute('tabindex', '-1');
        heading.focus();
      }
    });
  }

  function apply(data) {
    var news = false;
    var told = [];
    var now = $('#dash-now');
    if (now && data.now && data.now_text) {
      now.setAttribute('datetime', data.now);
      setText(now, data.now_text);
    }
    updateOverall(data.overall);

    var active = data.active || [];
    var shown = $all('li[data-incident]').map(function (li) {
      return li.getAttribute('data-incident');
    });
    if (
      !sameSet(
        shown,
        active.map(function (r) {
          return r.id;
        }),
      )
    )
      news = true;
    keepingFocus(function () {
      // A row whose incident is no longer open (resolved or withdrawn elsewhere) goes: it had nothing more
      // due, and kept "Next update due … in under a minute" until a reload. An answer without the list
      // (another server's) removes nothing.
      if (Array.isArray(data.active)) dropClosedRows(active, told);
      active.forEach(function (row) {
        if (!updateActive(row, told)) news = true;
      });
      // The most urgent first, as the server orders them: a redrawn row's new due time may move it.
      var list = $('.active-list li[data-incident]');
      list = list && list.parentNode;
      if (list && !news) {
        var nodes = active.map(function (row) {
          return byData('incident', row.id);
        });
        var inOrder = nodes.every(function (li, i) {
          return li === list.children[i];
        });
        if (!inOrder) list.append.apply(list, nodes);
      }
    });
    updateOverdueAlert(data.overdue_text);

    var owed = data.postmortems || [];
    var listed = $all('li[data-postmortem]').map(function (li) {
      return li.getAttribute('data-postmortem');
    });
    if (
      !sameSet(
        listed,
        owed.map(function (r) {
          return r.id;
        }),
      )
    )
      news = true;
    owed.forEach(function (row) {
      if (!updatePostmortem(row)) news = true;
    });
    updateMorePostmortems(data.postmortems_more_text);

    var notices = data.deliveries || [];
    var rows = $all('li[data-intent]').map(function (li) {
      return li.getAttribute('data-intent');
    });
    if (
      !sameSet(
        rows,
        notices.map(function (r) {
          return r.intent;
        }),
      )
    )
      news = true;
    notices.forEach(function (row) {
      if (!updateDelivery(row)) news = true;
    });
    updatePaused(data.paused);
    updateStoppedChannels(data.stopped_channels);

    if (news) newActivity();
    tell(told);
  }

  // The session ended (signed out elsewhere, or expired): the asking has stopped; say so.
  function signedOut() {
    var link = el('a', null, 'Sign in again');
    link.href = '/admin';
    showNotice(['This page stopped updating: your session has ended. ', link, '.']);
  }

  document.addEventListener('DOMContentLoaded', function () {
    var main = $('#main');
    if (!main || !$('#overall-strip') || !window.fetch || !window.heraldFollowDashboard) return;
    live = el('div');
    live.id = 'dashboard-live';
    live.setAttribute('role', 'status');
    shown = el('div');
    said = el('p', 'visually-hidden');
    said.id = 'dashboard-said';
    live.append(shown, said);
    var head = $('.page-head', main);
    main.insertBefore(live, head ? head.nextSibling : main.firstChild);
    window.heraldFollowDashboard(apply, signedOut);
  });
})();
