// Herald console, an incident's page only: its "Next update due" line follows the clock while the
// Comms Lead writes, turning to "Update overdue" (and the tab's title with it) when the time passes,
// as the dashboard's rows do. The due time itself changes only with an update, which reloads the
// page. Without this file the line is correct as loaded.
(function () {
  'use strict';

  // "in 12 min", "5 min ago", "in 2 h 5 min" (src/console/format.ts relativeMinutes).
  function relativeMinutes(minutes) {
    var abs = Math.abs(minutes);
    var span = abs >= 60 ? Math.floor(abs / 60) + ' h' + (abs % 60 ? ' ' + (abs % 60) + ' min' : '') : abs + ' min';
    if (abs === 0) return 'in under a minute';
    return minutes > 0 ? 'in ' + span : span + ' ago';
  }

  document.addEventListener('DOMContentLoaded', function () {
    var box = document.getElementById('update-due');
    if (!box) return;
    var dueMs = Date.parse(box.getAttribute('data-due-at') || '');
    // The server's clock at render, against this one: a skewed laptop clock does not move the deadline.
    var skew = Date.parse(box.getAttribute('data-now') || '') - Date.now();
    var dueText = box.getAttribute('data-due-text') || '';
    var title = document.title.replace(/^Update overdue · /, '');
    if (Number.isNaN(dueMs) || Number.isNaN(skew)) return;

    function render() {
      var now = Date.now() + skew;
      // As src/domain/cadence.ts counts: overdue by seconds already reads "1 min ago".
      var overdue = now >= dueMs;
      var minutes = overdue ? -Math.max(1, Math.round((now - dueMs) / 60000)) : Math.floor((dueMs - now) / 60000);
      var p = document.createElement('p');
      if (overdue) {
        var strong = document.createElement('strong');
        strong.textContent = 'Update overdue';
        p.append(strong, ': it was due ' + dueText + ' (' + relativeMinutes(minutes) + ').');
      } else {
        p.textContent = 'Next update due ' + dueText + ' (' + relativeMinutes(minutes) + ').';
      }
      if (box.textContent !== p.textContent) box.replaceChildren(p);
      box.classList.toggle('bad', overdue);
      document.title = overdue ? 'Update overdue · ' + title : title;
    }
    render();
    setInterval(render, 15000);
  });
})();
