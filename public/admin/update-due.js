// Herald console, an incident's page only: its "Next update due" line follows the clock while the
// Comms Lead writes, turning to "Update overdue" (and the tab's title with it) when the time passes,
// as the dashboard's rows do. Every 20 s (not while the tab is hidden) it asks what the dashboard asks
// (GET /api/admin/dashboard, through window.heraldFollowDashboard in console.js) for this incident: an
// update posted elsewhere (a teammate, the API) moves the due time, which the line then follows, and a
// note says an update was posted, by whom, with a link to see it in a new tab; the times are the
// server's words. Without this file the line is correct as loaded.
(function () {
  'use strict';

  document.addEventListener('DOMContentLoaded', function () {
    var box = document.getElementById('update-due');
    if (!box) return;
    var id = box.getAttribute('data-incident') || '';
    var shownLast = box.getAttribute('data-last-update') || '';
    var dueMs = Date.parse(box.getAttribute('data-due-at') || '');
    // The server's clock at render, against this one: a skewed laptop clock does not move the deadline.
    var skew = Date.parse(box.getAttribute('data-now') || '') - Date.now();
    var dueText = box.getAttribute('data-due-text') || '';
    var title = document.title.replace(/^Update overdue · /, '');
    // What the last poll found: an update posted since the page was drawn ({ by, at }), or the incident closed.
    var posted = null;
    var closed = false;
    // Signed out (elsewhere, or expired): nothing posted since is seen, so the page says it stopped, as the dashboard does.
    var stoppedNote = null;
    // No due time (a level without a cadence) is no reason to stop: a re-grade elsewhere may give it one.
    if (Number.isNaN(skew)) return;

    // The line as the server drew it, kept and changed in place: a node replaced every minute would take
    // the focus from a keyboard user on it.
    var dueLine = box.querySelector('p') || box.appendChild(document.createElement('p'));
    var note = null;
    var noteText = document.createTextNode('');
    // Told to a screen reader once per change of what the box says, not of its minutes (null: as loaded), nor of
    // its words for the same due time (dated after the site's midnight: nothing happened), as the dashboard does.
    var said = document.getElementById('update-due-said');
    var was = null;

    function tell(overdue) {
      var now = { note: noteText.data, due: dueLine.hidden ? '' : (overdue ? '!' : '') + dueMs };
      var news = [];
      if (was && now.note !== was.note) news.push(now.note.trim());
      if (was && now.due !== was.due && now.due)
        news.push(overdue ? 'Update overdue: it was due ' + dueText + '.' : 'Next update due ' + dueText + '.');
      news = news.filter(Boolean);
      if (said && news.length) said.textContent = news.join(' ');
      was = now;
    }

    // A reload would drop what the Comms Lead is writing, so the page opens afresh in another tab.
    function freshPageLink() {
      var url = new URL(location.href);
      // The one-time notices of the page as loaded ("Published.") are not news again.
      ['published', 'corrected', 'renamed', 'done'].forEach(function (name) {
        url.searchParams.delete(name);
      });
      var link = document.createElement('a');
      link.href = url.pathname + url.search;
      link.target = '_blank';
      link.rel = 'noopener';
      link.textContent = 'Open this page in a new tab';
      return link;
    }

    function render() {
      var now = Date.now() + skew;
      var overdue = false;
      // Hidden, not removed: a later poll may bring a due time back into it.
      dueLine.hidden = closed || Number.isNaN(dueMs);
      if (!dueLine.hidden) {
        // As src/domain/cadence.ts counts: overdue by seconds already reads "1 min ago".
        overdue = now >= dueMs;
        var minutes = overdue ? -Math.max(1, Math.round((now - dueMs) / 60000)) : Math.floor((dueMs - now) / 60000);
        var line = overdue
          ? ': it was due ' + dueText + ' (' + window.heraldRelativeMinutes(minutes) + ').'
          : 'Next update due ' + dueText + ' (' + window.heraldRelativeMinutes(minutes) + ').';
        if (dueLine.textContent !== (overdue ? 'Update overdue' : '') + line) {
          if (overdue) {
            var strong = document.createElement('strong');
            strong.textContent = 'Update overdue';
            dueLine.replaceChildren(strong, line);
          } else {
            dueLine.replaceChildren(line);
          }
        }
      }
      if (posted || closed) {
        if (!note) {
          note = document.createElement('p');
          note.id = 'update-posted';
          note.append(noteText, freshPageLink(), ' to see it; what you are writing here stays.');
          box.append(note);
        }
        // Closed says more than an update told before it (which the note said until then).
        var what = closed
          ? 'This incident was updated and is no longer open. '
          : 'A new update was posted' + (posted.by ? ' by ' + posted.by : '') + ' at ' + posted.at + '. ';
        if (noteText.data !== what) noteText.data = what;
      }
      box.hidden = dueLine.hidden && !note && !stoppedNote;
      box.classList.toggle('bad', overdue);
      tell(overdue);
      document.title = overdue ? 'Update overdue · ' + title : title;
    }

    function apply(data) {
      var row = (data.active || []).filter(function (r) {
        return r.id === id;
      })[0];
      if (!row) {
        closed = true;
        return;
      }
      if (row.last_update_at !== shownLast) posted = { by: row.last_update_by || '', at: row.last_update_text || '' };
      dueMs = row.due_at ? Date.parse(row.due_at) : NaN;
      if (row.due_text) dueText = row.due_text;
    }

    // The sign-in opens in a new tab, as a reload would drop what is being written here; sent later, this tab's form
    // is refused for its old token and leads back to itself with the text (public/admin/console.js).
    function signedOut() {
      var link = document.createElement('a');
      link.href = '/admin/login?next=' + encodeURIComponent(location.pathname);
      link.target = '_blank';
      link.rel = 'noopener';
      link.textContent = 'Sign in again in a new tab';
      stoppedNote = document.createElement('p');
      stoppedNote.id = 'update-due-stopped';
      stoppedNote.append('This page stopped updating: your session has ended. ', link, '; what you are writing here stays.');
      box.append(stoppedNote);
      render();
      if (said) said.textContent = 'This page stopped updating: your session has ended.';
    }

    render();
    setInterval(render, 15000);
    if (!id || !window.fetch || !window.heraldFollowDashboard) return;
    var stop = window.heraldFollowDashboard(function (data) {
      apply(data);
      render();
      // Closed: nothing more to follow.
      if (closed) stop();
    }, signedOut);
  });
})();
