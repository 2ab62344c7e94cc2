// The text an uptime day shows on hover or focus covers the row above it. Escape hides it without moving the
// pointer or the focus (WCAG 1.4.13, content on hover or focus); it shows again once the day is left and
// pointed at or focused anew. The pages work as well without this script.
const DAY = '.uptime-bar > li';

document.addEventListener('keydown', (event) => {
  if (event.key !== 'Escape') return;
  for (const day of document.querySelectorAll(`${DAY}:is(:hover, :focus)`)) day.classList.add('tip-off');
});

// Left by the pointer while focused (or the other way round), the day still shows its text: keep it hidden.
document.addEventListener('mouseout', (event) => {
  const day = event.target instanceof Element ? event.target.closest(DAY) : null;
  if (day && !day.contains(event.relatedTarget) && !day.matches(':focus')) day.classList.remove('tip-off');
});
document.addEventListener('focusout', (event) => {
  const day = event.target instanceof Element ? event.target.closest(DAY) : null;
  if (day && !day.matches(':hover')) day.classList.remove('tip-off');
});
