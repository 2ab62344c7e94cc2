// Herald console, preview page only. Without this file the page works as it
// is: its sections fold (<details>), the email section starts folded, and the
// email frame has a generous fixed height.
// With it: on a wide screen the email section starts open, and the email
// frame (same origin, sandboxed, no scripts of its own) is as tall as the
// email, so it never scrolls inside a box.
(function () {
  'use strict';

  var WIDE = '(min-width: 60rem)';

  function sizeFrame(frame) {
    try {
      var doc = frame.contentDocument;
      // Folded away (no width), or still the empty document a frame starts with.
      if (!doc || !doc.documentElement || !frame.clientWidth || doc.URL === 'about:blank') return;
      var border = frame.offsetHeight - frame.clientHeight;
      var height = Math.ceil(doc.documentElement.getBoundingClientRect().height);
      if (height > 0) frame.style.height = height + border + 'px';
    } catch (e) {
      // Not readable (another origin): the stylesheet's fixed height stays.
    }
  }

  document.addEventListener('DOMContentLoaded', function () {
    if (window.matchMedia && window.matchMedia(WIDE).matches) {
      document.querySelectorAll('details[data-open-wide]').forEach(function (d) {
        d.open = true;
      });
    }

    var frames = Array.prototype.slice.call(document.querySelectorAll('iframe.email-frame'));
    if (frames.length === 0) return;
    var sizeAll = function () {
      frames.forEach(sizeFrame);
    };
    frames.forEach(function (frame) {
      frame.addEventListener('load', function () {
        sizeFrame(frame);
      });
      if (frame.contentDocument && frame.contentDocument.readyState === 'complete') sizeFrame(frame);
    });
    // Opening a folded section, or a new width (the email reflows), changes the height.
    document.querySelectorAll('details').forEach(function (d) {
      d.addEventListener('toggle', sizeAll);
    });
    var pending = false;
    window.addEventListener('resize', function () {
      if (pending) return;
      pending = true;
      requestAnimationFrame(function () {
        pending = false;
        sizeAll();
      });
    });
  });
})();
